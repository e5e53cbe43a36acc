/**
 * Every HTTP error netfence answers with, by stable code. docs/errors.md documents each one (a test
 * checks). Bodies are `{"error": {"code": CODE, "message": "..."}}`, never a stack trace.
 */
export const ERRORS = {
  NETFENCE_BAD_JSON: { status: 400, summary: 'the body is not valid JSON' },
  NETFENCE_BAD_REVIEW: { status: 400, summary: 'the body is JSON but not an admission.k8s.io/v1 AdmissionReview request' },
  NETFENCE_NOT_FOUND: { status: 404, summary: 'no such endpoint' },
  NETFENCE_BODY_TOO_LARGE: { status: 413, summary: 'the body is larger than the limit' },
  NETFENCE_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'the content-type is not application/json' },
  NETFENCE_INTERNAL: { status: 500, summary: 'netfence failed; the log has the details' },
} as const;

/** ErrorCode is one of netfence's HTTP error codes. */
export type ErrorCode = keyof typeof ERRORS;

/** ErrorBody is the JSON body of an error answer. */
export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

/** errorBody builds an error answer's body. */
export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}
