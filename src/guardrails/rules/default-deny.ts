import { essentialsPolicy } from '../baseline.js';
import { coversSelector } from '../../engine/coverage.js';
import type { Finding } from '../finding.js';
import type { Labels } from '../../model/labels.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import { policyId } from '../../model/network-policy.js';
import type { Direction, NetworkPolicy } from '../../model/network-policy.js';
import { SELECT_ALL, isSelectAll, matchesSelector } from '../../model/selector.js';
import type { LabelSelector } from '../../model/selector.js';
import type { PolicyChange } from './change.js';
import type { RuleContext } from './essential-access.js';
import { policiesAfter } from './namespace-policies.js';
import { summaryLine } from './summary.js';
import { affectedPod, describePod, labelsText, podName } from '../affected-pods.js';

function selectorsIsolating(policies: readonly NetworkPolicy[], direction: Direction): NetworkPolicy[] {
  return policies.filter((policy) => policy.policyTypes.has(direction));
}

/**
 * podNotIsolated finds a pod (its labels) among those the `scopes` select that none of `policies`
 * isolates in `direction`: exactly, for pods that do not exist yet too. `audit` asks it of a
 * whole namespace as it is.
 */
export function podNotIsolated(policies: readonly NetworkPolicy[], direction: Direction, scopes: readonly LabelSelector[] = [SELECT_ALL]): Labels | 'too-complex' | undefined {
  const covering = selectorsIsolating(policies, direction).map((policy) => policy.podSelector);
  for (const scope of scopes) {
    const answer = coversSelector(scope, covering);
    if (answer.kind === 'too-complex') return 'too-complex';
    if (answer.kind === 'uncovered') return answer.counterexample;
  }
  return undefined;
}

// Names of the policies that isolate every pod in each direction, per state version of a
// namespace's policy list (lists are immutable: a new state hands out new lists).
const selectAllBefore = new WeakMap<readonly NetworkPolicy[], ReadonlyMap<Direction, readonly string[]>>();

function selectAllIsolators(before: readonly NetworkPolicy[]): ReadonlyMap<Direction, readonly string[]> {
  let byDirection = selectAllBefore.get(before);
  if (byDirection === undefined) {
    byDirection = new Map(
      (['Ingress', 'Egress'] as const).map((direction) => [
        direction,
        selectorsIsolating(before, direction).filter((policy) => isSelectAll(policy.podSelector)).map((policy) => policy.name),
      ]),
    );
    selectAllBefore.set(before, byDirection);
  }
  return byDirection;
}

/** defaultDenyRemains says, without a pass over the namespace, whether a select-all isolator survives the change. */
function defaultDenyRemains(before: readonly NetworkPolicy[], change: PolicyChange, direction: Direction): boolean {
  const names = selectAllIsolators(before).get(direction) ?? [];
  const added = change.operation !== 'DELETE' && change.policy !== undefined && change.policy.policyTypes.has(direction) && isSelectAll(change.policy.podSelector);
  return added || names.some((name) => name !== change.name);
}

/** Gap is a required direction in which some pod is not isolated after the change, and one such pod's labels. */
interface Gap {
  readonly direction: Direction;
  readonly labels: Labels;
}

/**
 * defaultDenyFindings reports `default-deny-missing`, comparing the namespace before and after the
 * change. The change makes it worse when it leaves some pod unisolated in a required direction that
 * was isolated before (deleting the default-deny, narrowing its selector): that denies. A namespace
 * that already had pods unisolated gets a finding that predates the change (a warning, unless
 * `preexisting: deny`). `context.state` is the namespace as the guardrails judge it (its baseline
 * in place).
 */
export function defaultDenyFindings(change: PolicyChange, context: RuleContext): Finding[] {
  const { state, config, essentials } = context;
  const before = state.policiesIn(change.namespace);
  let afterList: readonly NetworkPolicy[] | undefined;
  const after = (): readonly NetworkPolicy[] => (afterList ??= policiesAfter(before, change));
  const object = `${change.namespace}/${change.name}`;
  const worse: Gap[] = [];
  const predating: Gap[] = [];
  let tooComplex: Direction | undefined;
  for (const direction of config.requiredDirections) {
    if (defaultDenyRemains(before, change, direction)) continue; // the common case, at once
    // Pods isolated before (by some policy of this direction) that no policy isolates after.
    const lost = podNotIsolated(after(), direction, selectorsIsolating(before, direction).map((policy) => policy.podSelector));
    const open = lost === undefined ? podNotIsolated(after(), direction) : lost;
    if (lost === 'too-complex' || open === 'too-complex') tooComplex ??= direction;
    else if (lost !== undefined) worse.push({ direction, labels: lost });
    else if (open !== undefined) predating.push({ direction, labels: open });
  }
  const fix = (): NetworkPolicy => essentialsPolicy(change.namespace, config, essentials.services, new Set(after().map((policy) => policy.name)));
  const fixText = (policy: NetworkPolicy): string => `Fix: apply ${policyId(policy)} (the fix), a default-deny that carries every essential allow.`;
  if (tooComplex !== undefined) {
    const policy = fix();
    return [
      {
        rule: 'default-deny-missing',
        severity: 'deny',
        object,
        fix: networkPolicyManifest(policy),
        summary: summaryLine('default-deny-missing', `too complex to prove every pod in ${change.namespace} stays isolated for ${tooComplex}`),
        message: `netfence could not prove within its search budget that every pod in ${change.namespace} stays isolated for ${tooComplex}. ${fixText(policy)}`,
      },
    ];
  }
  const findings: Finding[] = [];
  if (worse.length > 0) findings.push(gapFinding(change, object, worse, false, before, context, fix()));
  if (predating.length > 0) findings.push(gapFinding(change, object, predating, true, before, context, fix()));
  return findings;
}

function groupedBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

function gapFinding(change: PolicyChange, object: string, gaps: readonly Gap[], predates: boolean, before: readonly NetworkPolicy[], context: RuleContext, fix: NetworkPolicy): Finding {
  const directions = gaps.map((gap) => gap.direction).join(' and ');
  const examples = gaps.map((gap) => {
    const isolating = selectorsIsolating(before, gap.direction);
    const afterIsolating = selectorsIsolating(policiesAfter(before, change), gap.direction);
    const unisolated = (labels: Labels): boolean => !afterIsolating.some((policy) => matchesSelector(policy.podSelector, labels));
    const pod = affectedPod(context.state, change.namespace, (labels) => unisolated(labels) && (predates || isolating.some((policy) => matchesSelector(policy.podSelector, labels))));
    return { gap, pod };
  });
  const first = examples[0];
  // Each direction's own example: `web not isolated for Ingress and Egress`, or `web ... for Ingress, db-0 for Egress`.
  const subjects = examples.map((example) => ({ direction: example.gap.direction, who: example.pod === undefined ? `pods ${labelsText(example.gap.labels)} in ${change.namespace}` : podName(example.pod) }));
  const same = subjects.every((subject) => subject.who === subjects[0]?.who);
  const headline = same
    ? `${subjects[0]?.who ?? change.namespace} not isolated for ${directions}`
    : subjects.map((subject, index) => (index === 0 ? `${subject.who} not isolated for ${subject.direction}` : `${subject.who} for ${subject.direction}`)).join(', ');
  const cause = change.operation === 'DELETE' ? `After deleting ${object}` : 'After this change';
  // One sentence per pod: `web is not isolated for Ingress and Egress`, not the same pod twice.
  const sentences = [...groupedBy(examples, (example) => describePod(example.pod, example.gap.labels))].map(([who, ofPod]) => {
    const dirs = ofPod.map((example) => example.gap.direction);
    const traffic = dirs.length > 1 ? 'incoming and outgoing' : dirs[0] === 'Ingress' ? 'incoming' : 'outgoing';
    return `${who} is not isolated for ${dirs.join(' and ')} (no policy with ${dirs.length > 1 ? 'those policyTypes' : `policyTypes ${dirs[0] ?? ''}`} selects it), so all its ${traffic} traffic is allowed`;
  });
  return {
    rule: 'default-deny-missing',
    severity: 'deny',
    object,
    ...(predates ? { predates: true as const } : {}),
    counterexample: { namespace: change.namespace, labels: first?.pod?.labels ?? first?.gap.labels ?? new Map() },
    fix: networkPolicyManifest(fix),
    summary: summaryLine('default-deny-missing', `${predates ? 'predates this change: ' : ''}${headline}`),
    message:
      `${cause}, in ${change.namespace}: ${sentences.join('; ')}. ` +
      (predates
        ? `The namespace lacked this default-deny before the change too, which does not make it worse. `
        : `${sentences.length > 1 ? 'These pods were' : 'This pod was'} isolated before the change. `) +
      `Fix: apply ${policyId(fix)} (the fix), a default-deny that carries every essential allow.`,
  };
}
