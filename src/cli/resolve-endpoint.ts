import type { ClusterState } from '../core/cluster-state.js';
import type { Endpoint } from '../core/connection.js';
import { parseIp } from '../core/ip.js';
import { UsageError } from './usage-error.js';

/**
 * resolveEndpoint reads `--from`/`--to`: `NAMESPACE/POD` names a pod of the state, an IPv4 or IPv6
 * address names a host outside the cluster.
 */
export function resolveEndpoint(state: ClusterState, flag: string, text: string): Endpoint {
  const ip = parseIp(text);
  if (ip !== undefined) return { kind: 'ip', ip };
  const [namespace, name, ...rest] = text.split('/');
  if (namespace === undefined || name === undefined || namespace === '' || name === '' || rest.length > 0) {
    throw new UsageError(`${flag} ${JSON.stringify(text)}: expected NAMESPACE/POD or an IP address`);
  }
  const pod = state.pod(namespace, name);
  if (pod !== undefined) return { kind: 'pod', pod };
  const known = state.podsIn(namespace).map((p) => p.name);
  const hint = known.length > 0 ? `pods in ${namespace}: ${known.slice(0, 10).join(', ')}` : `no pods in namespace ${namespace}`;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: no such pod in the state (${hint})`);
}
