import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cluster-cache.js';
import { ClusterContext } from '../../src/cluster/cluster-context.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { corednsPod, endpointSlice, kubeDnsService, namespace, networkPolicy } from '../support/kube-objects.js';
import { LogLines, fixture } from '../support/webhook.js';
import { until } from '../support/until.js';

/** The webhook in cluster mode: decisions from the live cache, readiness after sync. */

let server: FakeApiServer | undefined;
let stopCache: (() => void) | undefined;
afterEach(async () => {
  stopCache?.();
  await server?.stop();
});


const DNS_EGRESS = {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
};

describe('cluster mode', () => {
  it('is ready only after the caches synced, and decides on what the cluster holds now', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('kube-system'));
    server.put(namespace('team-a'));
    server.put(corednsPod('coredns-1', '10.244.0.10'));
    server.put(kubeDnsService());
    server.put(networkPolicy('team-a', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    server.put(networkPolicy('team-a', 'allow-dns', DNS_EGRESS));
    server.failNext(503); // the first list fails: not ready until a retry succeeds

    const cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: { info: () => undefined, warn: () => undefined }, serviceNamespaces: ['kube-system'], initialBackoffMs: 20 });
    stopCache = () => cache.stop();
    const logs = new LogLines();
    const app = buildApp({ context: new ClusterContext(cache, defaultConfig()), metrics: new Metrics({ processMetrics: false }), logger: pino(logs.stream), ready: () => cache.synced() });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    cache.start();
    await until(async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200, 'readiness');

    // Deleting the DNS allow (captured request 014) is denied: the cache has default-deny.
    const denied = (await app.inject({ method: 'POST', url: '/validate', payload: fixture('014') })).json().response;
    expect(denied.allowed).toBe(false);
    expect(denied.status.message).toContain('cannot reach cluster-dns (kube-system/kube-dns on 53/UDP)');

    // Once another policy allows DNS to every pod, the same deletion is fine.
    server.put(networkPolicy('team-a', 'dns-too', DNS_EGRESS));
    await until(() => cache.snapshot().policiesIn('team-a').length === 3, 'the watch event');
    const allowed = (await app.inject({ method: 'POST', url: '/validate', payload: fixture('014') })).json().response;
    expect(allowed.allowed).toBe(true);
  });

  it('`netfence serve --kubeconfig` watches the cluster, answers readyz, leads and provisions baselines', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('kube-system'));
    server.put(namespace('netfence')); // where the Lease lives: the API server refuses one in a namespace that does not exist
    server.put(corednsPod('coredns-1', '10.244.0.10'));
    server.put(kubeDnsService());
    server.put(endpointSlice('default', 'kubernetes', 'kubernetes', ['172.18.0.3'], [{ name: 'https', port: 6443 }]));
    const dir = mkdtempSync(join(tmpdir(), 'netfence-serve-'));
    const kubeconfigFile = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigFile, kubeConfig.exportConfig());
    writeFileSync(join(dir, 'netfence.yaml'), 'apiServer: {enabled: true}\n');
    const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
    const args = ['serve', '--kubeconfig', kubeconfigFile, '--config', join(dir, 'netfence.yaml'), '--port', '0', '--host', '127.0.0.1', '--certs-dir', join(dir, 'certs')];
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await until(() => /"msg":"caches synced; essential services discovered"/.test(output) && /"address":"https:\/\/127\.0\.0\.1:\d+"/.test(output), 'serve to start and sync');
      expect(output).toContain('"msg":"cluster mode: watching namespaces and NetworkPolicies"');
      expect(output).toContain('cluster-dns: kube-system/kube-dns on 53/UDP');
      expect(output).toContain('api-server: default/kubernetes endpoints 172.18.0.3 on 6443/TCP');
      expect(server.requests.some((request) => request.path.startsWith('/apis/networking.k8s.io/v1/networkpolicies?limit='))).toBe(true);
      const port = Number(/"address":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(output)?.[1]);
      const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
      const fetchPath = (path: string) =>
        new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
          get({ host: '127.0.0.1', port, path, ca }, (response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode, body }));
          }).on('error', reject);
        });
      expect(await fetchPath('/readyz')).toEqual({ status: 200, body: '{"status":"ready"}' });
      // The one replica wins the Lease and provisions the baseline of a new namespace (labelled by the mutating webhook).
      server.put(namespace('team-z', { 'netfence.io/baseline': 'default' }));
      const fake = server;
      await until(() => fake.get('NetworkPolicy', 'team-z', 'netfence-default-deny') !== undefined, 'the baseline of a new namespace');
      expect(server.get('Lease', 'netfence', 'netfence-reconciler')).toBeDefined();
      expect((await fetchPath('/metrics')).body).toMatch(/^netfence_leader 1$/m);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
