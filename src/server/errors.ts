/**
 * Every HTTP error netfence answers with, by stable code. docs/errors.md documents each one (a test
 * checks). Bodies are `{"error": {"code": CODE, "message": "..."}}`, never a stack trace.
 */
export const ERRORS = {
  NETFENCE_BAD_JSON: { status: 400, summary: 'the body is not valid JSON' },
  NETFENCE_BAD_REVIEW: { status: 400, summary: 'the body is JSON but not an admission.k8s.io/v1 AdmissionReview request' },
  NETFENCE_BAD_HTTP: { status: 400, summary: 'the request is not well-formed HTTP' },
  NETFENCE_NOT_FOUND: { status: 404, summary: 'no such endpoint' },
  NETFENCE_REQUEST_TIMEOUT: { status: 408, summary: 'the request did not arrive in full in time' },
  NETFENCE_BODY_TOO_LARGE: { status: 413, summary: 'the body is larger than the limit' },
  NETFENCE_UNSUPPORTED_MEDIA_TYPE: { status: 415, summary: 'the content-type is not application/json' },
  NETFENCE_HEADERS_TOO_LARGE: { status: 431, summary: 'the request headers are too large' },
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

const REASONS: Readonly<Record<number, string>> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * clientErrorResponse is the raw HTTP answer to a request Node refused before any route saw it:
 * a timeout (a slow client), headers too large, malformed HTTP. Same body shape as every error.
 */
export function clientErrorResponse(nodeCode: string | undefined): string {
  const code: ErrorCode = nodeCode === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'NETFENCE_REQUEST_TIMEOUT' : nodeCode === 'HPE_HEADER_OVERFLOW' ? 'NETFENCE_HEADERS_TOO_LARGE' : 'NETFENCE_BAD_HTTP';
  const { status, summary } = ERRORS[code];
  const body = JSON.stringify(errorBody(code, summary));
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
