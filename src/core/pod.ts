import type { IpAddress } from './ip.js';
import type { Labels } from './labels.js';
import type { Protocol } from './protocol.js';

/** ContainerPort is one port a pod's container declares; its name is what named ports resolve to. */
export interface ContainerPort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
}

/** Pod is what the NetworkPolicy reasoning needs of a pod: identity, labels, addresses and ports. */
export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  /** ips are `status.podIPs` (or `status.podIP`); empty while the pod is not scheduled. */
  readonly ips: readonly IpAddress[];
  readonly containerPorts: readonly ContainerPort[];
}
