import { CLIENT_INTENTS_GROUP } from '../model/client-intents.js';
import type { ClientIntents } from '../model/client-intents.js';
import type { EndpointSlice } from '../model/endpoint-slice.js';
import type { Namespace } from '../model/namespace.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Service } from '../model/service.js';
import type { Workload } from '../model/workload.js';
import { WORKLOAD_API_VERSIONS, WORKLOAD_KINDS } from '../model/workload-kind.js';
import type { WorkloadKind } from '../model/workload-kind.js';
import { decodeClientIntents } from './client-intents.js';
import { DecodeError, Fields } from './decode.js';
import { decodeEndpointSlice } from './endpoint-slice.js';
import { decodeNamespace } from './namespace.js';
import { decodeNetworkPolicy } from './network-policy.js';
import { decodePod } from './pod.js';
import { decodeService } from './service.js';
import { decodeWorkload } from './workload.js';

/** KubeObject is a decoded object of a kind netfence reads, or any other kind (skipped by callers). */
export type KubeObject =
  | { readonly kind: 'Namespace'; readonly namespace: Namespace }
  | { readonly kind: 'Pod'; readonly pod: Pod }
  | { readonly kind: 'Workload'; readonly workload: Workload }
  | { readonly kind: 'Service'; readonly service: Service }
  | { readonly kind: 'NetworkPolicy'; readonly policy: NetworkPolicy }
  | { readonly kind: 'EndpointSlice'; readonly endpointSlice: EndpointSlice }
  | { readonly kind: 'ClientIntents'; readonly intents: ClientIntents }
  | { readonly kind: 'Other'; readonly apiVersion: string; readonly otherKind: string };

type ReadKind = 'Namespace' | 'Pod' | 'Service' | 'NetworkPolicy' | 'EndpointSlice' | WorkloadKind;

const API_VERSIONS: Readonly<Record<ReadKind, string>> = {
  Namespace: 'v1',
  Pod: 'v1',
  Service: 'v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  EndpointSlice: 'discovery.k8s.io/v1',
  ...WORKLOAD_API_VERSIONS,
};

function isReadKind(kind: string): kind is ReadKind {
  return Object.hasOwn(API_VERSIONS, kind);
}

/** READ_KINDS names the kinds netfence reads, for the notice about the ones it skips. */
export const READ_KINDS: readonly string[] = ['Namespace', 'Pod', ...WORKLOAD_KINDS, 'Service', 'EndpointSlice', 'NetworkPolicy', 'ClientIntents'];

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * decodeObject reads `apiVersion` and `kind` and decodes the object with the decoder of its kind. A
 * kind of another API group (a CRD's `crd.projectcalico.org/v1` NetworkPolicy, `apps.kruise.io`
 * StatefulSet) is another kind; a version the kind's group does not serve (`apps/v1beta2`,
 * `batch/v1beta1`), or the core group for a kind it does not hold, is an error. A ClientIntents is
 * read in group k8s.otterize.com (see decodeClientIntents for the versions), another group's is
 * another kind.
 */
export function decodeObject(value: unknown): KubeObject {
  const fields = Fields.of(value, '');
  const apiVersion = fields.requiredString('apiVersion');
  const kind = fields.requiredString('kind');
  if (kind === 'ClientIntents') {
    const group = groupOf(apiVersion);
    if (group !== '' && group !== CLIENT_INTENTS_GROUP) return { kind: 'Other', apiVersion, otherKind: kind };
    return { kind, intents: decodeClientIntents(value) };
  }
  if (!isReadKind(kind)) return { kind: 'Other', apiVersion, otherKind: kind };
  const expected = API_VERSIONS[kind];
  if (apiVersion !== expected) {
    const group = groupOf(apiVersion);
    if (group !== '' && group !== groupOf(expected)) return { kind: 'Other', apiVersion, otherKind: kind };
    throw new DecodeError('apiVersion', `must be ${expected} for a ${kind} (got "${apiVersion}")`);
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
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
    case 'CronJob':
    case 'ReplicationController':
      return { kind: 'Workload', workload: decodeWorkload(value, kind) };
  }
}
