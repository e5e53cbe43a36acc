import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate-certificates.js';
import { staticTls } from '../../src/certs/tls-source.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { BODY_LIMIT, buildApp } from '../../src/server/app.js';
import { ERRORS } from '../../src/server/errors.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { LogLines, fixture, stateOf } from '../support/webhook.js';

/** Bad bodies, health endpoints and metrics, driven with inject() (no socket needed), but for an oversized body over TLS. */

function app(options: { ready?: boolean; onError?: 'deny' | 'allow'; brokenEssentials?: boolean; bodyLimit?: number } = {}) {
  const context = new StandaloneContext(new EditableState(stateOf('')), { ...defaultConfig(), onError: options.onError ?? 'deny' });
  if (options.brokenEssentials) {
    context.essentials = () => {
      throw new Error('simulated failure');
    };
  }
  const logs = new LogLines();
  const metrics = new Metrics({ processMetrics: false });
  const instance = buildApp({ context, metrics, logger: pino(logs.stream), ready: () => options.ready ?? true, ...(options.bodyLimit === undefined ? {} : { bodyLimit: options.bodyLimit }) });
  return { instance, logs, metrics };
}

async function postRaw(body: string, contentType = 'application/json', limit?: number) {
  const { instance } = app(limit === undefined ? {} : { bodyLimit: limit });
  return instance.inject({ method: 'POST', url: '/validate?timeout=10s', headers: { 'content-type': contentType }, payload: body });
}

describe('bad requests', () => {
  it.each([
    ['not JSON', '{"kind": "AdmissionReview",', 400, 'NETFENCE_BAD_JSON', /not valid JSON/],
    ['an empty body', '', 400, 'NETFENCE_BAD_JSON', /not valid JSON/],
    ['a __proto__ key', '{"__proto__": {"x": 1}}', 400, 'NETFENCE_BAD_JSON', /./],
    ['a JSON array', '[]', 400, 'NETFENCE_BAD_REVIEW', /must be an object \(got a list\)/],
    ['the v1beta1 API', JSON.stringify({ ...fixture('005'), apiVersion: 'admission.k8s.io/v1beta1' }), 400, 'NETFENCE_BAD_REVIEW', /^apiVersion: must be admission.k8s.io\/v1 \(got "admission.k8s.io\/v1beta1"\)/],
    ['another kind', JSON.stringify({ ...fixture('005'), kind: 'Pod' }), 400, 'NETFENCE_BAD_REVIEW', /^kind: must be AdmissionReview/],
    ['no request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 400, 'NETFENCE_BAD_REVIEW', /^request: is required$/],
  ])('answers %s with its status and code', async (_, body, status, code, message) => {
    const response = await postRaw(body);
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const parsed: { error: { code: string; message: string } } = response.json();
    expect(parsed.error.code).toBe(code);
    expect(parsed.error.message).toMatch(message);
    expect(response.body).not.toMatch(/\bat \S+ \(/); // no stack trace
  });

  it('names a missing uid', async () => {
    const body = fixture('005');
    const inner = { ...(body['request'] as object), uid: undefined };
    const response = await postRaw(JSON.stringify({ ...body, request: inner }));
    expect(response.json()).toEqual({ error: { code: 'NETFENCE_BAD_REVIEW', message: 'request.uid: is required' } });
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await postRaw(JSON.stringify({ ...fixture('005'), padding: 'x'.repeat(2048) }), 'application/json', 1024);
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('NETFENCE_BODY_TOO_LARGE');
  });

  it('refuses another content type with 415', async () => {
    const response = await postRaw('kind: AdmissionReview', 'application/yaml');
    expect(response.statusCode).toBe(415);
    expect(response.json().error.code).toBe('NETFENCE_UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers 404 with the error shape for an unknown path', async () => {
    const response = await app().instance.inject({ method: 'GET', url: '/validate2' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'NETFENCE_NOT_FOUND', message: 'no endpoint GET /validate2' } });
  });
});

describe('failures inside a well-formed review', () => {
  it.each([
    ['deny', false],
    ['allow', true],
  ] as const)('answer with the uid and onError=%s', async (onError, allowed) => {
    const { instance, logs, metrics } = app({ onError, brokenEssentials: true });
    const body = fixture('005');
    const response = await instance.inject({ method: 'POST', url: '/validate', payload: body });
    expect(response.statusCode).toBe(200);
    const review = response.json().response;
    expect(review.uid).toBe((body['request'] as { uid: string }).uid);
    expect(review.allowed).toBe(allowed);
    expect(review.status).toMatchObject({ code: 500, message: 'netfence failed on this request; see its log' });
    expect(JSON.stringify(review)).not.toContain('simulated failure');
    expect(logs.lines.find((line) => line['msg'] === 'admission error')).toMatchObject({ err: { message: 'simulated failure' } });
    expect(await metrics.registry.getSingleMetricAsString('netfence_admission_requests_total')).toContain('decision="error"');
  });

  it('answers an object that cannot be read with the uid and the field', async () => {
    const body = fixture('005');
    const inner = body['request'] as { object: { spec: Record<string, unknown> } };
    const broken = { ...body, request: { ...inner, object: { ...inner.object, spec: { podSelector: { matchLabels: { app: 7 } } } } } };
    const review = (await app().instance.inject({ method: 'POST', url: '/validate', payload: broken })).json().response;
    expect(review).toMatchObject({ allowed: false, status: { code: 400, message: 'netfence could not read the object: spec.podSelector.matchLabels.app: must be a string (got 7)' } });
  });
});

describe('health, readiness and metrics', () => {
  it('reports health and readiness', async () => {
    expect((await app().instance.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app({ ready: true }).instance.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const notReady = await app({ ready: false }).instance.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
  });

  it('exposes request counts, latency and findings in Prometheus text', async () => {
    const { instance } = app();
    await instance.inject({ method: 'POST', url: '/validate', payload: fixture('005') });
    await instance.inject({ method: 'POST', url: '/mutate', payload: fixture('001') });
    const response = await instance.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toContain('netfence_admission_requests_total{webhook="validate",resource="networkpolicies",operation="CREATE",decision="deny",mode="enforce"} 1');
    expect(response.body).toContain('netfence_admission_requests_total{webhook="mutate",resource="namespaces",operation="CREATE",decision="allow",mode="none"} 1');
    expect(response.body).toContain('netfence_admission_duration_seconds_count{webhook="validate"} 1');
    expect(response.body).toContain('netfence_findings_total{rule="essential-egress",severity="deny",mode="enforce"} 1');
  });

  it('counts resources it does not handle as one "other" series, however many names callers make up', async () => {
    const { instance } = app();
    for (let i = 0; i < 50; i++) {
      const review = structuredClone(fixture('005'));
      const request = review['request'];
      if (typeof request !== 'object' || request === null) throw new Error('fixture 005 has no request');
      Object.assign(request, { resource: { group: 'example.com', version: 'v1', resource: `made-up-${i}` } });
      const answer = await instance.inject({ method: 'POST', url: '/validate', payload: review });
      expect(answer.json()).toMatchObject({ response: { allowed: true } });
    }
    const body = (await instance.inject({ method: 'GET', url: '/metrics' })).body;
    expect(body).toContain('netfence_admission_requests_total{webhook="validate",resource="other",operation="CREATE",decision="skip",mode="none"} 50');
    expect(body).not.toContain('made-up-');
  });
});

describe('the error catalogue', () => {
  it('documents every error code in docs/errors.md', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'errors.md'), 'utf8');
    for (const [code, { status }] of Object.entries(ERRORS)) expect(doc).toContain(`| \`${code}\` | ${status} |`);
  });
});

describe('a body over the limit, over a real TLS socket', () => {
  // The socket is what is tested here: inject() always gets its answer, a client on a socket that
  // is closed under it while it still writes does not (EPIPE, and the 413 lost).
  const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });

  async function serve(limits: { bodyLimit?: number; drainLimit?: number } = {}) {
    const context = new StandaloneContext(new EditableState(stateOf('')), defaultConfig());
    const logs = new LogLines();
    const instance = buildApp({ context, metrics: new Metrics({ processMetrics: false }), logger: pino(logs.stream), tls: staticTls(certs), ready: () => true, ...limits });
    await instance.listen({ port: 0, host: '127.0.0.1' });
    const address = instance.server.address();
    return { instance, logs, port: typeof address === 'object' && address !== null ? address.port : 0 };
  }

  /** request is a POST /validate head and body, framed by Content-Length or chunked, of `size` bytes. */
  function request(size: number, framing: 'content-length' | 'chunked'): { head: string; body: Buffer } {
    const payload = Buffer.alloc(size, 'x');
    const head = `POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${size}`}\r\n\r\n`;
    const body = framing === 'chunked' ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]) : payload;
    return { head, body };
  }

  /**
   * sendWhole writes a request and its whole body before it reads anything, as a simple client
   * does; returns what it read and the socket's error, if any.
   */
  function sendWhole(port: number, head: string, body: Buffer): Promise<{ received: string; error: string | undefined }> {
    return new Promise((resolve) => {
      let received = '';
      let error: string | undefined;
      const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost' }, () => {
        socket.write(head);
        socket.write(body, () => {
          socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
          socket.resume();
        });
      });
      socket.pause();
      socket.on('error', (cause: Error & { code?: string }) => (error = cause.code ?? cause.message));
      socket.on('close', () => resolve({ received, error }));
    });
  }

  it.each(['content-length', 'chunked'] as const)('lets a client that writes it all first read the 413 and its JSON error, every time (%s)', async (framing) => {
    const { instance, logs, port } = await serve();
    const { head, body } = request(2 * BODY_LIMIT, framing);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const { received, error } = await sendWhole(port, head, body);
        expect({ attempt, error, status: received.slice(0, received.indexOf('\r\n')) }).toEqual({ attempt, error: undefined, status: 'HTTP/1.1 413 Payload Too Large' });
        expect(received).toMatch(/\r\nconnection: close\r\n/i);
        expect(JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'NETFENCE_BODY_TOO_LARGE', message: `the body is larger than ${BODY_LIMIT} bytes` } });
      }
      expect(logs.lines).toEqual([]);
    } finally {
      await instance.close();
    }
  });

  it.each(['content-length', 'chunked'] as const)('cuts off a body longer than the drain bound instead of reading it (%s)', async (framing) => {
    const { instance, port } = await serve({ bodyLimit: 64 * 1024, drainLimit: 256 * 1024 });
    // 64 MiB: far more than the bound plus what the kernels' socket buffers hold.
    const { head, body } = request(64 * 1024 * 1024, framing);
    try {
      const { error } = await sendWhole(port, head, body);
      expect(error).toMatch(/^(EPIPE|ECONNRESET)$/);
      expect((await instance.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await instance.close();
    }
  });

  it('forgets a client that leaves in the middle of its oversized body', async () => {
    const { instance, logs, port } = await serve({ bodyLimit: 64 * 1024, drainLimit: 4 * 1024 * 1024 });
    const { head, body } = request(1024 * 1024, 'content-length');
    try {
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost' }, () => socket.write(head + body.subarray(0, 100 * 1024).toString(), () => socket.destroy()));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      const health = await instance.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
      expect(logs.lines).toEqual([]);
    } finally {
      await instance.close();
    }
  });
});
