import { diffReachability } from '../engine/reachability-diff.js';
import type { ConnectionChange, EndpointGroup } from '../engine/reachability-diff.js';
import { isExempt } from '../guardrails/adoption.js';
import { INTENTS_LABEL, MANAGED_BY_LABEL, isIntentsPolicy as isIntentsPolicyLabels } from '../guardrails/baseline.js';
import type { Config, Mode } from '../guardrails/config.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import { modeOf } from '../guardrails/rules/baseline-opt-out.js';
import type { ClientIntents } from '../model/client-intents.js';
import { intentsId } from '../model/client-intents.js';
import { withPolicyLists } from '../model/cluster-state.js';
import type { ClusterState } from '../model/cluster-state.js';
import { networkPolicyManifest } from '../model/manifest.js';
import { policyId } from '../model/network-policy.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import { generateIntentPolicies } from './generate.js';
import { proveIntentPolicies } from './prove.js';
import type { IntentsProof } from './prove.js';

/**
 * What keeping the policies of a cluster's ClientIntents takes, as the intents reconciler does it:
 * the intents split into independent sets (no two share a policy), each generated and proven on
 * its own, so one set that cannot be proven holds back only its own policies; then, per namespace,
 * the generated policies to create, to replace (they drifted) and to delete (no intents call for
 * them any more), and what the namespace's mode lets netfence do there.
 */

/** IntentsSet is ClientIntents that share policies (a server two of them call), generated together. */
export interface IntentsSet {
  /** intents are the ids (`namespace/name`) of its ClientIntents, sorted. */
  readonly intents: readonly string[];
  readonly policies: readonly NetworkPolicy[];
  /** failures say why its policies are not proven (none: they are written, or reported where netfence only reports). */
  readonly failures: readonly string[];
}

/** NamespaceAction says what netfence may do in a namespace: write (enforce), report only (audit), nothing (off, exempt, terminating). */
export type NamespaceAction = Mode | 'exempt' | 'terminating';

/** NamespaceIntentsPlan is what keeping the generated policies takes in one namespace. */
export interface NamespaceIntentsPlan {
  readonly namespace: string;
  readonly action: NamespaceAction;
  readonly create: readonly NetworkPolicy[];
  readonly replace: readonly NetworkPolicy[];
  /** remove names generated policies that no current intents call for. */
  readonly remove: readonly string[];
  /** conflicts name generated policies not written because a policy netfence does not manage holds the name. */
  readonly conflicts: readonly string[];
}

/** IntentsPlan is the whole answer for a cluster's ClientIntents. */
export interface IntentsPlan {
  readonly sets: readonly IntentsSet[];
  /** proof is the proof of every proven set's policies together (undefined when there are none). */
  readonly proof: IntentsProof | undefined;
  /** namespaces that hold or need generated policies, with something to do (or report) in them, by name. */
  readonly namespaces: readonly NamespaceIntentsPlan[];
  /** notices by ClientIntents id: what the generator left out and why, one line each. */
  readonly notices: ReadonlyMap<string, readonly string[]>;
  /** policiesOf: by ClientIntents id, the ids (`namespace/name`) of the policies it calls for. */
  readonly policiesOf: ReadonlyMap<string, readonly string[]>;
}

/** isIntentsPolicy says whether a policy is one netfence keeps for ClientIntents (managed, and labelled `netfence.io/intents`). */
export function isIntentsPolicy(policy: NetworkPolicy): boolean {
  return isIntentsPolicyLabels(policy.labels);
}

/** ownedText is what netfence owns of a generated policy, as text: its spec and its two labels (others' labels and annotations are left alone). */
export function ownedText(policy: NetworkPolicy): string {
  return JSON.stringify(networkPolicyManifest(policy, { labels: new Map([...policy.labels].filter(([key]) => key === MANAGED_BY_LABEL || key === INTENTS_LABEL)) }));
}

/** sameIntentsPolicy compares what netfence owns of a generated policy. */
export function sameIntentsPolicy(desired: NetworkPolicy, actual: NetworkPolicy): boolean {
  return ownedText(desired) === ownedText(actual);
}

/**
 * planIntents generates the policies `intents` call for in `state`, proves them, and compares them
 * with the generated policies in place. The proof covers every set that is written, together (so
 * pods of one set that the policies of another select are checked too); when it fails, each set is
 * proven alone, and those that fail alone are held back: none of their policies is created,
 * replaced or deleted. When the rest still fail together, every set is held back.
 */
export function planIntents(state: ClusterState, intents: readonly ClientIntents[], config: Config, essentials: EssentialServices): IntentsPlan {
  const sorted = [...intents].sort((a, b) => compare(intentsId(a), intentsId(b)));
  const alone = new Map(sorted.map((object) => [intentsId(object), generateIntentPolicies(state, [object], essentials).policies.map(policyId)]));
  const notices = new Map<string, string[]>();
  const policiesOf = new Map<string, string[]>();
  const generatedSets = independentSets(sorted, alone).map((members) => ({ members, generated: generateIntentPolicies(state, members, essentials) }));
  for (const { members, generated } of generatedSets) {
    const setPolicies = new Set(generated.policies.map(policyId));
    for (const id of members.map(intentsId)) {
      notices.set(id, generated.notices.filter((notice) => noticeIsAbout(notice, id)));
      policiesOf.set(id, (alone.get(id) ?? []).filter((policy) => setPolicies.has(policy)));
    }
  }
  const failures = new Map<(typeof generatedSets)[number], readonly string[]>();
  let proven = generatedSets.filter(({ generated }) => generated.policies.length > 0);
  let proof: IntentsProof | undefined;
  while (proven.length > 0) {
    const together = generateIntentPolicies(state, proven.flatMap(({ members }) => members), essentials);
    proof = proveIntentPolicies(state, together, config, essentials);
    if (proof.failures.length === 0) break;
    const failing = proven.filter((set) => {
      const own = proveIntentPolicies(state, set.generated, config, essentials).failures;
      if (own.length > 0) failures.set(set, own);
      return own.length > 0;
    });
    // Each set proves alone, not together: hold them all, with what failed together.
    const held = failing.length > 0 ? failing : proven;
    if (failing.length === 0) for (const set of proven) failures.set(set, proof.failures);
    proven = proven.filter((set) => !held.includes(set));
    proof = undefined;
  }
  const sets = generatedSets.map((set) => ({ intents: set.members.map(intentsId), policies: set.generated.policies, failures: failures.get(set) ?? [] }));
  const desired = sets.filter((set) => set.failures.length === 0).flatMap((set) => set.policies);
  const held = new Set(sets.filter((set) => set.failures.length > 0).flatMap((set) => set.policies.map(policyId)));
  const namespaces = planNamespaces(state, desired, held, config);
  for (const plan of namespaces) {
    const reason = plan.action === 'exempt' ? `namespace ${plan.namespace} is exempt: netfence writes nothing there` : undefined;
    for (const name of plan.conflicts) addNotice(notices, policiesOf, `${plan.namespace}/${name}`, `${plan.namespace}/${name} is a policy netfence does not manage: the generated policy of that name is not written`);
    if (reason !== undefined) for (const policy of [...plan.create, ...plan.replace]) addNotice(notices, policiesOf, policyId(policy), `${policyId(policy)} not written: ${reason}`);
  }
  return { sets, proof, namespaces, notices, policiesOf };
}

/** independentSets groups ClientIntents that call for a policy of the same name (an ingress policy of a server they share, or a client named twice). */
function independentSets(intents: readonly ClientIntents[], alone: ReadonlyMap<string, readonly string[]>): ClientIntents[][] {
  const parent = intents.map((_, index) => index);
  const find = (index: number): number => {
    let root = index;
    while (parent[root] !== root) root = parent[root] ?? root;
    parent[index] = root;
    return root;
  };
  const owner = new Map<string, number>();
  intents.forEach((object, index) => {
    for (const policy of alone.get(intentsId(object)) ?? []) {
      const other = owner.get(policy);
      if (other === undefined) owner.set(policy, index);
      else parent[find(index)] = find(other);
    }
  });
  const groups = new Map<number, ClientIntents[]>();
  intents.forEach((object, index) => groups.set(find(index), [...(groups.get(find(index)) ?? []), object]));
  return [...groups.values()];
}

function planNamespaces(state: ClusterState, desired: readonly NetworkPolicy[], held: ReadonlySet<string>, config: Config): NamespaceIntentsPlan[] {
  const names = new Set([...desired.map((policy) => policy.namespace), ...state.policies().filter(isIntentsPolicy).map((policy) => policy.namespace)]);
  const plans: NamespaceIntentsPlan[] = [];
  for (const namespace of [...names].sort(compare)) {
    const policies = state.policiesIn(namespace);
    const byName = new Map(policies.map((policy) => [policy.name, policy]));
    const wanted = desired.filter((policy) => policy.namespace === namespace);
    const conflicts = wanted.filter((policy) => {
      const actual = byName.get(policy.name);
      return actual !== undefined && !isIntentsPolicy(actual);
    });
    const writable = wanted.filter((policy) => !conflicts.includes(policy));
    const create = writable.filter((policy) => !byName.has(policy.name));
    const replace = writable.filter((policy) => {
      const actual = byName.get(policy.name);
      return actual !== undefined && !sameIntentsPolicy(policy, actual);
    });
    const wantedNames = new Set(wanted.map((policy) => policy.name));
    const remove = policies.filter((policy) => isIntentsPolicy(policy) && !wantedNames.has(policy.name) && !held.has(policyId(policy))).map((policy) => policy.name);
    if (create.length + replace.length + remove.length + conflicts.length === 0) continue;
    plans.push({ namespace, action: actionIn(state, namespace, config), create, replace, remove, conflicts: conflicts.map((policy) => policy.name) });
  }
  return plans;
}

function actionIn(state: ClusterState, namespace: string, config: Config): NamespaceAction {
  if (isExempt(namespace, config)) return 'exempt';
  const found = state.namespace(namespace);
  if (found?.terminating === true) return 'terminating';
  return modeOf(found?.labels, config.defaultMode);
}

/** noticeIsAbout says whether a generator notice is about a ClientIntents: it starts `ClientIntents NS/NAME:` or `ClientIntents NS/NAME spec...`. */
function noticeIsAbout(notice: string, id: string): boolean {
  const prefix = `ClientIntents ${id}`;
  return notice.startsWith(prefix) && (notice[prefix.length] === ':' || notice[prefix.length] === ' ');
}

function addNotice(notices: Map<string, string[]>, policiesOf: ReadonlyMap<string, readonly string[]>, policy: string, notice: string): void {
  for (const [id, policies] of policiesOf) if (policies.includes(policy)) notices.set(id, [...(notices.get(id) ?? []), notice]);
}

/** ClosedConnection is a connection a namespace's pending intents policies would close: from pods to pods, the ports lost. */
export interface ClosedConnection {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
}

/**
 * wouldClose answers, for a namespace where netfence only reports (audit), which connections its
 * pending intents policies would close: the state against the state with them written.
 */
export function wouldClose(state: ClusterState, plan: NamespaceIntentsPlan): ClosedConnection[] {
  const written = new Map([...plan.create, ...plan.replace].map((policy) => [policy.name, policy]));
  const removed = new Set(plan.remove);
  const after = withPolicyLists(state, (namespace) => {
    if (namespace !== plan.namespace) return state.policiesIn(namespace);
    const kept = state.policiesIn(namespace).filter((policy) => !removed.has(policy.name) && !written.has(policy.name));
    return [...kept, ...written.values()].sort((a, b) => compare(a.name, b.name));
  });
  return diffReachability(state, after)
    .namespacePairs.flatMap((pair) => pair.connections)
    .filter((connection: ConnectionChange) => !connection.closed.isEmpty())
    .map((connection) => ({ from: groupName(connection.from), to: groupName(connection.to), ports: connection.closed.format() }));
}

function groupName(group: EndpointGroup): string {
  return group.wholeNamespace ? `every pod of ${group.namespace}` : group.names.join(', ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
