import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ROTATION } from '../../src/certs/rotation.js';
import { CertificateManager, replicaProbe } from '../../src/cluster/certificate-manager.js';
import { generateCertificates } from '../../src/certs/generate-certificates.js';
import { staticTls } from '../../src/certs/tls-source.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { SecretTls } from '../../src/cluster/secret-tls.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { endpointSlice, namespace } from '../support/kube-objects.js';
import { stateOf } from '../support/webhook.js';
import { until } from '../support/until.js';

/**
 * Self-managed certificates against the fake API server: the leader writes the Secret and the
 * caBundles, puts them back after a `helm upgrade` empties them, and rotates; a replica serves the
 * Secret's certificate as soon as it is written, and is not ready before.
 */

const DAY = 86_400_000;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
let server: FakeApiServer | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server?.stop();
});


const webhookConfiguration = (kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', caBundle = '') => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name: 'netfence' },
  webhooks: ['networkpolicies', 'namespaces'].map((resource) => ({
    name: `${resource}.netfence.io`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    clientConfig: { service: { name: 'netfence', namespace: 'netfence', path: '/validate', port: 443 }, ...(caBundle === '' ? {} : { caBundle }) },
    rules: [{ apiGroups: ['*'], apiVersions: ['v1'], operations: ['CREATE'], resources: [resource] }],
  })),
});

function caBundles(fake: FakeApiServer, kind: string): string[] {
  const webhooks = (fake.get(kind, undefined, 'netfence')?.['webhooks'] ?? []) as Array<{ clientConfig: { caBundle?: string } }>;
  return webhooks.map((webhook) => webhook.clientConfig.caBundle ?? '');
}

function secretData(fake: FakeApiServer, key: string): string {
  const data = (fake.get('Secret', 'netfence', 'netfence-tls')?.['data'] ?? {}) as Record<string, string>;
  return Buffer.from(data[key] ?? '', 'base64').toString('utf8');
}

async function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'netfence.netfence.svc' }, () => {
      resolve(new X509Certificate(socket.getPeerCertificate().raw));
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('self-managed certificates', () => {
  it('writes the Secret and both caBundles, serves the Secret on every replica, and restores a caBundle reset by an upgrade', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('netfence')); // the API server refuses a Secret in a namespace that does not exist
    server.put(webhookConfiguration('ValidatingWebhookConfiguration'));
    server.put(webhookConfiguration('MutatingWebhookConfiguration'));
    const client = new KubeClient(kubeConfig);

    // A replica starts before any Secret exists: it serves a placeholder and is not ready.
    const replica = new SecretTls({ client, namespace: 'netfence', secretName: 'netfence-tls', logger: quiet });
    replica.start();
    cleanups.push(() => replica.stop());
    const app: FastifyInstance = buildApp({ context: new StandaloneContext(new EditableState(stateOf('')), defaultConfig()), metrics: new Metrics({ processMetrics: false }), logger: pino({ level: 'silent' }), tls: replica, ready: () => replica.loaded() });
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);

    const manager = new CertificateManager({ client, namespace: 'netfence', secretName: 'netfence-tls', webhookConfiguration: 'netfence', names: { dnsNames: ['netfence.netfence.svc', 'netfence.netfence.svc.cluster.local'], ips: [] }, logger: quiet });
    manager.start();
    cleanups.push(() => manager.stop());
    const fake = server;
    await until(() => caBundles(fake, 'MutatingWebhookConfiguration').every((bundle) => bundle !== ''), 'the caBundles');
    const ca = secretData(fake, 'ca.crt');
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
      expect(caBundles(fake, kind)).toEqual([Buffer.from(ca).toString('base64'), Buffer.from(ca).toString('base64')]);
    }
    expect(fake.get('Secret', 'netfence', 'netfence-tls')?.['type']).toBe('kubernetes.io/tls');

    await until(() => replica.loaded(), 'the replica to load the Secret');
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const served = await servedCertificate(port);
    expect(served.raw.equals(new X509Certificate(secretData(fake, 'tls.crt')).raw)).toBe(true);
    expect(served.checkIssued(new X509Certificate(ca))).toBe(true);

    // `helm upgrade` applies the configuration again, without a caBundle: it comes back.
    fake.put(webhookConfiguration('ValidatingWebhookConfiguration'));
    await until(() => caBundles(fake, 'ValidatingWebhookConfiguration').every((bundle) => bundle === Buffer.from(ca).toString('base64')), 'the restored caBundle');

    // Once its watches have seen the bundles in place, a pass reads no configuration.
    const configurationReads = () => fake.requests.filter((request) => request.method === 'GET' && request.path.includes('webhookconfigurations/netfence')).length;
    await until(async () => {
      const before = configurationReads();
      await manager.reconcile();
      return configurationReads() === before;
    }, 'a pass that takes the caBundles from its watches');
  });

  it('rotates the CA through the bundle: the next CA is trusted before any replica serves a certificate it signed', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('netfence')); // the API server refuses a Secret in a namespace that does not exist
    server.put(webhookConfiguration('ValidatingWebhookConfiguration'));
    server.put(webhookConfiguration('MutatingWebhookConfiguration'));
    const client = new KubeClient(kubeConfig);
    let now = Date.parse('2026-01-01T00:00:00Z');
    let everywhere: boolean | undefined;
    const manager = new CertificateManager({
      client,
      namespace: 'netfence',
      secretName: 'netfence-tls',
      webhookConfiguration: 'netfence',
      names: { dnsNames: ['netfence.netfence.svc'], ips: [] },
      logger: quiet,
      policy: { ...DEFAULT_ROTATION, overlapMs: DAY },
      now: () => now,
      servedEverywhere: async () => everywhere,
    });
    const fake = server;
    const bundle = () => Buffer.from(caBundles(fake, 'ValidatingWebhookConfiguration')[0] ?? '', 'base64').toString('utf8');
    const bundleSize = () => (bundle().match(/BEGIN CERTIFICATE/g) ?? []).length;
    await manager.reconcile();
    const firstCa = secretData(fake, 'ca.crt');
    expect(bundleSize()).toBe(1);

    now += 3000 * DAY; // the CA is due
    await manager.reconcile();
    expect(bundleSize()).toBe(2);
    expect(secretData(fake, 'ca.crt')).toBe(firstCa); // still signing with the old CA

    now += DAY;
    await manager.reconcile();
    const secondCa = secretData(fake, 'ca.crt');
    expect(secondCa).not.toBe(firstCa);
    expect(new X509Certificate(secretData(fake, 'tls.crt')).checkIssued(new X509Certificate(secondCa))).toBe(true);
    expect(bundle()).toContain(firstCa.trim());

    now += 2 * DAY;
    everywhere = false; // a replica still serves the old certificate
    await manager.reconcile();
    expect(bundleSize()).toBe(2);
    everywhere = true;
    await manager.reconcile();
    expect(bundleSize()).toBe(1);
    expect(bundle()).toBe(secondCa);
  });

  it('is ready once the caBundles are in place, not after a pass that failed; with no configuration to hold them, at once', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('netfence'));
    const client = new KubeClient(kubeConfig);
    const manager = (webhookConfigurationName: string) => new CertificateManager({ client, namespace: 'netfence', secretName: `${webhookConfigurationName}-tls`, webhookConfiguration: webhookConfigurationName, names: { dnsNames: ['netfence.netfence.svc'], ips: [] }, logger: quiet });
    const settled = (promise: Promise<void>): Promise<boolean> => Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);

    server.put(webhookConfiguration('ValidatingWebhookConfiguration'));
    server.put(webhookConfiguration('MutatingWebhookConfiguration'));
    const registered = manager('netfence');
    server.failNext(500); // the pass fails at its first request
    await registered.reconcile();
    expect(await settled(registered.ready())).toBe(false);
    await registered.reconcile();
    expect(await settled(registered.ready())).toBe(true);
    const fake = server;
    expect(caBundles(fake, 'ValidatingWebhookConfiguration').every((bundle) => bundle !== '')).toBe(true);
    expect(caBundles(fake, 'MutatingWebhookConfiguration').every((bundle) => bundle !== '')).toBe(true);

    // Nothing registered (netfence run by hand, no webhook yet): no webhook can refuse a write.
    const unregistered = manager('unregistered');
    await unregistered.reconcile();
    expect(await settled(unregistered.ready())).toBe(true);
  });

  it('asks every replica which certificate it serves (a TLS handshake with each endpoint of the Service)', async () => {
    server = new FakeApiServer();
    const client = new KubeClient(await server.start());
    const probe = replicaProbe({ client, namespace: 'netfence', service: 'netfence', timeoutMs: 1_000 });
    const pair = generateCertificates({ dnsNames: ['netfence.netfence.svc'], ips: [], days: 1 });
    expect(await probe(pair.cert)).toBeUndefined(); // no endpoint: cannot tell

    const app = buildApp({ context: new StandaloneContext(new EditableState(stateOf('')), defaultConfig()), metrics: new Metrics({ processMetrics: false }), logger: pino({ level: 'silent' }), tls: staticTls(pair), ready: () => true });
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    server.put(endpointSlice('netfence', 'netfence-abcde', 'netfence', ['127.0.0.1'], [{ name: 'https', port }]));
    expect(await probe(pair.cert)).toBe(true);
    expect(await probe(generateCertificates({ dnsNames: ['netfence.netfence.svc'], ips: [], days: 1 }).cert)).toBe(false);
    // A replica that cannot be reached does not count as serving it.
    server.put(endpointSlice('netfence', 'netfence-fghij', 'netfence', ['127.0.0.1'], [{ name: 'https', port: 1 }]));
    expect(await probe(pair.cert)).toBe(false);
  });
});
