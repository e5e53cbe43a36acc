import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { renderProfile } from '../../src/guardrails/baseline.js';
import { networkPolicyManifest } from '../../src/model/manifest.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { namespace } from '../support/kube-objects.js';

/**
 * The fake API server answers as a real kube-apiserver (v1.28.7) did: every request recorded in
 * ../shared/fixtures/apiserver is replayed against it over HTTPS and must get the recorded status
 * and Status (message, reason, details, code). Then the rules behind the recordings, one step
 * beyond them: the cases netfence meets that were not recorded.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'apiserver');

/** Recorded is one fixture: a request and the real API server's answer. */
interface Recorded {
  readonly request: { readonly method: string; readonly path: string; readonly body?: Record<string, unknown> };
  readonly response: { readonly status: number; readonly body: Record<string, unknown> };
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readRecorded(file: string): Recorded {
  const raw: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
  const requestPart = isRecord(raw) ? raw['request'] : undefined;
  const responsePart = isRecord(raw) ? raw['response'] : undefined;
  if (!isRecord(requestPart) || !isRecord(responsePart)) throw new Error(`${file}: no request and response`);
  const { method, path, body } = requestPart;
  const { status, body: answer } = responsePart;
  if (typeof method !== 'string' || typeof path !== 'string' || typeof status !== 'number' || !isRecord(answer) || (body !== undefined && !isRecord(body))) {
    throw new Error(`${file}: expected request.method, request.path, response.status and response.body`);
  }
  return { request: { method, path, ...(body === undefined ? {} : { body }) }, response: { status, body: answer } };
}

/** Answer is what the fake answered: status, parsed body and Warning headers. */
interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly warnings: string[];
}

/** send makes one HTTPS request to the fake as a client would: its CA, its bearer token. */
function send(kubeConfig: KubeConfig, method: string, path: string, body?: unknown): Promise<Answer> {
  const cluster = kubeConfig.getCurrentCluster();
  const token = kubeConfig.getCurrentUser()?.token;
  if (cluster === null || cluster.caData === undefined || token === undefined) throw new Error('the fake kubeconfig has a CA and a token');
  const server = new URL(cluster.server);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: server.hostname, port: server.port, method, path, ca: Buffer.from(cluster.caData ?? '', 'base64'), headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          const parsed: unknown = JSON.parse(text);
          // Node joins repeated headers with ', ': the raw pairs keep each Warning apart.
          const warnings = response.rawHeaders.filter((_, index) => index % 2 === 1 && response.rawHeaders[index - 1]?.toLowerCase() === 'warning');
          resolve({ status: response.statusCode ?? 0, body: isRecord(parsed) ? parsed : {}, warnings });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** generatedName is the name the server made from generateName: in the object it created, or in the Status that refused it. */
function generatedName(body: Record<string, unknown>): string | undefined {
  const holder = isRecord(body['metadata']) && typeof body['metadata']['name'] === 'string' ? body['metadata'] : body['details'];
  return isRecord(holder) && typeof holder['name'] === 'string' ? holder['name'] : undefined;
}

/** SERVER_METADATA are the fields only the server that stored an object can know. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields'];

/** expectedObject is a recorded object without what only that server could know, and without the zero values (null, '') it writes out. */
function expectedObject(body: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(body['metadata']) ? Object.fromEntries(Object.entries(body['metadata']).filter(([key]) => !SERVER_METADATA.includes(key))) : {};
  return { ...Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null && value !== '')), metadata };
}

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startFake(): Promise<{ fake: FakeApiServer; kubeConfig: KubeConfig }> {
  const fake = new FakeApiServer();
  server = fake;
  return { fake, kubeConfig: await fake.start() };
}

const FILES = readdirSync(FIXTURES).filter((file) => file.endsWith('.json')).sort();

describe('the fake API server replays what kube-apiserver v1.28.7 answered', () => {
  it('finds the recordings', () => {
    expect(FILES).toEqual([
      'event-for-namespace-in-default.json',
      'event-for-namespace-in-its-own-namespace.json',
      'lease-create-namespace-missing.json',
      'lease-get-namespace-missing.json',
      'networkpolicy-unknown-fields-strict.json',
    ]);
  });

  it.each(FILES)('%s', async (file) => {
    const recorded = readRecorded(file);
    const { fake, kubeConfig } = await startFake();
    // The recording cluster had the namespace `demo` (the Events are about it); it had no `netfence`.
    fake.put(namespace('demo'));
    const answer = await send(kubeConfig, recorded.request.method, recorded.request.path, recorded.request.body);
    expect(answer.status).toBe(recorded.response.status);

    // A name made from generateName is random: the fake's takes the recorded one's place.
    let expected = recorded.response.body;
    const generateName = isRecord(recorded.request.body?.['metadata']) ? recorded.request.body['metadata']['generateName'] : undefined;
    if (typeof generateName === 'string') {
      const recordedName = generatedName(expected);
      const fakeName = generatedName(answer.body);
      expect(fakeName).toMatch(new RegExp(`^${generateName}[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      if (recordedName === undefined || fakeName === undefined) throw new Error(`${file}: no generated name`);
      expected = JSON.parse(JSON.stringify(expected).replaceAll(recordedName, fakeName)) as Record<string, unknown>;
    }
    if (recorded.response.status >= 400) {
      expect(answer.body).toEqual(expected);
    } else {
      expect(answer.body).toMatchObject(expectedObject(expected));
      for (const key of ['uid', 'resourceVersion', 'creationTimestamp']) expect(answer.body['metadata']).toHaveProperty(key);
    }
  });
});

const event = (eventNamespace: string, involvedObject: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { generateName: 'netfence-', namespace: eventNamespace },
  involvedObject,
  reason: 'BaselineProvisioned',
  message: 'x',
  type: 'Normal',
  source: { component: 'netfence' },
  ...extra,
});

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'netfence-reconciler', namespace: 'netfence' }, spec: { holderIdentity: 'x', leaseDurationSeconds: 15 } };
const LEASES = '/apis/coordination.k8s.io/v1/namespaces/netfence/leases';

/** EVERY_FIELD is a NetworkPolicy that sets every field of networking.k8s.io/v1 (1.28). */
const EVERY_FIELD = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'every-field', namespace: 'demo', labels: { a: 'b' }, annotations: { c: 'd' }, finalizers: [], ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u', controller: false, blockOwnerDeletion: false }] },
  spec: {
    podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [{ podSelector: {}, namespaceSelector: { matchLabels: { team: 'a' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 8000, endPort: 9000 }, { port: 'http' }] }],
    egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: 'UDP', port: 53 }] }],
  },
};

const TYPO = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'typo', namespace: 'demo', labelz: { a: 'b' } },
  spec: { podSelecter: {}, podSelector: {}, policyTypes: ['Ingress'], ingress: [{ form: [{ podSelector: {} }] }] },
  status: {},
};
const POLICIES = '/apis/networking.k8s.io/v1/namespaces/demo/networkpolicies';

describe('the rules behind the recordings', () => {
  it('Events: the namespace must match involvedObject.namespace; an object without one (cluster-scoped) is written about in default', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(namespace('team-a'));
    const pod = { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'team-a' };
    expect((await send(kubeConfig, 'POST', '/api/v1/namespaces/team-a/events', event('team-a', pod))).status).toBe(201);
    const misplaced = await send(kubeConfig, 'POST', '/api/v1/namespaces/default/events', event('default', pod));
    expect(misplaced.status).toBe(422);
    expect(misplaced.body['message']).toMatch(/^Event "netfence-[a-z0-9]{5}" is invalid: involvedObject\.namespace: Invalid value: "team-a": does not match event\.namespace$/);
    // A Node's Events go to default too; a Namespace's into a namespace that happens to be its own is still refused.
    expect((await send(kubeConfig, 'POST', '/api/v1/namespaces/default/events', event('default', { kind: 'Node', name: 'node-1' }))).status).toBe(201);
    expect((await send(kubeConfig, 'POST', '/api/v1/namespaces/team-a/events', event('team-a', { kind: 'Namespace', name: 'team-a' }))).status).toBe(422);
    // An Event with eventTime (the events.k8s.io shape) about a cluster-scoped object may also go to kube-system.
    const withTime = event('kube-system', { kind: 'Namespace', name: 'team-a' }, { eventTime: '2026-12-01T14:00:00.000000Z' });
    expect((await send(kubeConfig, 'POST', '/api/v1/namespaces/kube-system/events', withTime)).status).toBe(201);
    expect(fake.list('Event').map((stored) => stored.metadata.namespace).sort()).toEqual(['default', 'kube-system', 'team-a']);
  });

  it('a namespace that does not exist: creates and updates are 404 naming it, reads and deletes name the object; once it exists all succeed', async () => {
    const { fake, kubeConfig } = await startFake();
    expect((await send(kubeConfig, 'POST', LEASES, LEASE)).body).toMatchObject({ code: 404, message: 'namespaces "netfence" not found' });
    expect((await send(kubeConfig, 'DELETE', `${LEASES}/netfence-reconciler`)).body).toMatchObject({ code: 404, message: 'leases.coordination.k8s.io "netfence-reconciler" not found' });
    // An object left in a namespace that is gone (put directly, as the test's own seeding is never refused) cannot be updated.
    fake.put(LEASE);
    expect((await send(kubeConfig, 'PUT', `${LEASES}/netfence-reconciler`, LEASE)).body).toMatchObject({ code: 404, message: 'namespaces "netfence" not found', details: { name: 'netfence', kind: 'namespaces' } });
    fake.remove('Lease', 'netfence', 'netfence-reconciler');
    // Lists in it are empty, not refused.
    expect((await send(kubeConfig, 'GET', LEASES)).body).toMatchObject({ kind: 'LeaseList', items: [] });

    fake.put(namespace('netfence'));
    const created = await send(kubeConfig, 'POST', LEASES, LEASE);
    expect(created.status).toBe(201);
    expect((await send(kubeConfig, 'GET', `${LEASES}/netfence-reconciler`)).status).toBe(200);
    expect((await send(kubeConfig, 'POST', LEASES, LEASE)).body).toMatchObject({ code: 409, reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "netfence-reconciler" already exists', details: { name: 'netfence-reconciler', group: 'coordination.k8s.io', kind: 'leases' } });
    const stale = { ...LEASE, metadata: { ...LEASE.metadata, resourceVersion: '1' } };
    expect((await send(kubeConfig, 'PUT', `${LEASES}/netfence-reconciler`, stale)).body).toMatchObject({ code: 409, reason: 'Conflict', message: expect.stringMatching(/^Operation cannot be fulfilled on leases\.coordination\.k8s\.io "netfence-reconciler": the object has been modified/) });
    // The system namespaces are there without a test putting them.
    expect((await send(kubeConfig, 'POST', '/api/v1/namespaces/kube-system/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } })).status).toBe(201);
  });

  it('an object whose namespace is not the URL\'s is refused (400)', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(namespace('netfence'));
    const elsewhere = { ...LEASE, metadata: { ...LEASE.metadata, namespace: 'other' } };
    expect((await send(kubeConfig, 'POST', LEASES, elsewhere)).body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'the namespace of the provided object does not match the namespace sent on the request' });
  });

  it('NetworkPolicy fields: Strict refuses unknown ones on create and update; Warn (the default) drops them with a warning each, Ignore silently', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(namespace('demo'));
    const strict = await send(kubeConfig, 'POST', `${POLICIES}?fieldValidation=Strict`, TYPO);
    expect(strict.body).toMatchObject({
      code: 400,
      message: 'NetworkPolicy in version "v1" cannot be handled as a NetworkPolicy: strict decoding error: unknown field "metadata.labelz", unknown field "spec.podSelecter", unknown field "spec.ingress[0].form", unknown field "status"',
    });
    expect(fake.list('NetworkPolicy')).toEqual([]);

    const warned = await send(kubeConfig, 'POST', POLICIES, TYPO);
    expect(warned.status).toBe(201);
    expect(warned.warnings).toEqual(['299 - "unknown field \\"metadata.labelz\\""', '299 - "unknown field \\"spec.podSelecter\\""', '299 - "unknown field \\"spec.ingress[0].form\\""', '299 - "unknown field \\"status\\""']);
    const stored = fake.get('NetworkPolicy', 'demo', 'typo');
    expect(stored?.['spec']).toEqual({ podSelector: {}, policyTypes: ['Ingress'], ingress: [{}] });
    expect(stored).not.toHaveProperty('status');
    expect(stored?.metadata).not.toHaveProperty('labelz');

    const update = { ...TYPO, metadata: { ...TYPO.metadata, resourceVersion: stored?.metadata.resourceVersion } };
    expect((await send(kubeConfig, 'PUT', `${POLICIES}/typo?fieldValidation=Strict`, update)).status).toBe(400);
    const ignored = await send(kubeConfig, 'PUT', `${POLICIES}/typo?fieldValidation=Ignore`, update);
    expect(ignored.status).toBe(200);
    expect(ignored.warnings).toEqual([]);
    // dryRun=All answers as a create would and stores nothing.
    expect((await send(kubeConfig, 'POST', `${POLICIES}?fieldValidation=Strict&dryRun=All`, { ...EVERY_FIELD, metadata: { ...EVERY_FIELD.metadata, name: 'dry' } })).status).toBe(201);
    expect(fake.get('NetworkPolicy', 'demo', 'dry')).toBeUndefined();
  });

  it('NetworkPolicy fields: every field of the v1 schema, and every policy netfence writes, pass Strict', async () => {
    const { fake, kubeConfig } = await startFake();
    fake.put(namespace('demo'));
    const exact = await send(kubeConfig, 'POST', `${POLICIES}?fieldValidation=Strict`, EVERY_FIELD);
    expect(exact.status).toBe(201);
    expect(exact.warnings).toEqual([]);
    expect(fake.get('NetworkPolicy', 'demo', 'every-field')?.['spec']).toEqual(EVERY_FIELD.spec);
    const written = [
      networkPolicyManifest(decodeNetworkPolicy({ ...EVERY_FIELD, metadata: { ...EVERY_FIELD.metadata, name: 'rewritten' } }), { labels: new Map([['app.kubernetes.io/managed-by', 'netfence']]), annotations: new Map([['a', 'b']]) }),
      ...renderProfile(defaultConfig().profiles.get('default') ?? { name: 'default', policies: [] }, 'demo').map((policy) => networkPolicyManifest(policy, { labels: policy.labels })),
    ];
    for (const manifest of written) {
      const answer = await send(kubeConfig, 'POST', `${POLICIES}?fieldValidation=Strict`, manifest);
      expect({ status: answer.status, warnings: answer.warnings }).toEqual({ status: 201, warnings: [] });
    }
  });
});
