import { DecodeError } from '../k8s/decode.js';
import { errored } from './admission-response.js';
import type { AdmissionRequest } from './admission-request.js';
import type { AdmissionContext } from './context.js';
import type { Decision } from './decisions.js';
import { mutate } from './mutate.js';
import { validate } from './validate.js';

/** Handler is one webhook: a function from a parsed request to its decision. */
export type Handler = (request: AdmissionRequest, context: AdmissionContext) => Decision;

/** WebhookName is a webhook's path without its slash: `/validate`, `/mutate`. */
export type WebhookName = 'validate' | 'mutate';

/** WEBHOOKS maps each webhook's name to its handler. */
export const WEBHOOKS: Readonly<Record<WebhookName, Handler>> = { validate, mutate };

/**
 * HandlerFailure is why a handler threw: `bad-object`, the object inside a well-formed review is
 * not one netfence can read (its DecodeError's message); `internal`, a bug.
 */
export type HandlerFailure = { readonly kind: 'bad-object'; readonly message: string } | { readonly kind: 'internal'; readonly error: unknown };

/** Handled is a handler's decision, and why it failed when it did. */
export interface Handled {
  readonly decision: Decision;
  readonly failure: HandlerFailure | undefined;
}

/**
 * handlerFailed is the answer to a handler that threw: it still carries the uid (completeReview
 * sets it), `errored` 400 for an object netfence cannot read, 500 for a bug, allowed or denied as
 * the configuration's `onError` says; the messages are those POST /validate and /mutate send.
 */
export function handlerFailed(error: unknown, context: AdmissionContext): Handled & { readonly failure: HandlerFailure } {
  const allow = context.config.onError === 'allow';
  const failed = (code: number, message: string): Decision => ({ response: errored(code, message, allow), decision: 'error', mode: undefined, findings: [] });
  if (error instanceof DecodeError) return { decision: failed(400, `netfence could not read the object: ${error.message}`), failure: { kind: 'bad-object', message: error.message } };
  return { decision: failed(500, 'netfence failed on this request; see its log'), failure: { kind: 'internal', error } };
}

/** runHandler runs a webhook on a parsed request, answering a failure as handlerFailed does. */
export function runHandler(handler: Handler, request: AdmissionRequest, context: AdmissionContext): Handled {
  try {
    return { decision: handler(request, context), failure: undefined };
  } catch (error) {
    return handlerFailed(error, context);
  }
}
