/**
 * Admission responses are made only by the constructors here (allowed, denied, patched, errored,
 * withWarnings, withAuditAnnotations); `completeReview` is the one place that sets the uid, the
 * status code, the patch type and the AdmissionReview envelope.
 */

/** Response is an admission answer before it is wrapped for the API server. */
export interface Response {
  readonly allowed: boolean;
  readonly code: number;
  readonly reason: string | undefined;
  readonly message: string | undefined;
  readonly warnings: readonly string[];
  readonly auditAnnotations: Readonly<Record<string, string>>;
  /** patch is a JSONPatch (RFC 6902) document. */
  readonly patch: readonly JsonPatchOperation[] | undefined;
}

/** JsonPatchOperation is one operation of a JSONPatch. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

const base: Response = { allowed: true, code: 200, reason: undefined, message: undefined, warnings: [], auditAnnotations: {}, patch: undefined };

/** allowed lets the request through. */
export function allowed(message?: string): Response {
  return { ...base, message };
}

/** denied refuses the request (403 Forbidden) with a message kubectl prints to the user. */
export function denied(message: string): Response {
  return { ...base, allowed: false, code: 403, reason: 'Forbidden', message };
}

/** patched lets the request through with a JSONPatch applied to the object. */
export function patched(patch: readonly JsonPatchOperation[], message?: string): Response {
  return { ...base, message, patch: patch.length > 0 ? patch : undefined };
}

/** errored answers a request netfence could not handle: denied or allowed as `onError` says. */
export function errored(code: number, message: string, allow: boolean): Response {
  return { ...base, allowed: allow, code, reason: allow ? undefined : 'InternalError', message };
}

/** withWarnings adds warnings (kubectl prints each as `Warning: ...`). */
export function withWarnings(response: Response, warnings: readonly string[]): Response {
  return warnings.length === 0 ? response : { ...response, warnings: [...response.warnings, ...warnings] };
}

/** withAuditAnnotations adds annotations to the API server's audit event for the request. */
export function withAuditAnnotations(response: Response, annotations: Readonly<Record<string, string>>): Response {
  return { ...response, auditAnnotations: { ...response.auditAnnotations, ...annotations } };
}

/** AdmissionReviewResponse is the JSON body netfence answers with. */
export interface AdmissionReviewResponse {
  readonly apiVersion: 'admission.k8s.io/v1';
  readonly kind: 'AdmissionReview';
  readonly response: {
    readonly uid: string;
    readonly allowed: boolean;
    readonly status?: { readonly code: number; readonly message?: string; readonly reason?: string };
    readonly warnings?: readonly string[];
    readonly auditAnnotations?: Readonly<Record<string, string>>;
    readonly patch?: string;
    readonly patchType?: 'JSONPatch';
  };
}

/** completeReview wraps a response for the API server: uid echoed, status, base64 patch and its type. */
export function completeReview(uid: string, response: Response): AdmissionReviewResponse {
  const status =
    response.message === undefined && response.allowed
      ? undefined
      : {
          code: response.code,
          ...(response.message === undefined ? {} : { message: response.message }),
          ...(response.reason === undefined ? {} : { reason: response.reason }),
        };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: response.allowed,
      ...(status === undefined ? {} : { status }),
      ...(response.warnings.length === 0 ? {} : { warnings: response.warnings }),
      ...(Object.keys(response.auditAnnotations).length === 0 ? {} : { auditAnnotations: response.auditAnnotations }),
      ...(response.patch === undefined ? {} : { patch: Buffer.from(JSON.stringify(response.patch)).toString('base64'), patchType: 'JSONPatch' as const }),
    },
  };
}
