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
