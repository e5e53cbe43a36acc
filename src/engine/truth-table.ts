import { Bitset } from '../model/bitset.js';
import type { PolicyLookup } from '../model/cluster-state.js';
import { peerMatches, portMatches } from './connection.js';
import type { Endpoint } from './connection.js';
import { samePod } from './reachability.js';
import type { Labels } from '../model/labels.js';
import type { Direction, NetworkPolicy, Peer, PolicyRule } from '../model/network-policy.js';
import { PodIndex } from './pod-index.js';
import type { Port } from '../model/protocol.js';
import { matchesSelector } from '../model/selector.js';

/**
 * Truth tables: every source against every target on one port, with the same meaning as
 * `evaluateConnection` but computed set-wise. A policy's egress rules do not depend on which pod
 * they apply to, so each policy's allowed targets are computed once, as a bitset; ingress rules
 * depend on the target only through named ports. Pods are found through a label index, so the work
 * grows with the pods that policies select rather than with policies × pods.
 */

/**
 * TruthTable answers `allowed(i, j)`: do the policies let `sources[i]` connect to `targets[j]` on the
 * port (as `evaluateConnection` answers). `self(i, j)` says the pair is one real pod on both ends:
 * a pod may always reach itself ("a pod cannot block access to itself"), whatever `allowed` says.
 */
export interface TruthTable {
  readonly port: Port;
  readonly sources: readonly Endpoint[];
  readonly targets: readonly Endpoint[];
  allowed(source: number, target: number): boolean;
  self(source: number, target: number): boolean;
}

/** computeTruthTable evaluates every source against every target on `port`. */
export function computeTruthTable(
  lookup: PolicyLookup,
  sources: readonly Endpoint[],
  targets: readonly Endpoint[],
  port: Port,
): TruthTable {
  const sourceIndex = new PodIndex(sources);
  const targetIndex = targets === sources ? sourceIndex : new PodIndex(targets);
  const namespaceLabels = (namespace: string): Labels | undefined => lookup.namespaceLabels(namespace);

  const egressOf = egressSets(lookup, sourceIndex, targetIndex, port, namespaceLabels);
  const ingressOf = ingressSets(lookup, targetIndex, sourceIndex, port, namespaceLabels);
  return {
    port,
    sources,
    targets,
    allowed: (source, target) => (egressOf[source]?.has(target) ?? false) && (ingressOf[target]?.has(source) ?? false),
    self: (source, target) => {
      const from = sources[source];
      const to = targets[target];
      return from !== undefined && to !== undefined && samePod(from, to);
    },
  };
}

/** selectingPolicies maps each pod of an index to the policies that isolate it in `direction`. */
function selectingPolicies(lookup: PolicyLookup, index: PodIndex, direction: Direction): Map<number, NetworkPolicy[]> {
  const selecting = new Map<number, NetworkPolicy[]>();
  for (const namespace of index.namespaces()) {
    for (const policy of lookup.policiesIn(namespace)) {
      if (!policy.policyTypes.has(direction)) continue;
      for (const pod of index.podsMatching(namespace, policy.podSelector)) {
        const list = selecting.get(pod);
        if (list === undefined) selecting.set(pod, [policy]);
        else list.push(policy);
      }
    }
  }
  return selecting;
}

/** peerSet is the set of endpoints of `index` that a rule's peers admit (ports aside). */
function peerSet(
  rule: PolicyRule,
  policy: NetworkPolicy,
  index: PodIndex,
  namespaceLabels: (namespace: string) => Labels | undefined,
): Bitset {
  const size = index.endpoints.length;
  if (rule.peers === null) return Bitset.full(size);
  const set = new Bitset(size);
  for (const peer of rule.peers) addPeer(set, peer, policy.namespace, index, namespaceLabels);
  return set;
}

function addPeer(
  set: Bitset,
  peer: Peer,
  policyNamespace: string,
  index: PodIndex,
  namespaceLabels: (namespace: string) => Labels | undefined,
): void {
  if (peer.kind === 'ipBlock') {
    for (const i of index.addressedEndpoints()) {
      const endpoint = index.endpoints[i];
      if (endpoint !== undefined && peerMatches(peer, policyNamespace, endpoint, namespaceLabels)) set.add(i);
    }
    return;
  }
  const { namespaceSelector } = peer;
  const namespaces =
    namespaceSelector === null
      ? [policyNamespace]
      : [...index.namespaces()].filter((namespace) => {
          const labels = namespaceLabels(namespace);
          return labels !== undefined && matchesSelector(namespaceSelector, labels);
        });
  for (const namespace of namespaces) {
    for (const i of index.podsMatching(namespace, peer.podSelector)) set.add(i);
  }
}

/** egressSets gives, for each source, the set of targets its egress allows. */
function egressSets(
  lookup: PolicyLookup,
  sourceIndex: PodIndex,
  targetIndex: PodIndex,
  port: Port,
  namespaceLabels: (namespace: string) => Labels | undefined,
): Bitset[] {
  const size = targetIndex.endpoints.length;
  const everyone = Bitset.full(size);
  const selecting = selectingPolicies(lookup, sourceIndex, 'Egress');
  const byPolicy = new Map<NetworkPolicy, Bitset>();
  const allowedByPolicy = (policy: NetworkPolicy): Bitset => {
    let allowed = byPolicy.get(policy);
    if (allowed !== undefined) return allowed;
    allowed = new Bitset(size);
    for (const rule of policy.egress) {
      const peers = peerSet(rule, policy, targetIndex, namespaceLabels);
      targetIndex.endpoints.forEach((target, j) => {
        if (peers.has(j) && portMatches(rule.ports, port, target)) allowed?.add(j);
      });
    }
    byPolicy.set(policy, allowed);
    return allowed;
  };
  return sourceIndex.endpoints.map((_, i) => {
    const policies = selecting.get(i);
    if (policies === undefined) return everyone;
    const allowed = new Bitset(size);
    for (const policy of policies) allowed.unionWith(allowedByPolicy(policy));
    return allowed;
  });
}

/** ingressSets gives, for each target, the set of sources its ingress allows. */
function ingressSets(
  lookup: PolicyLookup,
  targetIndex: PodIndex,
  sourceIndex: PodIndex,
  port: Port,
  namespaceLabels: (namespace: string) => Labels | undefined,
): Bitset[] {
  const size = sourceIndex.endpoints.length;
  const everyone = Bitset.full(size);
  const selecting = selectingPolicies(lookup, targetIndex, 'Ingress');
  const byRule = new Map<PolicyRule, Bitset>();
  return targetIndex.endpoints.map((target, j) => {
    const policies = selecting.get(j);
    if (policies === undefined) return everyone;
    const allowed = new Bitset(size);
    for (const policy of policies) {
      for (const rule of policy.ingress) {
        if (!portMatches(rule.ports, port, target)) continue;
        let peers = byRule.get(rule);
        if (peers === undefined) {
          peers = peerSet(rule, policy, sourceIndex, namespaceLabels);
          byRule.set(rule, peers);
        }
        allowed.unionWith(peers);
      }
    }
    return allowed;
  });
}
