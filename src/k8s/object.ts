import type { EndpointSlice } from '../core/endpoint-slice.js';
import type { Namespace } from '../core/namespace.js';
import type { NetworkPolicy } from '../core/network-policy.js';
import type { Pod } from '../core/pod.js';
import type { Service } from '../core/service.js';
import { DecodeError, Fields } from './decode.js';
import { decodeEndpointSlice } from './endpoint-slice.js';
import { decodeNamespace } from './namespace.js';
import { decodeNetworkPolicy } from './network-policy.js';
import { decodePod } from './pod.js';
import { decodeService } from './service.js';

/** KubeObject is a decoded object of a kind netfence reads, or any other kind (skipped by callers). */
export type KubeObject =
  | { readonly kind: 'Namespace'; readonly namespace: Namespace }
  | { readonly kind: 'Pod'; readonly pod: Pod }
  | { readonly kind: 'Service'; readonly service: Service }
  | { readonly kind: 'NetworkPolicy'; readonly policy: NetworkPolicy }
  | { readonly kind: 'EndpointSlice'; readonly endpointSlice: EndpointSlice }
  | { readonly kind: 'Other'; readonly apiVersion: string; readonly otherKind: string };

const API_VERSIONS = { Namespace: 'v1', Pod: 'v1', Service: 'v1', NetworkPolicy: 'networking.k8s.io/v1', EndpointSlice: 'discovery.k8s.io/v1' } as const;

function isReadKind(kind: string): kind is keyof typeof API_VERSIONS {
  return Object.hasOwn(API_VERSIONS, kind);
}

/** decodeObject reads `apiVersion` and `kind` and decodes the object with the decoder of its kind. */
export function decodeObject(value: unknown): KubeObject {
  const fields = Fields.of(value, '');
  const apiVersion = fields.requiredString('apiVersion');
  const kind = fields.requiredString('kind');
  if (!isReadKind(kind)) {
    return { kind: 'Other', apiVersion, otherKind: kind };
  }
  if (apiVersion !== API_VERSIONS[kind]) {
    throw new DecodeError('apiVersion', `must be ${API_VERSIONS[kind]} for a ${kind} (got "${apiVersion}")`);
  }
  switch (kind) {
    case 'Namespace':
      return { kind, namespace: decodeNamespace(value) };
    case 'Pod':
      return { kind, pod: decodePod(value) };
    case 'Service':
      return { kind, service: decodeService(value) };
    case 'NetworkPolicy':
      return { kind, policy: decodeNetworkPolicy(value) };
    case 'EndpointSlice':
      return { kind, endpointSlice: decodeEndpointSlice(value) };
  }
}
