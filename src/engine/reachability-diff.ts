import type { ClusterState } from '../model/cluster-state.js';
import { selectsPod } from './connection.js';
import type { Labels } from '../model/labels.js';
import { DIRECTIONS, policyId, rulesFor } from '../model/network-policy.js';
import type { Direction, NetworkPolicy } from '../model/network-policy.js';
import { isTemplatePod } from '../model/pod.js';
import type { Pod } from '../model/pod.js';
import type { PortSet } from '../model/port-set.js';
import { ReachabilityMap, ipBlocksOf, podClassKey, standsForOnePod } from './reachability.js';
import type { PodClass } from './reachability.js';
import { matchesSelector } from '../model/selector.js';
import type { LabelSelector } from '../model/selector.js';

/**
 * Reachability diffs: every connection that a change to a state opens or closes, with the exact
 * ports gained or lost, and the changed policies (or namespace labels) that decide it.
 *
 * Pods are matched across the two states by name; a workload's pod template in one state stands
 * for the workload's real pods in the other. A pod found in one state only is listed as added or
 * removed, and its connections are not compared (it has none on the other side).
 *
 * Only pairs that can change are evaluated: a source's egress depends on its namespace's policies
 * that select it for Egress and on the destination (its labels, ports, addresses, and its
 * namespace's labels); a destination's ingress likewise. So a pair is compared only when a changed
 * policy selects the source for Egress or the destination for Ingress (before or after), when a
 * policy isolating either side has a namespaceSelector whose answer a relabelled namespace flips,
 * or when either pod changed.
 */

/** ChangeKind says how an object differs between the states. */
export type ChangeKind = 'added' | 'changed' | 'deleted';

/** ChangedPolicy is a policy whose meaning differs between the states (its own labels do not count). */
export interface ChangedPolicy {
  readonly id: string;
  readonly namespace: string;
  readonly change: ChangeKind;
  readonly before: NetworkPolicy | undefined;
  readonly after: NetworkPolicy | undefined;
}

/** ChangedNamespace is a namespace whose labels differ (added and deleted namespaces too). */
export interface ChangedNamespace {
  readonly name: string;
  readonly change: ChangeKind;
  readonly before: Labels | undefined;
  readonly after: Labels | undefined;
}

/** PodPair is one pod (or workload) as it is before and after the change. */
export interface PodPair {
  readonly before: Pod;
  readonly after: Pod;
}

/** StateDelta is what differs between the states, as far as reachability goes. */
export interface StateDelta {
  readonly policies: readonly ChangedPolicy[];
  readonly namespaces: readonly ChangedNamespace[];
  /** addedPods and removedPods exist in one state only: their connections are not compared. */
  readonly addedPods: readonly Pod[];
  readonly removedPods: readonly Pod[];
  /** changedPods are matched pods whose labels, container ports or addresses (as ipBlocks see them) differ. */
  readonly changedPods: readonly PodPair[];
}

/** EndpointGroup is one side of a line: pods of one namespace that the change treats alike. */
export interface EndpointGroup {
  readonly namespace: string;
  /** names are the pods (`ns/pod`) and workload templates (`ns/Kind/name`), as they are after the change. */
  readonly names: readonly string[];
  /** wholeNamespace: the group is every pod of the namespace found in both states. */
  readonly wholeNamespace: boolean;
}

/**
 * ConnectionChange is one line of a diff: from every pod of `from` to every pod of `to`, the
 * ports allowed before and after, those opened and those closed, and why.
 */
export interface ConnectionChange {
  readonly from: EndpointGroup;
  readonly to: EndpointGroup;
  readonly before: PortSet;
  readonly after: PortSet;
  readonly opened: PortSet;
  readonly closed: PortSet;
  /** policies are the changed policies that decide the difference: they isolate a side whose answer changed. */
  readonly policies: readonly ChangedPolicy[];
  /** namespaces are relabelled namespaces (the other end's) whose new labels flip a namespaceSelector of a side that decides the difference. */
  readonly namespaces: readonly ChangedNamespace[];
  /** podChanged: an end itself changed (labels, ports or addresses). */
  readonly podChanged: boolean;
}

/** NamespacePairChanges are the lines from pods of one namespace to pods of another (or the same). */
export interface NamespacePairChanges {
  readonly from: string;
  readonly to: string;
  readonly connections: readonly ConnectionChange[];
}

/** ReachabilityDiff is the whole answer: what changed, and every connection opened or closed. */
export interface ReachabilityDiff {
  readonly delta: StateDelta;
  readonly namespacePairs: readonly NamespacePairChanges[];
  /** classes and pairsEvaluated say how much work the diff did (classes of identical pods, class pairs compared). */
  readonly classes: number;
  readonly pairsEvaluated: number;
}

/** hasChanges says whether a diff opens or closes anything. */
export function hasChanges(diff: ReachabilityDiff): boolean {
  return diff.namespacePairs.length > 0;
}

// --- what changed -------------------------------------------------------------------------------

/** meaningOf is a policy's meaning as text: every field but its own labels and how policyTypes came to be. */
function meaningOf(policy: NetworkPolicy): string {
  const { podSelector, policyTypes, ingress, egress } = policy;
  return JSON.stringify([podSelector, [...policyTypes].sort(), ingress, egress], (_key, value: unknown) => {
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Map) return [...(value as Map<string, unknown>)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return value;
  });
}

/** samePolicy says whether two versions of a policy mean the same. */
export function samePolicy(a: NetworkPolicy, b: NetworkPolicy): boolean {
  return a === b || meaningOf(a) === meaningOf(b);
}

function sameLabels(a: Labels | undefined, b: Labels | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

function changedPolicies(before: ClusterState, after: ClusterState): ChangedPolicy[] {
  const namespaces = new Set([...before.namespaces(), ...after.namespaces()].map((namespace) => namespace.name));
  const changed: ChangedPolicy[] = [];
  for (const namespace of [...namespaces].sort()) {
    const old = before.policiesIn(namespace);
    const now = after.policiesIn(namespace);
    if (old === now) continue;
    const nowByName = new Map(now.map((policy) => [policy.name, policy]));
    for (const policy of old) {
      const next = nowByName.get(policy.name);
      nowByName.delete(policy.name);
      if (next === undefined) changed.push({ id: policyId(policy), namespace, change: 'deleted', before: policy, after: undefined });
      else if (!samePolicy(policy, next)) changed.push({ id: policyId(policy), namespace, change: 'changed', before: policy, after: next });
    }
    for (const policy of nowByName.values()) changed.push({ id: policyId(policy), namespace, change: 'added', before: undefined, after: policy });
  }
  return changed.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function changedNamespaces(before: ClusterState, after: ClusterState): ChangedNamespace[] {
  const names = new Set([...before.namespaces(), ...after.namespaces()].map((namespace) => namespace.name));
  return [...names].sort().flatMap((name): ChangedNamespace[] => {
    const old = before.namespaceLabels(name);
    const now = after.namespaceLabels(name);
    if (sameLabels(old, now)) return [];
    return [{ name, change: old === undefined ? 'added' : now === undefined ? 'deleted' : 'changed', before: old, after: now }];
  });
}

const podName = (pod: Pod): string => `${pod.namespace}/${pod.name}`;

function workloadOf(pod: Pod): string | undefined {
  return pod.workload === undefined ? undefined : `${pod.namespace}/${pod.workload.kind}/${pod.workload.name}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * matchPods pairs the pods of two states by name; then, among the rest, a workload's pod template
 * on one side with that workload's pods on the other (a manifest that changes a Deployment makes
 * its template stand for the pods it replaces).
 */
function matchPods(before: readonly Pod[], after: readonly Pod[]): { pairs: PodPair[]; added: Pod[]; removed: Pod[] } {
  const afterByName = new Map(after.map((pod) => [podName(pod), pod]));
  const pairs: PodPair[] = [];
  const removed: Pod[] = [];
  for (const pod of before) {
    const next = afterByName.get(podName(pod));
    if (next === undefined) removed.push(pod);
    else {
      pairs.push({ before: pod, after: next });
      afterByName.delete(podName(pod));
    }
  }
  const added = [...afterByName.values()];
  const oldByWorkload = groupBy(removed, workloadOf);
  const newByWorkload = groupBy(added, workloadOf);
  const paired = new Set<Pod>();
  for (const [workload, olds] of oldByWorkload) {
    const news = newByWorkload.get(workload);
    if (news === undefined) continue;
    const [onlyNew] = news;
    const [onlyOld] = olds;
    if (news.length === 1 && onlyNew !== undefined && isTemplatePod(onlyNew)) {
      for (const pod of olds) pairs.push({ before: pod, after: onlyNew });
    } else if (olds.length === 1 && onlyOld !== undefined && isTemplatePod(onlyOld)) {
      for (const pod of news) pairs.push({ before: onlyOld, after: pod });
    } else continue;
    for (const pod of [...olds, ...news]) paired.add(pod);
  }
  return { pairs, added: added.filter((pod) => !paired.has(pod)), removed: removed.filter((pod) => !paired.has(pod)) };
}

/** LabelReaders are the policies whose namespaceSelectors answer differently once namespaces are relabelled, by direction. */
interface LabelReaders {
  readonly byNamespace: ReadonlyMap<string, Record<Direction, Set<NetworkPolicy>>>;
  readonly all: Record<Direction, Set<NetworkPolicy>>;
}

/**
 * labelReaders finds, for each relabelled namespace, the policies (of either state) with a
 * namespaceSelector peer, among their rules in a direction, that admits the namespace's pods
 * before and not after or the other way round: the only way a namespace's labels reach a verdict.
 */
function labelReaders(namespaces: readonly ChangedNamespace[], policies: readonly NetworkPolicy[]): LabelReaders {
  const all: Record<Direction, Set<NetworkPolicy>> = { Ingress: new Set(), Egress: new Set() };
  const byNamespace = new Map<string, Record<Direction, Set<NetworkPolicy>>>();
  const matches = (selector: LabelSelector, labels: Labels | undefined): boolean => labels !== undefined && matchesSelector(selector, labels);
  for (const namespace of namespaces) {
    const readers: Record<Direction, Set<NetworkPolicy>> = { Ingress: new Set(), Egress: new Set() };
    for (const policy of policies) {
      for (const direction of DIRECTIONS) {
        const flips = rulesFor(policy, direction).some((rule) =>
          (rule.peers ?? []).some((peer) => peer.kind === 'pods' && peer.namespaceSelector !== null && matches(peer.namespaceSelector, namespace.before) !== matches(peer.namespaceSelector, namespace.after)),
        );
        if (!flips) continue;
        readers[direction].add(policy);
        all[direction].add(policy);
      }
    }
    byNamespace.set(namespace.name, readers);
  }
  return { byNamespace, all };
}

// --- classes across both states ---------------------------------------------------------------------

/** DiffClass is a class of pod pairs that both states treat alike (same class before, same class after). */
interface DiffClass {
  readonly namespace: string;
  readonly members: PodPair[];
  readonly changed: boolean;
}

function uniquePods(pods: readonly Pod[]): Pod[] {
  return [...new Set(pods)];
}

function diffClasses(pairs: readonly PodPair[], policies: readonly NetworkPolicy[]): DiffClass[] {
  const blocks = ipBlocksOf(policies);
  const classes = new Map<string, { namespace: string; members: PodPair[]; changed: boolean }>();
  for (const pair of pairs) {
    const beforeKey = podClassKey(pair.before, blocks);
    const afterKey = podClassKey(pair.after, blocks);
    const key = `${beforeKey}\n${afterKey}`;
    const found = classes.get(key);
    if (found === undefined) classes.set(key, { namespace: pair.after.namespace, members: [pair], changed: beforeKey !== afterKey });
    else found.members.push(pair);
  }
  return [...classes.values()];
}

// --- the diff -----------------------------------------------------------------------------------------

interface RawChange {
  readonly source: number;
  readonly target: number;
  readonly before: PortSet;
  readonly after: PortSet;
  readonly policies: readonly ChangedPolicy[];
  readonly namespaces: readonly ChangedNamespace[];
  readonly podChanged: boolean;
}

/** diffReachability compares every connection between the pods of two states. */
export function diffReachability(before: ClusterState, after: ClusterState): ReachabilityDiff {
  const policies = changedPolicies(before, after);
  const namespaces = changedNamespaces(before, after);
  const matched = matchPods(before.pods(), after.pods());
  const classes = diffClasses(matched.pairs, [...before.policies(), ...after.policies()]);
  const beforeClasses: PodClass[] = classes.map((c) => ({ namespace: c.namespace, pods: uniquePods(c.members.map((pair) => pair.before)) }));
  const afterClasses: PodClass[] = classes.map((c) => ({ namespace: c.namespace, pods: uniquePods(c.members.map((pair) => pair.after)) }));
  const old = new ReachabilityMap(before, beforeClasses);
  const now = new ReachabilityMap(after, afterClasses);
  const delta: StateDelta = {
    policies,
    namespaces,
    addedPods: matched.added,
    removedPods: matched.removed,
    changedPods: classes.filter((c) => c.changed).flatMap((c) => c.members),
  };

  // Which sources (rows) and destinations (columns) can see a difference.
  const rows = new Uint8Array(classes.length);
  const columns = new Uint8Array(classes.length);
  const relabelled = new Map(namespaces.map((namespace) => [namespace.name, namespace]));
  const byNamespace = groupBy(
    classes.map((_, index) => index),
    (index) => classes[index]?.namespace,
  );
  const readers = labelReaders(namespaces, [...before.policies(), ...after.policies()]);
  const readsRelabel = (direction: Direction, index: number, namespace?: string): boolean => {
    const reading = namespace === undefined ? readers.all[direction] : readers.byNamespace.get(namespace)?.[direction];
    if (reading === undefined || reading.size === 0) return false;
    return old.isolatedBy(direction, index).some((policy) => reading.has(policy)) || now.isolatedBy(direction, index).some((policy) => reading.has(policy));
  };
  classes.forEach((c, index) => {
    if (c.changed || readsRelabel('Egress', index)) rows[index] = 1;
    if (c.changed || readsRelabel('Ingress', index)) columns[index] = 1;
  });
  const selectedBy = (policy: NetworkPolicy | undefined, direction: Direction, map: ReachabilityMap, index: number): boolean => {
    const endpoint = map.endpoint(index);
    return policy !== undefined && endpoint.kind === 'pod' && selectsPod(policy, direction, endpoint.pod);
  };
  for (const policy of policies) {
    for (const index of byNamespace.get(policy.namespace) ?? []) {
      if (selectedBy(policy.before, 'Egress', old, index) || selectedBy(policy.after, 'Egress', now, index)) rows[index] = 1;
      if (selectedBy(policy.before, 'Ingress', old, index) || selectedBy(policy.after, 'Ingress', now, index)) columns[index] = 1;
    }
  }

  const changedById = new Map(policies.map((policy) => [policy.id, policy]));
  const responsible = (direction: Direction, local: number): ChangedPolicy[] => {
    const ids = new Set([...old.isolatedBy(direction, local), ...now.isolatedBy(direction, local)].map(policyId));
    return [...ids].flatMap((id) => {
      const policy = changedById.get(id);
      return policy === undefined ? [] : [policy];
    });
  };
  const raw: RawChange[] = [];
  let pairsEvaluated = 0;
  const compare = (source: number, target: number): void => {
    const sourceClass = classes[source];
    const targetClass = classes[target];
    if (sourceClass === undefined || targetClass === undefined) return;
    // A pod's connections to itself never change: it may always reach itself.
    if (source === target && sourceClass.members.length === 1 && [beforeClasses[source], afterClasses[source]].some((c) => c !== undefined && standsForOnePod(c))) return;
    pairsEvaluated++;
    const was = old.ports(source, target);
    const is = now.ports(source, target);
    if (was.equals(is)) return;
    const opened = is.subtract(was);
    const closed = was.subtract(is);
    // A side decides the difference when its own change overlaps it.
    const decides = (oldSide: PortSet, newSide: PortSet): boolean =>
      !newSide.subtract(oldSide).intersect(opened).isEmpty() || !oldSide.subtract(newSide).intersect(closed).isEmpty();
    const egress = decides(old.egressPorts(source, target), now.egressPorts(source, target));
    const ingress = decides(old.ingressPorts(source, target), now.ingressPorts(source, target));
    const causes = new Set<ChangedPolicy>([...(egress ? responsible('Egress', source) : []), ...(ingress ? responsible('Ingress', target) : [])]);
    const namespaceCauses = new Set<ChangedNamespace>();
    const targetNamespace = relabelled.get(targetClass.namespace);
    const sourceNamespace = relabelled.get(sourceClass.namespace);
    if (egress && targetNamespace !== undefined && readsRelabel('Egress', source, targetNamespace.name)) namespaceCauses.add(targetNamespace);
    if (ingress && sourceNamespace !== undefined && readsRelabel('Ingress', target, sourceNamespace.name)) namespaceCauses.add(sourceNamespace);
    raw.push({
      source,
      target,
      before: was,
      after: is,
      policies: [...causes].sort((a, b) => (a.id < b.id ? -1 : 1)),
      namespaces: [...namespaceCauses],
      podChanged: sourceClass.changed || targetClass.changed,
    });
  };
  for (let source = 0; source < classes.length; source++) {
    if (rows[source] === 1) for (let target = 0; target < classes.length; target++) compare(source, target);
  }
  for (let target = 0; target < classes.length; target++) {
    if (columns[target] === 1) for (let source = 0; source < classes.length; source++) if (rows[source] !== 1) compare(source, target);
  }

  return { delta, namespacePairs: groupLines(raw, classes), classes: classes.length, pairsEvaluated };
}

// --- lines, grouped and merged ----------------------------------------------------------------------

/** signature is what two raw changes must share to be printed as one line. */
function signature(change: RawChange): string {
  return [change.before.format(), change.after.format(), change.policies.map((policy) => policy.id).join(','), change.namespaces.map((namespace) => namespace.name).join(','), change.podChanged].join('|');
}

interface Line {
  sources: number[];
  targets: number[];
  first: RawChange;
}

/** mergeLines merges, within a namespace pair, the changes alike: first the targets of each source, then the sources of each target set. */
function mergeLines(changes: readonly RawChange[]): Line[] {
  const bySource = new Map<string, Line>();
  for (const change of changes) {
    const key = `${change.source}|${signature(change)}`;
    const line = bySource.get(key);
    if (line === undefined) bySource.set(key, { sources: [change.source], targets: [change.target], first: change });
    else line.targets.push(change.target);
  }
  const byTargets = new Map<string, Line>();
  for (const line of bySource.values()) {
    const key = `${[...line.targets].sort((a, b) => a - b).join(',')}|${signature(line.first)}`;
    const merged = byTargets.get(key);
    if (merged === undefined) byTargets.set(key, { ...line, sources: [...line.sources] });
    else merged.sources.push(...line.sources);
  }
  return [...byTargets.values()];
}

function groupLines(raw: readonly RawChange[], classes: readonly DiffClass[]): NamespacePairChanges[] {
  const classesIn = new Map<string, number>();
  for (const c of classes) classesIn.set(c.namespace, (classesIn.get(c.namespace) ?? 0) + 1);
  const group = (indexes: readonly number[]): EndpointGroup => {
    const members = indexes.flatMap((index) => classes[index]?.members ?? []);
    const namespace = members[0]?.after.namespace ?? '';
    const names = [...new Set(members.map((pair) => podName(pair.after)))].sort();
    return { namespace, names, wholeNamespace: indexes.length === classesIn.get(namespace) };
  };
  const byPair = new Map<string, { from: string; to: string; changes: RawChange[] }>();
  for (const change of raw) {
    const from = classes[change.source]?.namespace ?? '';
    const to = classes[change.target]?.namespace ?? '';
    const key = `${from}\n${to}`;
    const entry = byPair.get(key);
    if (entry === undefined) byPair.set(key, { from, to, changes: [change] });
    else entry.changes.push(change);
  }
  return [...byPair.values()]
    .sort((a, b) => (a.from === b.from ? compareText(a.to, b.to) : compareText(a.from, b.from)))
    .map(({ from, to, changes }) => {
      const connections = mergeLines(changes).map((line): ConnectionChange => {
        const { before, after, policies, namespaces, podChanged } = line.first;
        return { from: group(line.sources), to: group(line.targets), before, after, opened: after.subtract(before), closed: before.subtract(after), policies, namespaces, podChanged };
      });
      connections.sort((a, b) => compareText(a.from.names[0] ?? '', b.from.names[0] ?? '') || compareText(a.to.names[0] ?? '', b.to.names[0] ?? ''));
      return { from, to, connections };
    });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
