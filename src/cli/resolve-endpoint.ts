import type { ClusterState } from '../core/cluster-state.js';
import type { Endpoint } from '../core/connection.js';
import { parseIp } from '../core/ip.js';
import { WORKLOAD_KINDS, templatePodName } from '../core/workload.js';
import type { WorkloadKind } from '../core/workload.js';
import { UsageError } from './usage-error.js';

/** KIND_NAMES are the spellings `--from`/`--to` take for a workload kind: kubectl's (any case, plural, short names). */
const KIND_NAMES: ReadonlyMap<string, WorkloadKind> = new Map(
  WORKLOAD_KINDS.flatMap((kind): Array<[string, WorkloadKind]> => [
    [kind.toLowerCase(), kind],
    [`${kind.toLowerCase()}s`, kind],
  ]).concat([
    ['deploy', 'Deployment'],
    ['sts', 'StatefulSet'],
    ['ds', 'DaemonSet'],
    ['rs', 'ReplicaSet'],
    ['cj', 'CronJob'],
    ['rc', 'ReplicationController'],
  ]),
);

const EXPECTED = `expected NAMESPACE/POD, NAMESPACE/KIND/NAME (a workload: ${WORKLOAD_KINDS.join(', ')}) or an IP address`;

/**
 * resolveEndpoint reads `--from`/`--to`: `NAMESPACE/POD` names a pod of the state,
 * `NAMESPACE/KIND/NAME` (`team-a/Deployment/web`, or kubectl's `deploy/web`) the pod template that
 * stands for a workload's pods, and an IPv4 or IPv6 address a host outside the cluster.
 */
export function resolveEndpoint(state: ClusterState, flag: string, text: string): Endpoint {
  const ip = parseIp(text);
  if (ip !== undefined) return { kind: 'ip', ip };
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => part === '')) throw new UsageError(`${flag} ${JSON.stringify(text)}: ${EXPECTED}`);
  const [namespace = '', ...rest] = parts;
  if (rest.length === 2) return workloadEndpoint(state, flag, text, namespace, rest[0] ?? '', rest[1] ?? '');
  const name = rest[0] ?? '';
  const pod = state.pod(namespace, name);
  if (pod !== undefined) return { kind: 'pod', pod };
  const known = state.podsIn(namespace).map((p) => p.name);
  const hint = known.length > 0 ? `pods in ${namespace}: ${known.slice(0, 10).join(', ')}` : `no pods in namespace ${namespace}`;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: no such pod in the state (${hint})`);
}

function workloadEndpoint(state: ClusterState, flag: string, text: string, namespace: string, kindText: string, name: string): Endpoint {
  const kind = KIND_NAMES.get(kindText.toLowerCase());
  if (kind === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)}: "${kindText}" is not a workload kind; ${EXPECTED}`);
  const pod = state.pod(namespace, templatePodName(kind, name));
  if (pod !== undefined) return { kind: 'pod', pod };
  const own = state.podsIn(namespace).filter((p) => p.workload !== undefined && !p.workload.template && p.workload.kind === kind && p.workload.name === name);
  if (own.length > 0) {
    const listed = own.slice(0, 10).map((p) => `${namespace}/${p.name}`);
    throw new UsageError(`${flag} ${JSON.stringify(text)}: the state holds the real pods of ${kind} ${namespace}/${name}, name one of them: ${listed.join(', ')}`);
  }
  const templates = state.podsIn(namespace).filter((p) => p.workload?.template === true);
  const hint = templates.length > 0 ? `workloads in ${namespace}: ${templates.slice(0, 10).map((p) => p.name).join(', ')}` : `no workload in namespace ${namespace} stands for its pods`;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: no such workload in the state (${hint})`);
}
