import type { Endpoint } from './connection.js';
import { PortSet } from '../model/port-set.js';
import type { Protocol } from '../model/protocol.js';

/**
 * Port queries: what `simulate --port` asks about. One port (`80/TCP`), a range (`8080-8090/TCP`),
 * a named port resolved on each destination pod (`http`), or any port (`any`, `any/UDP`): then the
 * answer is the set of ports allowed, not a yes or no.
 */

/** PortQuery is the ports a question is about. */
export type PortQuery =
  | { readonly kind: 'port'; readonly port: number; readonly protocol: Protocol }
  | { readonly kind: 'range'; readonly from: number; readonly to: number; readonly protocol: Protocol }
  /** named: a container port of that name on the destination; of that protocol only when one is given. */
  | { readonly kind: 'named'; readonly name: string; readonly protocol: Protocol | undefined }
  /** any: every port (of one protocol when one is given); the answer is the ports allowed. */
  | { readonly kind: 'any'; readonly protocol: Protocol | undefined };

/** Outcome is a connection's answer to a query: every port asked allowed, some of them, or none. */
export type Outcome = 'allowed' | 'partly' | 'denied';

/**
 * askedPorts is what a query asks of one destination: its port or range, every port, or the
 * container port the name resolves to on the pod; undefined when the name resolves to nothing there
 * (a pod without such a port, or an address outside the cluster).
 */
export function askedPorts(query: PortQuery, destination: Endpoint): PortSet | undefined {
  switch (query.kind) {
    case 'port':
      return PortSet.range(query.protocol, query.port, query.port);
    case 'range':
      return PortSet.range(query.protocol, query.from, query.to);
    case 'any':
      return query.protocol === undefined ? PortSet.ALL : PortSet.protocol(query.protocol);
    case 'named': {
      if (destination.kind !== 'pod') return undefined;
      const found = destination.pod.containerPorts.find((port) => port.name === query.name && (query.protocol === undefined || port.protocol === query.protocol));
      return found === undefined ? undefined : PortSet.range(found.protocol, found.port, found.port);
    }
  }
}

/**
 * outcomeOf judges the ports allowed out of those asked: for `any` a connection is allowed when it
 * may use some port (the question is which); otherwise every port asked must be allowed.
 */
export function outcomeOf(query: PortQuery, asked: PortSet, allowed: PortSet): Outcome {
  const granted = allowed.intersect(asked);
  if (granted.isEmpty()) return 'denied';
  if (query.kind === 'any' || granted.equals(asked)) return 'allowed';
  return 'partly';
}

/** formatPortQuery prints a query as the output names it: `80/TCP`, `8080-8090/TCP`, `port http`, `any port`, `any UDP port`. */
export function formatPortQuery(query: PortQuery): string {
  switch (query.kind) {
    case 'port':
      return `${query.port}/${query.protocol}`;
    case 'range':
      return `${query.from}-${query.to}/${query.protocol}`;
    case 'named':
      return `port ${query.name}${query.protocol === undefined ? '' : `/${query.protocol}`}`;
    case 'any':
      return query.protocol === undefined ? 'any port' : `any ${query.protocol} port`;
  }
}
