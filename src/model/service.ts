import type { Labels } from './labels.js';
import type { Protocol } from './protocol.js';

/** ServicePort is one port of a Service; `targetPort` is a number or the name of a container port. */
export interface ServicePort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
  readonly targetPort: number | string;
}

/**
 * Service is what netfence needs of a Service: its selector (null for a Service without one, whose
 * endpoints are managed by hand) and its ports, to translate a Service port to the pods' ports.
 */
export interface Service {
  readonly namespace: string;
  readonly name: string;
  readonly selector: Labels | null;
  readonly clusterIPs: readonly string[];
  readonly ports: readonly ServicePort[];
}
