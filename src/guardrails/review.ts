import type { Config, Mode } from './config.js';
import { isMember } from './config.js';
import { RULE_IDS } from './finding.js';
import { isIntentsPolicy } from './baseline.js';
import type { Finding } from './finding.js';
import { optOutFindings, modeOf } from './rules/baseline-opt-out.js';
import type { Change } from './rules/change.js';
import { defaultDenyFindings } from './rules/default-deny.js';
import { essentialAccessFindings } from './rules/essential-access.js';
import type { RuleContext } from './rules/essential-access.js';
import { baselinePendingFindings } from './rules/baseline-pending.js';
import { managedPolicyFindings } from './rules/managed-policy.js';
import { peerSplitFindings } from './rules/peer-split.js';
import { allowAllFindings, namespaceSelectorAllFindings } from './rules/policy-shape.js';
import { selectsOnlyHostNetworkPods } from './affected-pods.js';
import { withBaselines } from './judged-state.js';
import type { PolicyChange } from './rules/change.js';

/** NAMESPACE_CONTROLLER is the identity that deletes a namespace's objects while the namespace is deleted. */
export const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';

/**
 * Review is netfence's answer to one change: the namespace's mode, every finding (severities as
 * configured), and whether the change may go through. `skipped` says why nothing was checked;
 * `notes` say what the user should know that is no finding (a policy for host-network pods only).
 */
export interface Review {
  readonly mode: Mode;
  readonly skipped: string | undefined;
  readonly findings: readonly Finding[];
  readonly allowed: boolean;
  readonly notes?: readonly string[];
}

function skip(mode: Mode, reason: string): Review {
  return { mode, skipped: reason, findings: [], allowed: true };
}

/**
 * hostNetworkNote says, for a policy that selects only pods with `hostNetwork: true` (before and
 * after the change), that NetworkPolicies do not apply to them: the rules about pods leave it alone.
 */
function hostNetworkNote(change: PolicyChange, context: RuleContext): string | undefined {
  const selectors = [change.policy?.podSelector, change.oldPolicy?.podSelector].filter((selector) => selector !== undefined);
  if (selectors.length === 0 || !selectors.every((selector) => selectsOnlyHostNetworkPods(context.state, change.namespace, selector))) return undefined;
  return `netfence: ${change.namespace}/${change.name} selects only hostNetwork pods, which NetworkPolicies do not govern: no rule judges it`;
}

/** namespaceOf is the namespace a change belongs to (a Namespace belongs to itself). */
function namespaceOf(change: Change): string {
  return change.kind === 'Namespace' ? change.name : change.namespace;
}

/** modeFor is the mode that governs a change: the namespace's label before the change, else the default. */
function modeFor(change: Change, context: RuleContext): Mode {
  const { config, state } = context;
  if (change.kind === 'Namespace') return modeOf(change.oldLabels, config.defaultMode);
  return modeOf(state.namespaceLabels(change.namespace), config.defaultMode);
}

function exemption(change: Change, config: Config): string | undefined {
  const namespace = namespaceOf(change);
  if (namespace === config.namespace || config.exempt.namespaces.includes(namespace)) return `namespace ${namespace} is exempt`;
  if (isMember(config.exempt, change.requester)) return `${change.requester.username} is exempt`;
  if (change.operation === 'DELETE' && change.requester.username === NAMESPACE_CONTROLLER) {
    return 'the namespace controller is deleting the namespace';
  }
  return undefined;
}

/**
 * policyFindings applies the NetworkPolicy rules. Those about pods (essential services, default-deny,
 * allow-all) judge the namespace with its baseline in place when it is adopted (withBaselines); a
 * policy for host-network pods only gets a note instead.
 */
function policyFindings(change: PolicyChange, context: RuleContext, note: string | undefined): Finding[] {
  const managed = managedPolicyFindings(change, context.config);
  if (note !== undefined) return managed;
  const judged: RuleContext = { ...context, state: withBaselines(context.state, context.config) };
  return [
    ...essentialAccessFindings(change, judged),
    ...defaultDenyFindings(change, judged),
    ...allowAllFindings(change, judged),
    ...managed,
    ...namespaceSelectorAllFindings(change),
    ...peerSplitFindings(change),
  ];
}

/**
 * intentsWithdrawal says, for netfence (or another privileged requester) deleting a policy netfence
 * keeps for ClientIntents, that this is no change to judge: when the ClientIntents no longer call for
 * it, whoever changed them asked for it, and the webhook must not stop netfence carrying it out;
 * while they still do, netfence writes it again.
 */
function intentsWithdrawal(change: PolicyChange, config: RuleContext['config']): string | undefined {
  if (change.operation !== 'DELETE' || change.oldPolicy === undefined || !isIntentsPolicy(change.oldPolicy.labels) || !isMember(config.privileged, change.requester)) return undefined;
  return `netfence: ${change.namespace}/${change.name} is a policy netfence keeps for ClientIntents: deleting it is judged by no rule (netfence writes it again while ClientIntents call for it)`;
}

function findingsOf(change: Change, context: RuleContext, note: string | undefined): Finding[] {
  if (change.kind === 'Namespace') return optOutFindings(change, context.config);
  if (change.kind === 'Pod') return baselinePendingFindings(change, context);
  return policyFindings(change, context, note);
}

/**
 * severityOf is a finding's severity as configured. A deny finding that predates the change (the
 * change does not make it worse) warns, unless the config says `preexisting: deny`.
 */
function severityOf(finding: Finding, config: RuleContext['config']): Finding['severity'] | 'off' {
  const configured = config.severity[finding.rule];
  return configured === 'deny' && finding.predates === true && config.preexisting === 'warn' ? 'warn' : configured;
}

/**
 * reviewChange applies every rule to a change, comparing the namespace before and after it, then
 * the configured severities and the namespace's mode: enforce denies on any deny finding (one that
 * predates the change warns, unless `preexisting: deny`), audit allows and reports, off checks nothing.
 */
export function reviewChange(change: Change, context: RuleContext): Review {
  const mode = modeFor(change, context);
  const exempt = exemption(change, context.config);
  if (exempt !== undefined) return skip(mode, exempt);
  if (mode === 'off') return skip(mode, `namespace ${namespaceOf(change)} is in mode off`);
  const note = change.kind === 'NetworkPolicy' ? (intentsWithdrawal(change, context.config) ?? hostNetworkNote(change, context)) : undefined;
  const notes = note === undefined ? {} : { notes: [note] };
  const found = findingsOf(change, context, note);
  if (found.length === 0) return { mode, skipped: undefined, findings: found, allowed: true, ...notes };
  const findings = found
    .flatMap((finding): Finding[] => {
      const severity = severityOf(finding, context.config);
      return severity === 'off' ? [] : [{ ...finding, severity }];
    })
    .sort((a, b) => RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule));
  const denied = mode === 'enforce' && findings.some((finding) => finding.severity === 'deny');
  return { mode, skipped: undefined, findings, allowed: !denied, ...notes };
}
