import type { ClusterState } from '../model/cluster-state.js';
import type { EndpointSlice } from '../model/endpoint-slice.js';
import type { Labels } from '../model/labels.js';
import { withNameLabel } from '../model/namespace.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Service } from '../model/service.js';

/** StateObjects are the objects a state is built from. */
export interface StateObjects {
  readonly namespaces: readonly Namespace[];
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly policies: readonly NetworkPolicy[];
  readonly endpointSlices?: readonly EndpointSlice[];
}

const byNamespaceThenName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace === b.namespace ? compare(a.name, b.name) : compare(a.namespace, b.namespace);

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function groupByNamespace<T extends { namespace: string }>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.namespace);
    if (group === undefined) groups.set(item.namespace, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * MemoryState is an immutable ClusterState held in memory, indexed by namespace. A namespace that
 * objects live in but that was not declared exists with just its name label, as a cluster would
 * not let those objects exist without it.
 */
export class MemoryState implements ClusterState {
  private readonly namespaceList: readonly Namespace[];
  private readonly namespaceByName: ReadonlyMap<string, Namespace>;
  private readonly podList: readonly Pod[];
  private readonly podsByNamespace: ReadonlyMap<string, Pod[]>;
  private policyList: readonly NetworkPolicy[] | undefined;
  private readonly policiesByNamespace: ReadonlyMap<string, readonly NetworkPolicy[]>;
  private readonly serviceList: readonly Service[];
  private readonly endpointSliceList: readonly EndpointSlice[];

  /**
   * With `policiesByNamespace` (each list sorted by name), those lists are used as they are and
   * `objects.policies` is ignored: the live cache hands in the lists of namespaces that did not
   * change, so caches keyed by a namespace's list stay valid across snapshots.
   */
  constructor(objects: StateObjects, policiesByNamespace?: ReadonlyMap<string, readonly NetworkPolicy[]>) {
    const namespaces = new Map(objects.namespaces.map((namespace) => [namespace.name, namespace]));
    const referenced = [...objects.pods, ...objects.services, ...objects.policies, ...(objects.endpointSlices ?? [])].map((object) => object.namespace);
    for (const namespace of [...referenced, ...(policiesByNamespace?.keys() ?? [])]) {
      if (!namespaces.has(namespace)) namespaces.set(namespace, { name: namespace, labels: withNameLabel(namespace, new Map()) });
    }
    this.namespaceList = [...namespaces.values()].sort((a, b) => compare(a.name, b.name));
    this.namespaceByName = namespaces;
    this.podList = [...objects.pods].sort(byNamespaceThenName);
    this.podsByNamespace = groupByNamespace(this.podList);
    if (policiesByNamespace === undefined) {
      this.policyList = [...objects.policies].sort(byNamespaceThenName);
      this.policiesByNamespace = groupByNamespace(this.policyList);
    } else {
      this.policiesByNamespace = policiesByNamespace;
    }
    this.serviceList = [...objects.services].sort(byNamespaceThenName);
    this.endpointSliceList = [...(objects.endpointSlices ?? [])].sort(byNamespaceThenName);
  }

  namespaces(): readonly Namespace[] {
    return this.namespaceList;
  }
  namespace(name: string): Namespace | undefined {
    return this.namespaceByName.get(name);
  }
  namespaceLabels(namespace: string): Labels | undefined {
    return this.namespaceByName.get(namespace)?.labels;
  }
  pods(): readonly Pod[] {
    return this.podList;
  }
  podsIn(namespace: string): readonly Pod[] {
    return this.podsByNamespace.get(namespace) ?? [];
  }
  pod(namespace: string, name: string): Pod | undefined {
    return this.podsIn(namespace).find((pod) => pod.name === name);
  }
  policies(): readonly NetworkPolicy[] {
    // Built on first use from the per-namespace lists, in namespace order.
    this.policyList ??= this.namespaceList.flatMap((namespace) => this.policiesByNamespace.get(namespace.name) ?? []);
    return this.policyList;
  }
  policiesIn(namespace: string): readonly NetworkPolicy[] {
    return this.policiesByNamespace.get(namespace) ?? [];
  }
  services(): readonly Service[] {
    return this.serviceList;
  }
  endpointSlices(): readonly EndpointSlice[] {
    return this.endpointSliceList;
  }
}
