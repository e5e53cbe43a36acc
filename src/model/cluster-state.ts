import type { EndpointSlice } from './endpoint-slice.js';
import type { Labels } from './labels.js';
import type { Namespace } from './namespace.js';
import type { NetworkPolicy } from './network-policy.js';
import type { Pod } from './pod.js';
import type { Service } from './service.js';

/**
 * PolicyLookup is the narrow view of a cluster that connection verdicts need: the policies of a
 * namespace and the labels of a namespace (for namespaceSelector peers).
 */
export interface PolicyLookup {
  policiesIn(namespace: string): readonly NetworkPolicy[];
  namespaceLabels(namespace: string): Labels | undefined;
}

/**
 * ClusterState is everything netfence knows about a cluster. Two sources implement it: YAML files
 * (standalone, `check`, `simulate`) and, in cluster mode, a live informer cache. Lists are returned
 * in a stable order (namespace, then name).
 */
export interface ClusterState extends PolicyLookup {
  namespaces(): readonly Namespace[];
  namespace(name: string): Namespace | undefined;
  pods(): readonly Pod[];
  podsIn(namespace: string): readonly Pod[];
  pod(namespace: string, name: string): Pod | undefined;
  policies(): readonly NetworkPolicy[];
  services(): readonly Service[];
  /** endpointSlices locate Services' real endpoints (the API server's, in `default/kubernetes`). */
  endpointSlices(): readonly EndpointSlice[];
}

/**
 * withPolicies is `state` with `policies` in place: each replaces the policy of its namespace and
 * name, or is added. Every list stays in name order. What netfence would write, seen before it is.
 */
export function withPolicies(state: ClusterState, policies: readonly NetworkPolicy[]): ClusterState {
  const byNamespace = new Map<string, NetworkPolicy[]>();
  for (const policy of policies) byNamespace.set(policy.namespace, [...(byNamespace.get(policy.namespace) ?? []), policy]);
  const lists = new Map<string, readonly NetworkPolicy[]>();
  const policiesIn = (namespace: string): readonly NetworkPolicy[] => {
    const added = byNamespace.get(namespace);
    if (added === undefined) return state.policiesIn(namespace);
    let list = lists.get(namespace);
    if (list === undefined) {
      const names = new Set(added.map((policy) => policy.name));
      list = [...state.policiesIn(namespace).filter((policy) => !names.has(policy.name)), ...added].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      lists.set(namespace, list);
    }
    return list;
  };
  return withPolicyLists(state, policiesIn);
}

/** withPolicyLists is `state` whose namespaces hold the policies `policiesIn` gives; everything else reads as in `state`. */
export function withPolicyLists(state: ClusterState, policiesIn: (namespace: string) => readonly NetworkPolicy[]): ClusterState {
  return {
    namespaces: () => state.namespaces(),
    namespace: (name) => state.namespace(name),
    pods: () => state.pods(),
    podsIn: (namespace) => state.podsIn(namespace),
    pod: (namespace, name) => state.pod(namespace, name),
    policies: () => state.namespaces().flatMap((namespace) => policiesIn(namespace.name)),
    services: () => state.services(),
    endpointSlices: () => state.endpointSlices(),
    namespaceLabels: (namespace) => state.namespaceLabels(namespace),
    policiesIn,
  };
}
