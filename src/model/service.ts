import type { Labels } from './labels.js';
import type { Protocol } from './protocol.js';

/** ServicePort is one port of a Service; `targetPort` is a number or the name of a container port. */
export interface ServicePort {
  readonly name: string | undefined;
  readonly port: number;
  readonly protocol: Protocol;
  readonly targetPort: number | string;
}

/** ServiceType is a Service's `spec.type`. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/** SERVICE_TYPES lists the Service types the API accepts. */
export const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

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
  /** type is `spec.type` when it is not the default ClusterIP: NodePort and LoadBalancer expose pods outside the cluster. */
  readonly type?: Exclude<ServiceType, 'ClusterIP'>;
}

/** isPublicService says whether a Service exposes its pods outside the cluster (NodePort or LoadBalancer). */
export function isPublicService(service: Service): boolean {
  return service.type === 'NodePort' || service.type === 'LoadBalancer';
}
