import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { reviewChange } from '../../src/guardrails/review.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { FIXTURES, LogLines, fixture, reviewFrom, stateOf } from '../support/webhook.js';

/**
 * Fuzzing /validate and /mutate: random bodies, captured AdmissionReviews mutated at random
 * (values replaced, fields removed, huge strings, deep nesting, unicode), wrong content types and
 * truncated bodies. Whatever arrives: no crash, no 500 without a uid, no stack trace in a
 * response, the uid echoed, and never `allowed: true` for a change the rules deny in enforce mode.
 */

const STATE = stateOf(`apiVersion: v1
kind: Namespace
metadata: {name: team-a, labels: {netfence.io/mode: enforce}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: team-a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`);
const CONFIG = defaultConfig();
const logs = new LogLines();
// The same app for every run: state it learns from admitted changes must not break it either.
const context = new StandaloneContext(new EditableState(STATE), CONFIG);
const app = buildApp({ context, metrics: new Metrics({ processMetrics: false }), logger: pino(logs.stream), ready: () => true });
const CAPTURED = readdirSync(FIXTURES)
  .filter((name) => name.endsWith('.json'))
  .map((name) => name.slice(0, 3));

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** post sends a body and checks the invariants every answer must keep; returns the parsed answer. */
async function post(path: '/validate' | '/mutate', payload: string, contentType = 'application/json'): Promise<{ status: number; body: Record<string, any> }> {
  const response = await app.inject({ method: 'POST', url: `${path}?timeout=10s`, headers: { 'content-type': contentType }, payload });
  expect([200, 400, 413, 415]).toContain(response.statusCode);
  expect(response.body).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  const body = JSON.parse(response.body) as Record<string, any>;
  if (response.statusCode === 200) {
    expect(body['apiVersion']).toBe('admission.k8s.io/v1');
    expect(body['kind']).toBe('AdmissionReview');
    expect(typeof body['response']?.['uid']).toBe('string');
    expect(typeof body['response']?.['allowed']).toBe('boolean');
  } else {
    expect(body['error']?.['code']).toMatch(/^NETFENCE_/);
    expect(typeof body['error']?.['message']).toBe('string');
  }
  return { status: response.statusCode, body };
}

const jsonArb: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;
const nastyString = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constant('x'.repeat(200_000)), fc.constant('\u0000\ud800'), fc.constant('../../etc/passwd'), fc.constant('__proto__'));
const deep = (depth: number): Json => {
  let value: Json = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { nested: value };
  return value;
};
const replacement: fc.Arbitrary<Json> = fc.oneof(jsonArb, nastyString, fc.constant(null), fc.integer({ min: 100, max: 3_000 }).map(deep));

/** paths lists every path into a JSON value, to pick one to mutate. */
function paths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => paths(item, [...prefix, index]))];
  if (value !== null && typeof value === 'object') return [prefix, ...Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key]))];
  return [prefix];
}

/** mutate replaces (or deletes) the value at a path, on a copy. */
function mutate(value: Json, path: ReadonlyArray<string | number>, next: Json | undefined): Json {
  if (path.length === 0) return next ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((item, index) => (index === head ? mutate(item, rest, next) : item));
  if (value !== null && typeof value === 'object' && typeof head === 'string') {
    const copy: { [key: string]: Json } = { ...value };
    const child = copy[head];
    if (rest.length === 0 && next === undefined) delete copy[head];
    else if (child !== undefined) copy[head] = mutate(child, rest, next);
    return copy;
  }
  return value;
}

describe('fuzzing the webhook', () => {
  it('answers any JSON with an AdmissionReview or a JSON error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(jsonArb, fc.constantFrom('/validate' as const, '/mutate' as const), async (value, path) => {
        await post(path, JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('answers captured reviews mutated at random, echoing the uid whenever it answers a review', async () => {
    const mutation = fc
      .record({ number: fc.constantFrom(...CAPTURED), pick: fc.nat(), next: fc.option(replacement, { nil: undefined }), path: fc.constantFrom('/validate' as const, '/mutate' as const) })
      .map(({ number, pick, next, path }) => {
        const original = fixture(number) as Json;
        const all = paths(original);
        const target = all[pick % all.length] ?? [];
        return { review: mutate(original, target, next), path, target };
      });
    await fc.assert(
      fc.asyncProperty(mutation, async ({ review, path }) => {
        const { status, body } = await post(path, JSON.stringify(review));
        const uid = (review as { request?: { uid?: unknown } } | null)?.request?.uid;
        if (status === 200) expect(body['response']['uid']).toBe(uid);
      }),
      { numRuns: 400 },
    );
  });

  it('never allows a NetworkPolicy change that the rules deny in enforce mode', async () => {
    const port = fc.record({ port: fc.constantFrom(53, 80, 443, 5432), protocol: fc.constantFrom('TCP', 'UDP') });
    const peer = fc.oneof(
      fc.constant({ podSelector: {} }),
      fc.constant({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }),
      fc.constant({ namespaceSelector: {} }),
      fc.constant({ ipBlock: { cidr: '169.254.20.10/32' } }),
      fc.constant({ podSelector: { matchLabels: { app: 'db' } } }),
    );
    const rule = fc.record({ to: fc.array(peer, { maxLength: 2 }), ports: fc.array(port, { maxLength: 2 }) });
    const spec = fc.record({
      podSelector: fc.constantFrom({}, { matchLabels: { app: 'web' } }, { matchExpressions: [{ key: 'app', operator: 'Exists' }] }),
      policyTypes: fc.constantFrom(['Egress'], ['Ingress', 'Egress'], ['Ingress']),
      egress: fc.array(rule, { maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(spec, fc.constantFrom('CREATE' as const, 'UPDATE' as const), async (policySpec, operation) => {
        const object = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'fuzzed', namespace: 'team-a' }, spec: policySpec };
        const user = { username: 'jane', groups: ['system:authenticated'] };
        const review = { ...reviewFrom('009', { operation, namespace: 'team-a', name: 'fuzzed', object, user, ...(operation === 'UPDATE' ? { oldObject: object } : {}) }) };
        (review['request'] as { dryRun: boolean }).dryRun = true; // the state stays as it is
        const { body } = await post('/validate', JSON.stringify(review));
        const policy = decodeNetworkPolicy(object);
        const expected = reviewChange(
          { kind: 'NetworkPolicy', operation, namespace: 'team-a', name: 'fuzzed', policy, oldPolicy: operation === 'UPDATE' ? policy : undefined, requester: user },
          // The app's state now: it has learnt from the changes admitted by the runs before.
          { state: context.state(), config: CONFIG, essentials: resolveEssentialServices(context.state(), CONFIG) },
        );
        expect(body['response']['allowed']).toBe(expected.allowed);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses wrong content types, truncated and oversized bodies with their own errors', async () => {
    const captured = JSON.stringify(fixture('005'));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: captured.length - 1 }), async (cut) => {
        expect((await post('/validate', captured.slice(0, cut))).status).toBe(400);
      }),
      { numRuns: 100 },
    );
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/yaml']) {
      expect((await post('/validate', captured, contentType)).status).toBe(415);
    }
    expect((await post('/validate', JSON.stringify({ ...fixture('005'), padding: 'x'.repeat(8 * 1024 * 1024) }))).status).toBe(413);
    // Duplicate keys: the last one wins, as in the API server's own JSON decoding.
    const duplicated = captured.replace('"uid":', '"uid":"first","uid":');
    expect((await post('/validate', duplicated)).body['response']['uid']).toBe((fixture('005')['request'] as { uid: string }).uid);
  });

  it('keeps memory bounded across thousands of bad requests', async () => {
    const body = JSON.stringify(fixture('009'));
    for (let i = 0; i < 500; i++) await post('/validate', body.slice(0, i * 7)); // warm up
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 3_000; i++) await post(i % 2 === 0 ? '/validate' : '/mutate', i % 3 === 0 ? body.slice(0, i % body.length) : body.replace('"CREATE"', `"${'X'.repeat(i % 50)}"`));
    global.gc?.();
    const grown = process.memoryUsage().heapUsed - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('slow clients', () => {
  it('drops a request whose body stalls, and keeps answering others meanwhile', async () => {
    const { generateCertificates } = await import('../../src/certs/generate-certificates.js');
    const { staticTls } = await import('../../src/certs/tls-source.js');
    const { connect } = await import('node:tls');
    const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
    const slowApp = buildApp({ context: new StandaloneContext(new EditableState(STATE), CONFIG), metrics: new Metrics({ processMetrics: false }), logger: pino(new LogLines().stream), ready: () => true, tls: staticTls(certs), requestTimeoutMs: 500 });
    await slowApp.listen({ port: 0, host: '127.0.0.1' });
    const address = slowApp.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      const answer = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost' }, () => {
          socket.write('POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
        });
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code: 'NETFENCE_REQUEST_TIMEOUT', message: 'the request did not arrive in full in time' } });
      expect(Date.now() - started).toBeLessThan(5_000);
      // Not HTTP at all: a 400 in the same shape, never a hang.
      const garbage = await new Promise<string>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: 'localhost' }, () => socket.write('\u0000\u0001 not http at all\r\n\r\n'));
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
      });
      expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"NETFENCE_BAD_HTTP"/);
      // Meanwhile and after, the server answers.
      const health = await slowApp.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    } finally {
      await slowApp.close();
    }
  });
});
