import type { IpAddress } from './ip.js';
import type { Labels } from './labels.js';
import type { Protocol } from './protocol.js';
import type { WorkloadKind } from './workload-kind.js';

/** ContainerPort is one port a pod's container declares; its name is what named ports resolve to. */
export interface ContainerPort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
}

/** OwnerReference is an object's controlling owner (the reference with `controller: true`). */
export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * PodWorkload says which workload of the state a pod belongs to: the outermost controller the state
 * holds (the Deployment, not its ReplicaSet; the CronJob, not its Job). `template` is true when the
 * pod is no real pod but the workload's pod template, standing for every pod the workload makes.
 */
export interface PodWorkload {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly template: boolean;
}

/** Pod is what the NetworkPolicy reasoning needs of a pod: identity, labels, addresses and ports. */
export interface Pod {
  readonly namespace: string;
  /** name is the pod's name, or `Kind/name` (`Deployment/web`) for a workload's pod template. */
  readonly name: string;
  readonly labels: Labels;
  /** ips are `status.podIPs` (or `status.podIP`); empty while the pod is not scheduled, and for a pod template. */
  readonly ips: readonly IpAddress[];
  /** containerPorts are the containers' ports, then those of sidecars (init containers with `restartPolicy: Always`). */
  readonly containerPorts: readonly ContainerPort[];
  /** controller is the owner reference with `controller: true` (the ReplicaSet, StatefulSet, Job, ... that made the pod). */
  readonly controller?: OwnerReference;
  /** workload is set when the state holds the pod's workload, or when the pod is a workload's pod template. */
  readonly workload?: PodWorkload;
  /**
   * hostNetwork is set when the pod (or the template) has `spec.hostNetwork: true`: it uses its
   * node's network namespace, and the API leaves what NetworkPolicies do to it to the network plugin.
   */
  readonly hostNetwork?: true;
}

/** isTemplatePod says whether a pod is a workload's pod template standing for its pods (it has no address). */
export function isTemplatePod(pod: Pod): boolean {
  return pod.workload?.template === true;
}

/**
 * isHostNetworkPod says whether a pod (or pod template) has `hostNetwork: true`. netfence answers
 * for it as for an ordinary pod, and its answers say that the network plugin decides (most treat
 * the pod's traffic as its node's, which policies do not select).
 */
export function isHostNetworkPod(pod: Pod): boolean {
  return pod.hostNetwork === true;
}
