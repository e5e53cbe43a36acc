import type { Config, Mode } from './config.js';
import { isMember } from './config.js';
import { RULE_IDS } from './finding.js';
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

/** NAMESPACE_CONTROLLER is the identity that deletes a namespace's objects while the namespace is deleted. */
export const NAMESPACE_CONTROLLER = 'system:serviceaccount:kube-system:namespace-controller';

/**
 * Review is netfence's answer to one change: the namespace's mode, every finding (severities as
 * configured), and whether the change may go through. `skipped` says why nothing was checked.
 */
export interface Review {
  readonly mode: Mode;
  readonly skipped: string | undefined;
  readonly findings: readonly Finding[];
  readonly allowed: boolean;
}

function skip(mode: Mode, reason: string): Review {
  return { mode, skipped: reason, findings: [], allowed: true };
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

function findingsOf(change: Change, context: RuleContext): Finding[] {
  if (change.kind === 'Namespace') return optOutFindings(change, context.config);
  if (change.kind === 'Pod') return baselinePendingFindings(change, context);
  return [
    ...essentialAccessFindings(change, context),
    ...defaultDenyFindings(change, context),
    ...allowAllFindings(change),
    ...managedPolicyFindings(change, context.config),
    ...namespaceSelectorAllFindings(change),
    ...peerSplitFindings(change),
  ];
}

/**
 * reviewChange applies every rule to a change with the namespace "after the change", then the
 * configured severities and the namespace's mode: enforce denies on any deny finding, audit
 * allows and reports, off checks nothing.
 */
export function reviewChange(change: Change, context: RuleContext): Review {
  const mode = modeFor(change, context);
  const exempt = exemption(change, context.config);
  if (exempt !== undefined) return skip(mode, exempt);
  if (mode === 'off') return skip(mode, `namespace ${namespaceOf(change)} is in mode off`);
  const found = findingsOf(change, context);
  if (found.length === 0) return { mode, skipped: undefined, findings: found, allowed: true };
  const severity = context.config.severity;
  const findings = found
    .flatMap((finding): Finding[] => {
      const configured = severity[finding.rule];
      return configured === 'off' ? [] : [{ ...finding, severity: configured }];
    })
    .sort((a, b) => RULE_IDS.indexOf(a.rule) - RULE_IDS.indexOf(b.rule));
  const denied = mode === 'enforce' && findings.some((finding) => finding.severity === 'deny');
  return { mode, skipped: undefined, findings, allowed: !denied };
}
