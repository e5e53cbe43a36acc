import type { Operation } from '../guardrails/rules/change.js';
import { DecodeError, Fields, decodeString } from '../k8s/decode.js';
import { CLIENT_INTENTS_GROUP } from '../model/client-intents.js';

/** GroupVersionResource is `request.resource` (or `kind`, with `kind` in place of `resource`). */
export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

/** ReviewedResource is a resource netfence's webhooks review. */
export type ReviewedResource = 'networkpolicies' | 'namespaces' | 'pods' | 'clientintents';

/** reviewedResource says which resource netfence reviews `resource` is (group included), if any. */
export function reviewedResource(resource: GroupVersionResource): ReviewedResource | undefined {
  if (resource.group === 'networking.k8s.io' && resource.resource === 'networkpolicies') return 'networkpolicies';
  if (resource.group === '' && (resource.resource === 'namespaces' || resource.resource === 'pods')) return resource.resource;
  if (resource.group === CLIENT_INTENTS_GROUP && resource.resource === 'clientintents') return 'clientintents';
  return undefined;
}

/** AdmissionRequest is the `request` of an `admission.k8s.io/v1` AdmissionReview, parsed. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: string;
  readonly resource: GroupVersionResource;
  readonly subResource: string | undefined;
  /** name is absent on CREATE with generateName and on deletions by the namespace controller. */
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly operation: Operation;
  readonly user: { readonly username: string; readonly groups: readonly string[] };
  /** object and oldObject stay raw until the handler knows which decoder applies. */
  readonly object: unknown;
  readonly oldObject: unknown;
  readonly dryRun: boolean;
}

const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];
export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

/**
 * parseAdmissionReview reads an AdmissionReview body as the API server sends it. Only the fields
 * netfence uses are checked; everything else (requestKind, options, ...) is ignored. A wrong
 * apiVersion or kind, or a missing uid, is a DecodeError naming the field.
 */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  const review = Fields.of(body, '');
  const apiVersion = review.requiredString('apiVersion');
  if (apiVersion !== ADMISSION_API_VERSION) {
    throw new DecodeError('apiVersion', `must be ${ADMISSION_API_VERSION} (got "${apiVersion}"); set admissionReviewVersions: ["v1"] in the webhook configuration`);
  }
  const kind = review.requiredString('kind');
  if (kind !== 'AdmissionReview') throw new DecodeError('kind', `must be AdmissionReview (got "${kind}")`);
  const request = review.requiredObject('request');
  const resource = request.requiredObject('resource');
  const kindFields = request.requiredObject('kind');
  const userInfo = request.object('userInfo');
  return {
    uid: request.requiredString('uid'),
    kind: kindFields.requiredString('kind'),
    resource: { group: resource.string('group') ?? '', version: resource.requiredString('version'), resource: resource.requiredString('resource') },
    subResource: emptyToUndefined(request.string('subResource')),
    name: emptyToUndefined(request.string('name')),
    namespace: emptyToUndefined(request.string('namespace')),
    operation: request.requiredOneOf('operation', OPERATIONS),
    user: {
      username: userInfo?.string('username') ?? '',
      groups: userInfo?.array('groups', decodeString) ?? [],
    },
    object: request.raw('object'),
    oldObject: request.raw('oldObject'),
    dryRun: request.boolean('dryRun') ?? false,
  };
}

function emptyToUndefined(text: string | undefined): string | undefined {
  return text === '' ? undefined : text;
}
