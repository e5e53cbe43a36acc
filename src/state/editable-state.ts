import type { ClusterState } from '../model/cluster-state.js';
import type { EndpointSlice } from '../model/endpoint-slice.js';
import type { Labels } from '../model/labels.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Service } from '../model/service.js';
import { templatePod } from '../model/workload.js';
import type { Workload } from '../model/workload.js';
import { MemoryState } from './memory-state.js';

/**
 * EditableState is a file state that changes can be applied to: `check` applies a repository's
 * manifests one by one, and standalone `serve` applies the changes it admitted, so that a later
 * request sees the policies an earlier one created. (In a cluster the live cache does this.)
 */
export class EditableState implements ClusterState {
  private namespaceList: Namespace[];
  private podList: readonly Pod[];
  private serviceList: readonly Service[];
  private readonly endpointSliceList: readonly EndpointSlice[];
  private policyList: NetworkPolicy[];
  private current: MemoryState;

  constructor(initial: ClusterState) {
    this.namespaceList = [...initial.namespaces()];
    this.podList = initial.pods();
    this.serviceList = initial.services();
    this.endpointSliceList = initial.endpointSlices();
    this.policyList = [...initial.policies()];
    this.current = initial instanceof MemoryState ? initial : this.rebuild();
  }

  /** putPolicy adds or replaces a policy (by namespace and name). */
  putPolicy(policy: NetworkPolicy): void {
    this.policyList = [...this.policyList.filter((p) => p.namespace !== policy.namespace || p.name !== policy.name), policy];
    this.current = this.rebuild();
  }

  /** deletePolicy removes a policy, if present. */
  deletePolicy(namespace: string, name: string): void {
    this.policyList = this.policyList.filter((p) => p.namespace !== namespace || p.name !== name);
    this.current = this.rebuild();
  }

  /** putNamespace adds or replaces a namespace. */
  putNamespace(namespace: Namespace): void {
    this.namespaceList = [...this.namespaceList.filter((n) => n.name !== namespace.name), namespace];
    this.current = this.rebuild();
  }

  /** putPod adds or replaces a pod (by namespace and name). */
  putPod(pod: Pod): void {
    this.podList = [...this.podList.filter((p) => p.namespace !== pod.namespace || p.name !== pod.name), pod];
    this.current = this.rebuild();
  }

  /**
   * putWorkload makes a workload's pod template stand for its pods, in place of whatever stood for
   * them (its real pods, or an earlier template): the pods a rollout of this manifest would make.
   */
  putWorkload(workload: Workload): void {
    const standsFor = (pod: Pod): boolean => pod.namespace === workload.namespace && pod.workload?.kind === workload.kind && pod.workload.name === workload.name;
    this.podList = [...this.podList.filter((pod) => !standsFor(pod)), templatePod(workload)];
    this.current = this.rebuild();
  }

  /** putService adds or replaces a Service (by namespace and name). */
  putService(service: Service): void {
    this.serviceList = [...this.serviceList.filter((s) => s.namespace !== service.namespace || s.name !== service.name), service];
    this.current = this.rebuild();
  }

  /** deleteNamespace removes a namespace and its policies. */
  deleteNamespace(name: string): void {
    this.namespaceList = this.namespaceList.filter((n) => n.name !== name);
    this.policyList = this.policyList.filter((p) => p.namespace !== name);
    this.current = this.rebuild();
  }

  private rebuild(): MemoryState {
    return new MemoryState({ namespaces: this.namespaceList, pods: this.podList, services: this.serviceList, policies: this.policyList, endpointSlices: this.endpointSliceList });
  }

  namespaces(): readonly Namespace[] {
    return this.current.namespaces();
  }
  namespace(name: string): Namespace | undefined {
    return this.current.namespace(name);
  }
  namespaceLabels(namespace: string): Labels | undefined {
    return this.current.namespaceLabels(namespace);
  }
  pods(): readonly Pod[] {
    return this.current.pods();
  }
  podsIn(namespace: string): readonly Pod[] {
    return this.current.podsIn(namespace);
  }
  pod(namespace: string, name: string): Pod | undefined {
    return this.current.pod(namespace, name);
  }
  policies(): readonly NetworkPolicy[] {
    return this.current.policies();
  }
  policiesIn(namespace: string): readonly NetworkPolicy[] {
    return this.current.policiesIn(namespace);
  }
  services(): readonly Service[] {
    return this.current.services();
  }
  endpointSlices(): readonly EndpointSlice[] {
    return this.current.endpointSlices();
  }
}
