import { Server as TlsServer } from 'node:tls';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { secureContextOptions } from '../certs/tls-source.js';
import type { TlsSource } from '../certs/tls-source.js';
import { DecodeError } from '../k8s/decode.js';
import { completeReview } from '../admission/admission-response.js';
import { parseAdmissionReview, reviewedResource } from '../admission/admission-request.js';
import type { AdmissionRequest } from '../admission/admission-request.js';
import type { AdmissionContext } from '../admission/context.js';
import type { Decision } from '../admission/decisions.js';
import { WEBHOOKS, handlerFailed } from '../admission/run-handler.js';
import type { WebhookName } from '../admission/run-handler.js';
import { countAdoption } from '../guardrails/adoption.js';
import { ERRORS, clientErrorResponse, errorBody } from './errors.js';
import type { ErrorCode } from './errors.js';
import { drainBody } from './drain-body.js';
import { decisionWriter } from './logger.js';
import type { Metrics } from './metrics.js';

/** BODY_LIMIT is the largest AdmissionReview accepted: an object and its old version, each up to etcd's 3 MiB. */
export const BODY_LIMIT = 7 * 1024 * 1024;

/**
 * DRAIN_FACTOR: of a body over the limit, up to this many times the limit more is read to answer it
 * (28 MiB with BODY_LIMIT): enough for any client that merely overshoots, and bounded for one that
 * never stops.
 */
export const DRAIN_FACTOR = 4;

/** AppOptions are the app's dependencies, passed in so tests can build it with their own. */
export interface AppOptions {
  readonly context: AdmissionContext;
  readonly logger: FastifyBaseLogger;
  readonly metrics: Metrics;
  /**
   * tls: the certificate to serve, swapped for new handshakes when the source changes (open
   * connections keep theirs); with a client CA, clients must present a certificate it signed.
   * Absent in tests that drive the app with inject().
   */
  readonly tls?: TlsSource;
  /** ready says whether netfence can answer (certificates loaded, caches synced). */
  readonly ready: () => boolean;
  readonly now?: () => bigint;
  readonly bodyLimit?: number;
  /**
   * drainLimit: how much more of a body over bodyLimit is read (and discarded) before the 413, so
   * that a client still writing it reads the answer; a body longer still is cut off at once
   * (default DRAIN_FACTOR times bodyLimit).
   */
  readonly drainLimit?: number;
  /** requestTimeoutMs: a request not received in full by then is dropped (408): slow clients hold nothing. */
  readonly requestTimeoutMs?: number;
}

/** REQUEST_TIMEOUT_MS: the API server gives up on a webhook after at most 30 s, so a request still arriving then is of no use. */
export const REQUEST_TIMEOUT_MS = 30_000;

function httpsOptions(tls: TlsSource, requestTimeoutMs: number) {
  const material = tls.current();
  const mutual = material.clientCa !== undefined;
  // Node checks request timeouts every connectionsCheckingInterval (30 s by default): check often
  // enough that a stalled request is dropped close to its timeout.
  const connectionsCheckingInterval = Math.max(250, Math.min(5_000, Math.floor(requestTimeoutMs / 2)));
  // Node enforces requestTimeout only when headersTimeout is not longer than it.
  const headersTimeout = Math.min(60_000, requestTimeoutMs);
  return { ...secureContextOptions(material), requestCert: mutual, rejectUnauthorized: mutual, connectionsCheckingInterval, headersTimeout, requestTimeout: requestTimeoutMs };
}

/**
 * buildApp wires the HTTP endpoints of DESIGN.md: POST /validate and /mutate (AdmissionReview v1),
 * GET /healthz, /readyz and /metrics. One structured log line per admission decision.
 */
export function buildApp(options: AppOptions): FastifyInstance {
  const { context, metrics, logger } = options;
  metrics.countAdoption(() => countAdoption(context.state().namespaces(), context.config));
  const writeDecision = decisionWriter(logger);
  const now = options.now ?? process.hrtime.bigint;
  const bodyLimit = options.bodyLimit ?? BODY_LIMIT;
  const drainLimit = options.drainLimit ?? DRAIN_FACTOR * bodyLimit;
  const app = Fastify({
    // fastify gets no logger: netfence logs one line per decision itself, and errors below. Given
    // one, fastify makes a child logger and two response listeners per request for lines that would
    // only double ours (with returning the review instead of setting its header by hand, the cost
    // ladder's mode-off step went from +20 to +8 µs per request).
    bodyLimit,
    requestTimeout: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      // A reset connection has nothing left to answer.
      if (error.code !== 'ECONNRESET' && !socket.destroyed && socket.writable) socket.write(clientErrorResponse(error.code));
      socket.destroy();
    },
    // While closing, requests on connections still open are answered, not refused with 503: the API
    // server would count a 503 as a failed call.
    return503OnClosing: false,
    ...(options.tls === undefined ? {} : { https: httpsOptions(options.tls, options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS) }),
  });
  options.tls?.onChange((material) => {
    const server: unknown = app.server;
    if (server instanceof TlsServer) server.setSecureContext(secureContextOptions(material));
  });

  // AdmissionReviews are JSON: any other content-type (fastify also reads text/plain) is a 415.
  app.removeContentTypeParser('text/plain');

  const sendError = (reply: FastifyReply, code: ErrorCode, message: string): FastifyReply =>
    reply.code(ERRORS[code].status).type('application/json').send(errorBody(code, message));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        // fastify stops reading at the limit (or reads nothing, when Content-Length says so) and
        // closes the connection after the answer: the rest of the body is read first (up to
        // drainLimit), or a client still writing it is reset (EPIPE) before it reads the 413.
        // Only this error path waits; admissions never do.
        return drainBody(request.raw, drainLimit).then(() => sendError(reply, 'NETFENCE_BODY_TOO_LARGE', `the body is larger than ${bodyLimit} bytes`));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 'NETFENCE_UNSUPPORTED_MEDIA_TYPE', `content-type must be application/json (got ${request.headers['content-type'] ?? 'none'})`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 'NETFENCE_BAD_JSON', 'the body is not valid JSON');
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      // secure-json-parse refusals (__proto__ keys), bad gzip and the like.
      return sendError(reply, 'NETFENCE_BAD_JSON', error.message);
    }
    logger.error({ reqId: request.id, err: error }, 'request failed');
    return sendError(reply, 'NETFENCE_INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 'NETFENCE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0] ?? ''}`));

  const admissionRoute = (webhook: WebhookName) => {
    const handler = WEBHOOKS[webhook];
    return app.post(`/${webhook}`, async (request, reply) => {
      const started = now();
      let admission: AdmissionRequest;
      try {
        admission = parseAdmissionReview(request.body);
      } catch (error) {
        if (error instanceof DecodeError) return sendError(reply, 'NETFENCE_BAD_REVIEW', error.message);
        throw error;
      }
      // The handler is called directly (runHandler's result object would cost every request an allocation).
      let decision: Decision;
      try {
        decision = handler(admission, context);
      } catch (error) {
        // A bad object inside a well-formed review, or a bug: answered with the uid, as onError says.
        const { decision: failed, failure } = handlerFailed(error, context);
        const cause = failure.kind === 'bad-object' ? { reason: failure.message } : { err: failure.error };
        logger.error({ reqId: request.id, uid: admission.uid, ...cause }, 'admission error');
        decision = failed;
      }
      const seconds = Number(now() - started) / 1e9;
      record(webhook, admission, decision, seconds);
      // Returned, not sent: fastify serializes it as application/json (charset utf-8) without
      // validating a header set by hand.
      return completeReview(admission.uid, decision.response);
    });
  };

  const record = (webhook: string, admission: AdmissionRequest, decision: Decision, seconds: number): void => {
    const mode = decision.mode ?? 'none';
    // The resource comes from the request: any name netfence does not handle is "other", so a
    // caller cannot grow the metrics without bound (one series per made-up resource).
    const resource = reviewedResource(admission.resource) ?? 'other';
    metrics.countRequest({ webhook, resource, operation: admission.operation, decision: decision.decision, mode }, seconds);
    for (const finding of decision.findings) metrics.countFinding({ rule: finding.rule, severity: finding.severity, mode });
    writeDecision({
      webhook,
      uid: admission.uid,
      resource: admission.resource.resource,
      namespace: admission.namespace,
      name: admission.name,
      operation: admission.operation,
      user: admission.user.username,
      dryRun: admission.dryRun,
      decision: decision.decision,
      mode: decision.mode,
      rules: decision.findings.map((finding) => finding.rule),
      durationMs: Math.round(seconds * 1e6) / 1e3,
      stale: context.fresh?.() === false ? true : undefined,
    });
  };

  admissionRoute('validate');
  admissionRoute('mutate');
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_, reply) => (options.ready() ? { status: 'ready' } : reply.code(503).send({ status: 'not ready' })));
  app.get('/metrics', async (_, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
