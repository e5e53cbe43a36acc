import type { NetworkPolicy, PolicyRule } from '../model/network-policy.js';
import { reviewChange } from './review.js';
import type { PolicyChange } from './rules/change.js';
import type { RuleContext } from './rules/essential-access.js';

/**
 * EgressRemediation is what `remediation.essentialEgress` adds to a policy instead of denying it:
 * the egress rule of each essential service its pods would be cut off from, and the policy as the
 * API server would store it with those rules appended.
 */
export interface EgressRemediation {
  readonly services: readonly string[];
  readonly rules: readonly PolicyRule[];
  readonly policy: NetworkPolicy;
}

/**
 * remediateEssentialEgress says what remediation adds to a created or updated policy that isolates
 * egress, or undefined when remediation is off, the change is not reviewed (exempt, mode off) or
 * nothing is cut off. The mutating webhook turns the rules into a JSON patch; `check` shows the
 * stored policy, so both see the same repaired object that validation then judges.
 */
export function remediateEssentialEgress(change: PolicyChange, context: RuleContext): EgressRemediation | undefined {
  const { policy } = change;
  if (!context.config.remediateEssentialEgress || policy === undefined || (change.operation !== 'CREATE' && change.operation !== 'UPDATE')) return undefined;
  if (!policy.policyTypes.has('Egress')) return undefined;
  const review = reviewChange(change, context);
  if (review.skipped !== undefined) return undefined;
  const cut = new Set(review.findings.filter((finding) => finding.rule === 'essential-egress').map((finding) => finding.service));
  const services = context.essentials.services.filter((service) => service.direction === 'Egress' && cut.has(service.name));
  if (services.length === 0) return undefined;
  const rules = services.map((service) => service.fixRule);
  return { services: services.map((service) => service.name), rules, policy: { ...policy, egress: [...policy.egress, ...rules] } };
}
