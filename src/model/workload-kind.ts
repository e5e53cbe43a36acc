/**
 * The workload kinds netfence reads, apart from the Workload itself so that a Pod (which names its
 * controlling workload's kind) and a Workload (whose template makes pods) need not import each other.
 */

/** WorkloadKind is a kind whose pod template netfence reads. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job' | 'CronJob' | 'ReplicationController';

/** WORKLOAD_API_VERSIONS is the API version each workload kind is read in: the only one today's API servers serve. */
export const WORKLOAD_API_VERSIONS: Readonly<Record<WorkloadKind, string>> = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
  ReplicationController: 'v1',
};

/** WORKLOAD_KINDS lists the workload kinds, in the order messages name them. */
export const WORKLOAD_KINDS = Object.keys(WORKLOAD_API_VERSIONS) as readonly WorkloadKind[];

/** isWorkloadKind says whether a kind is one of the workload kinds. */
export function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(WORKLOAD_API_VERSIONS, kind);
}
