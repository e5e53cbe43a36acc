import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterContext } from '../../src/cli/commands/serve.js';
import { CertificateManager } from '../../src/cluster/certificate-manager.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { Metrics } from '../../src/server/metrics.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { clusterDns, namespace } from '../support/kube-objects.js';
import { until } from '../support/until.js';
import { LogLines } from '../support/webhook.js';

/**
 * serve's cluster mode as wired (clusterContext) against the fake API server: where the Lease
 * lives, what it says and shows (netfence_leader) when it cannot lead, and that with self-managed
 * certificates the leader writes its first policy only after the caBundle is in place.
 */

let server: FakeApiServer | undefined;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await server?.stop();
  server = undefined;
});

const ADOPTED = { 'netfence.io/baseline': 'default' };

/** startCluster starts the fake API server with cluster DNS and one adopted namespace, team-a. */
async function startCluster(): Promise<{ fake: FakeApiServer; kubeConfig: Awaited<ReturnType<FakeApiServer['start']>> }> {
  const fake = new FakeApiServer();
  server = fake;
  const kubeConfig = await fake.start();
  for (const object of clusterDns()) fake.put(object);
  fake.put(namespace('team-a', ADOPTED));
  return { fake, kubeConfig };
}

const leaderGauge = async (metrics: Metrics): Promise<number | undefined> => (await metrics.leader.get()).values[0]?.value;

const webhookConfiguration = (kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration') => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name: 'netfence' },
  webhooks: [{ name: 'networkpolicies.netfence.io', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { service: { name: 'netfence', namespace: 'netfence', path: '/validate', port: 443 } }, rules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources: ['networkpolicies'] }] }],
});

describe('cluster mode', () => {
  it('keeps the Lease in POD_NAMESPACE; while that namespace is missing it says so, netfence_leader reads 0 and nothing is written; once created it leads and provisions', async () => {
    const { fake, kubeConfig } = await startCluster();
    const logs = new LogLines();
    const metrics = new Metrics({ processMetrics: false });
    // The config says netfence; the pod runs in platform, which does not exist yet.
    const mode = clusterContext({ kubeConfig, source: 'test', explicit: true }, defaultConfig(), pino(logs.stream), metrics, undefined, { POD_NAMESPACE: 'platform', POD_NAME: 'netfence-7d9f-abcde' });
    cleanups.push(() => mode.stop());

    await until(() => logs.lines.some((line) => line['level'] === 50 && String(line['msg']).includes('namespace "platform" does not exist')), 'the error about the namespace');
    await until(() => mode.ready(), 'the caches to sync');
    expect(await leaderGauge(metrics)).toBe(0);
    expect(fake.get('NetworkPolicy', 'team-a', 'netfence-default-deny')).toBeUndefined();
    expect(fake.requests.filter((request) => request.path.includes('/namespaces/netfence/leases'))).toEqual([]);

    fake.put(namespace('platform'));
    await until(async () => (await leaderGauge(metrics)) === 1, 'netfence_leader to read 1', 15_000);
    expect(fake.get('Lease', 'platform', 'netfence-reconciler')?.['spec']).toMatchObject({ holderIdentity: 'netfence-7d9f-abcde' });
    await until(() => fake.get('NetworkPolicy', 'team-a', 'netfence-default-deny') !== undefined, 'the baseline of the adopted namespace');
    expect(logs.lines.filter((line) => line['level'] === 50)).toHaveLength(1); // said once, not on every retry
  });

  it('with self-managed certificates, the leader puts the caBundle into its webhook configurations before it writes its first policy', async () => {
    const { fake, kubeConfig } = await startCluster();
    fake.put(namespace('netfence'));
    fake.put(webhookConfiguration('ValidatingWebhookConfiguration'));
    fake.put(webhookConfiguration('MutatingWebhookConfiguration'));
    const logs = new LogLines();
    const logger = pino(logs.stream);
    const metrics = new Metrics({ processMetrics: false });
    const manager = new CertificateManager({ client: new KubeClient(kubeConfig), namespace: 'netfence', secretName: 'netfence-tls', webhookConfiguration: 'netfence', names: { dnsNames: ['netfence.netfence.svc'], ips: [] }, logger });
    const mode = clusterContext({ kubeConfig, source: 'test', explicit: true }, defaultConfig(), logger, metrics, manager, {});
    cleanups.push(() => mode.stop());

    await until(() => fake.get('NetworkPolicy', 'team-a', 'netfence-default-deny') !== undefined, 'the baseline of the adopted namespace', 15_000);
    const index = (matches: (method: string, path: string) => boolean) => fake.requests.findIndex((request) => matches(request.method, request.path));
    const bundles = ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'].map((plural) => index((method, path) => method === 'PUT' && path === `/apis/admissionregistration.k8s.io/v1/${plural}/netfence`));
    const firstPolicy = index((method, path) => method === 'POST' && path.startsWith('/apis/networking.k8s.io/v1/namespaces/'));
    expect(bundles.every((at) => at >= 0)).toBe(true);
    expect(firstPolicy).toBeGreaterThan(Math.max(...bundles));
    expect(await leaderGauge(metrics)).toBe(1);
  });

  it('the leader keeps the policies ClientIntents call for where the CRD is served, and none with intents.controller false', async () => {
    const tutorial = (ns: string) => [
      namespace(ns),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'client', namespace: ns }, spec: { selector: { matchLabels: { app: 'client' } }, template: { metadata: { labels: { app: 'client' } }, spec: { containers: [{ name: 'client', image: 'alpine/curl' }] } } } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'server', namespace: ns }, spec: { selector: { matchLabels: { app: 'server' } }, template: { metadata: { labels: { app: 'server' } }, spec: { containers: [{ name: 'server', image: 'nginx', ports: [{ containerPort: 80 }] }] } } } },
      { apiVersion: 'k8s.otterize.com/v2beta1', kind: 'ClientIntents', metadata: { name: 'client', namespace: ns }, spec: { workload: { name: 'client', kind: 'Deployment' }, targets: [{ kubernetes: { name: 'server', kind: 'Deployment' } }] } },
    ];
    for (const [controller, expected] of [[true, ['netfence-intents-client', 'netfence-intents-to-server']], [false, []]] as const) {
      const { fake, kubeConfig } = await startCluster();
      fake.install('k8s.otterize.com');
      fake.put(namespace('netfence'));
      for (const object of tutorial('tutorial')) fake.put(object as never);
      const logs = new LogLines();
      const config = { ...defaultConfig(), intentsController: controller };
      const mode = clusterContext({ kubeConfig, source: 'test', explicit: true }, config, pino(logs.stream), new Metrics({ processMetrics: false }), undefined, { POD_NAMESPACE: 'netfence', POD_NAME: 'netfence-0' });
      // The baseline of team-a written: the leader writes, and any intents policy would be on its way.
      await until(() => fake.get('NetworkPolicy', 'team-a', 'netfence-default-deny') !== undefined, 'the leader to write', 15_000);
      if (controller) await until(() => fake.get('NetworkPolicy', 'tutorial', 'netfence-intents-to-server') !== undefined, 'the intents policies', 15_000);
      else await new Promise((resolve) => setTimeout(resolve, 500));
      expect(fake.list('NetworkPolicy').filter((policy) => policy.metadata.namespace === 'tutorial').map((policy) => policy.metadata.name).sort(), `controller ${controller}`).toEqual(expected);
      expect(fake.requests.some((request) => request.path.includes('clientintents')), `controller ${controller}`).toBe(controller);
      await mode.stop();
      await fake.stop();
    }
  });
});
