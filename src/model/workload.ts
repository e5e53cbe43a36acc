import type { Labels } from './labels.js';
import type { ContainerPort, OwnerReference, Pod } from './pod.js';
import { WORKLOAD_API_VERSIONS, isWorkloadKind } from './workload-kind.js';
import type { WorkloadKind } from './workload-kind.js';

/**
 * Workloads: the objects that make pods. A repository holds Deployments, not Pods, so each
 * workload's pod template stands for the pods it makes (its namespace, its template's labels and
 * ports; no address). A dump of a live cluster holds both the pods and the workloads that made them;
 * there the real pods are kept and the template is dropped, so nothing counts twice.
 */

/** Workload is what netfence reads of a workload: identity, its controller, and the pods its template makes. */
export interface Workload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  /** uid is `metadata.uid`: present in what `kubectl get` prints, absent from a repository's manifests. */
  readonly uid: string | undefined;
  /** controller is the owner reference with `controller: true` (a ReplicaSet's Deployment, a Job's CronJob). */
  readonly controller: OwnerReference | undefined;
  /**
   * retired: the workload makes no more pods. A ReplicaSet or ReplicationController that a controller
   * scaled to zero (an old revision of a Deployment), or a Job that has finished (Complete or Failed).
   */
  readonly retired: boolean;
  /** labels are the pod template's labels (`spec.template.metadata.labels`), with those the API server adds (a Job's job-name). */
  readonly labels: Labels;
  /** containerPorts are the pod template's container ports, sidecars' after the containers'. */
  readonly containerPorts: readonly ContainerPort[];
  /** hostNetwork is set when the pod template has `spec.hostNetwork: true` (the pods use their node's network). */
  readonly hostNetwork?: true;
}

/** templatePodName is the name a workload's pod template goes by: `Deployment/web` (so `team-a/Deployment/web` in full). */
export function templatePodName(kind: WorkloadKind, name: string): string {
  return `${kind}/${name}`;
}

/** templatePod is the pod that stands for a workload's pods: its namespace, labels, ports and hostNetwork, and no address. */
export function templatePod(workload: Workload): Pod {
  return {
    namespace: workload.namespace,
    name: templatePodName(workload.kind, workload.name),
    labels: workload.labels,
    ips: [],
    containerPorts: workload.containerPorts,
    workload: { kind: workload.kind, name: workload.name, template: true },
    ...(workload.hostNetwork === true ? { hostNetwork: true } : {}),
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** refersTo says whether an owner reference names a workload: same kind, API group and name (and uid, when both have one). */
export function refersTo(reference: OwnerReference, workload: Workload): boolean {
  return (
    reference.kind === workload.kind &&
    reference.name === workload.name &&
    groupOf(reference.apiVersion) === groupOf(WORKLOAD_API_VERSIONS[workload.kind]) &&
    (workload.uid === undefined || reference.uid === workload.uid)
  );
}

/** POD_TEMPLATE_HASH_LABEL is the label the Deployment controller puts on a ReplicaSet's pods; the ReplicaSet is named `<deployment>-<hash>`. */
const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** SCHEDULED_JOB_NAME is how the CronJob controller names the Jobs it schedules: `<cronjob>-<minutes since the epoch>`. */
const SCHEDULED_JOB_NAME = /^(.+)-\d+$/;

/**
 * WorkloadIndex finds a state's workloads by the owner references that name them, and follows a
 * chain of controllers up to the outermost one the state holds.
 */
export class WorkloadIndex {
  private readonly byKey = new Map<string, Workload>();

  constructor(workloads: readonly Workload[]) {
    for (const workload of workloads) this.byKey.set(key(workload.namespace, workload.kind, workload.name), workload);
  }

  /** owned is the workload of `namespace` an owner reference names, if the state holds it. */
  owned(namespace: string, reference: OwnerReference): Workload | undefined {
    if (!isWorkloadKind(reference.kind)) return undefined;
    const workload = this.byKey.get(key(namespace, reference.kind, reference.name));
    return workload !== undefined && refersTo(reference, workload) ? workload : undefined;
  }

  /** ownerOf is the workload that controls `workload`, if the state holds it. */
  ownerOf(workload: Workload): Workload | undefined {
    return workload.controller === undefined ? undefined : this.owned(workload.namespace, workload.controller);
  }

  /**
   * controllerOf is the workload that made a real pod, if the state holds it: the one its controller
   * reference names or, when that ReplicaSet or Job is not in the state, the Deployment or CronJob
   * whose name its name was made from (a ReplicaSet `web-6f7d9c8b5` of pods labelled
   * `pod-template-hash: 6f7d9c8b5` is Deployment web's; a Job `backup-28472910` is CronJob backup's).
   */
  controllerOf(pod: Pod): Workload | undefined {
    const reference = pod.controller;
    if (reference === undefined) return undefined;
    const direct = this.owned(pod.namespace, reference);
    if (direct !== undefined) return direct;
    if (reference.kind === 'ReplicaSet' && groupOf(reference.apiVersion) === 'apps') {
      const hash = pod.labels.get(POD_TEMPLATE_HASH_LABEL);
      const suffix = `-${hash ?? ''}`;
      if (hash !== undefined && hash !== '' && reference.name.endsWith(suffix)) {
        return this.byKey.get(key(pod.namespace, 'Deployment', reference.name.slice(0, -suffix.length)));
      }
    }
    if (reference.kind === 'Job' && groupOf(reference.apiVersion) === 'batch') {
      const scheduled = SCHEDULED_JOB_NAME.exec(reference.name);
      if (scheduled?.[1] !== undefined) return this.byKey.get(key(pod.namespace, 'CronJob', scheduled[1]));
    }
    return undefined;
  }

  /** outermost follows a workload's controllers up to the last one the state holds (itself when none). */
  outermost(workload: Workload): Workload {
    const seen = new Set<Workload>([workload]);
    let current = workload;
    for (let owner = this.ownerOf(current); owner !== undefined && !seen.has(owner); owner = this.ownerOf(current)) {
      seen.add(owner);
      current = owner;
    }
    return current;
  }
}

function key(namespace: string, kind: string, name: string): string {
  return `${namespace}\u0000${kind}\u0000${name}`;
}

/**
 * podsOf is the pods a state stands for: every real pod (told which workload of the state it
 * belongs to, if any), and one pod template for each workload whose pods are not there. A workload
 * that another workload of the state controls stands for the same pods as that one (a Deployment's
 * ReplicaSets, a CronJob's Jobs: one template, the outermost's); a workload with real pods under it
 * is represented by them; a retired workload stands for nothing.
 */
export function podsOf(pods: readonly Pod[], workloads: readonly Workload[]): Pod[] {
  if (workloads.length === 0) return [...pods];
  const index = new WorkloadIndex(workloads);
  const withRealPods = new Set<Workload>();
  const result: Pod[] = pods.map((pod) => {
    const controller = index.controllerOf(pod);
    if (controller === undefined) return pod;
    const outermost = index.outermost(controller);
    withRealPods.add(outermost);
    return { ...pod, workload: { kind: outermost.kind, name: outermost.name, template: false } };
  });
  for (const workload of workloads) {
    if (workload.retired || withRealPods.has(workload) || index.ownerOf(workload) !== undefined) continue;
    result.push(templatePod(workload));
  }
  return result;
}
