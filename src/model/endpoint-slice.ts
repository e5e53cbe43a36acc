import type { IpAddress } from './ip.js';
import type { Protocol } from './protocol.js';

/** EndpointSlicePort is one port of an EndpointSlice: the port the endpoints really listen on. */
export interface EndpointSlicePort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
}

/**
 * EndpointSlice is what netfence needs of one: the Service it belongs to, the addresses of its
 * ready endpoints and their ports. The API server's own (`default/kubernetes`) locates it.
 */
export interface EndpointSlice {
  readonly namespace: string;
  readonly name: string;
  /** serviceName is the `kubernetes.io/service-name` label. */
  readonly serviceName: string | undefined;
  readonly addresses: readonly IpAddress[];
  readonly ports: readonly EndpointSlicePort[];
}

/** SERVICE_NAME_LABEL ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
