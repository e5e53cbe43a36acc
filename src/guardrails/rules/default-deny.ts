import { essentialsPolicy } from '../baseline.js';
import { coversSelector } from '../../engine/coverage.js';
import type { Finding } from '../finding.js';
import { formatLabels } from '../../model/labels.js';
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

function selectorsIsolating(policies: readonly NetworkPolicy[], direction: Direction): NetworkPolicy[] {
  return policies.filter((policy) => policy.policyTypes.has(direction));
}

/**
 * notIsolatedAfter finds a pod that the change leaves without isolation in `direction`. On CREATE
 * and UPDATE every pod of the namespace must be isolated afterwards; on DELETE only pods the
 * deletion un-isolates count, so that a broken namespace can still be cleaned up.
 */
function notIsolatedAfter(change: PolicyChange, before: readonly NetworkPolicy[], after: () => readonly NetworkPolicy[], direction: Direction): Labels | 'too-complex' | undefined {
  if (defaultDenyRemains(before, change, direction)) return undefined; // the common case, at once
  const scopes = change.operation === 'DELETE' ? selectorsIsolating(before, direction).map((policy) => policy.podSelector) : [SELECT_ALL];
  return podNotIsolated(after(), direction, scopes);
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

/** defaultDenyFindings reports `default-deny-missing`: after the change, a pod not isolated in a required direction. */
export function defaultDenyFindings(change: PolicyChange, context: RuleContext): Finding[] {
  const { state, config, essentials } = context;
  const before = state.policiesIn(change.namespace);
  let afterList: readonly NetworkPolicy[] | undefined;
  const after = (): readonly NetworkPolicy[] => (afterList ??= policiesAfter(before, change));
  const object = `${change.namespace}/${change.name}`;
  const gaps: { readonly direction: Direction; readonly missing: Labels | 'too-complex' }[] = [];
  for (const direction of config.requiredDirections) {
    const missing = notIsolatedAfter(change, before, after, direction);
    if (missing !== undefined) gaps.push({ direction, missing });
  }
  const first = gaps[0];
  if (first === undefined) return [];
  const directions = gaps.map((gap) => gap.direction).join(' and ');
  const fix = essentialsPolicy(change.namespace, config, essentials.services, new Set(after().map((policy) => policy.name)));
  const fixText = `Fix: apply ${policyId(fix)} (below), a default-deny that carries every essential allow.`;
  if (first.missing === 'too-complex') {
    return [
      {
        rule: 'default-deny-missing',
        severity: 'deny',
        object,
        fix: networkPolicyManifest(fix),
        summary: summaryLine('default-deny-missing', `too complex to prove every pod in ${change.namespace} is isolated for ${directions}`),
        message: `netfence could not prove within its search budget that every pod in ${change.namespace} stays isolated for ${directions}. ${fixText}`,
      },
    ];
  }
  const labels = formatLabels(first.missing);
  const example = first.missing;
  const predates =
    change.operation !== 'DELETE' && !selectorsIsolating(before, first.direction).some((policy) => matchesSelector(policy.podSelector, example));
  const cause = change.operation === 'DELETE' ? `Deleting ${object} leaves` : 'After this change,';
  return [
    {
      rule: 'default-deny-missing',
      severity: 'deny',
      object,
      counterexample: { namespace: change.namespace, labels: example },
      fix: networkPolicyManifest(fix),
      summary: summaryLine('default-deny-missing', `pods ${labels} in ${change.namespace} are not isolated for ${directions}`),
      message:
        `${cause} pods in ${change.namespace} (for example with labels ${labels}) are not selected by any policy with policyTypes ${first.direction}` +
        `${gaps.length > 1 ? ` (nor ${gaps.slice(1).map((gap) => gap.direction).join(', ')})` : ''}, so all their ${first.direction === 'Ingress' ? 'incoming' : 'outgoing'} traffic is allowed. ` +
        (predates ? 'The namespace already lacked this default-deny before the change. ' : '') +
        fixText,
    },
  ];
}
