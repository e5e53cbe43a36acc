// Memory benchmark (issue 6): the live cache of a big cluster. A loopback server speaking the
// Kubernetes list and watch protocol (in a child process) holds NAMESPACES namespaces with
// POLICIES_PER_NAMESPACE NetworkPolicies each, shaped as the API server returns them (managedFields,
// last-applied annotations); netfence's ClusterCache lists and watches them through
// @kubernetes/client-node, as `netfence serve` does. Reported: RSS and heap of the process holding
// the cache against the same process before it listed anything (the baseline), bytes per policy,
// the time to sync, and the time to rebuild the snapshot after one change.
import { fork } from 'node:child_process';
import { createServer } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { ClusterCache } from '../dist/cluster/cluster-cache.js';
import { KubeClient } from '../dist/cluster/kube-client.js';
import { tuneRuntime } from '../dist/server/runtime.js';
import { printTable } from './measure.mjs';

const NAMESPACES = Number(process.env.BENCH_NAMESPACES ?? 10_000);
const POLICIES_PER_NAMESPACE = Number(process.env.BENCH_POLICIES_PER_NAMESPACE ?? 5);
// BENCH_UNIQUE=1: every policy's labels and selectors name its namespace, so no two policies are alike
// (within a namespace they still share rule lists, as real policies of one application do).
const UNIQUE = process.env.BENCH_UNIQUE === '1';

export function namespaceObject(n) {
  const name = `tenant-${n}`;
  return {
    metadata: {
      name,
      uid: `0b6f4a52-${String(n).padStart(4, '0')}-4c4e-9d0e-5b8f0f3d${String(n).padStart(4, '0')}`,
      resourceVersion: String(1000 + n),
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { 'kubernetes.io/metadata.name': name, team: `team-${n % 300}`, 'netfence.io/baseline': 'default' },
      managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } } } }],
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function policyObject(n, k) {
  const namespace = `tenant-${n}`;
  const app = `${['web', 'api', 'db', 'cache', 'worker'][k % 5]}${UNIQUE ? `-${n}` : ''}`;
  const spec =
    k === 0
      ? { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] }
      : {
          podSelector: { matchLabels: { app } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: UNIQUE ? `web-${n}` : 'web' } } }, { namespaceSelector: { matchLabels: { team: `team-${n % 300}` } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
          egress: [{ to: [{ podSelector: { matchLabels: { app: UNIQUE ? `db-${n}` : 'db' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.96.0.0/12'] } }], ports: [{ protocol: 'TCP', port: 5432 }] }],
        };
  const name = k === 0 ? 'default-deny' : `${app}-${k}`;
  return {
    metadata: {
      name,
      namespace,
      uid: `7c1d2e3f-${String(n).padStart(5, '0')}-${k}-a1b2-c3d4e5f6a7b8`,
      resourceVersion: String(100_000 + n * 10 + k),
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: k === 0 ? { 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/profile': 'default' } : { app },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec }) },
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'networking.k8s.io/v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:podSelector': {}, 'f:policyTypes': {}, 'f:ingress': {}, 'f:egress': {} } } }],
    },
    spec,
  };
}

/** serve runs in the child: lists and (idle) watches of the synthetic cluster over HTTPS. */
function serve(certs) {
  const lists = {
    '/api/v1/namespaces': { apiVersion: 'v1', kind: 'NamespaceList', metadata: { resourceVersion: '999999' }, items: Array.from({ length: NAMESPACES }, (_, n) => namespaceObject(n)) },
    '/apis/networking.k8s.io/v1/networkpolicies': {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicyList',
      metadata: { resourceVersion: '999999' },
      items: Array.from({ length: NAMESPACES * POLICIES_PER_NAMESPACE }, (_, i) => policyObject(Math.floor(i / POLICIES_PER_NAMESPACE), i % POLICIES_PER_NAMESPACE)),
    },
  };
  const bytes = Object.values(lists).reduce((sum, list) => sum + JSON.stringify(list).length, 0);
  const watchers = [];
  const server = createServer({ key: certs.key, cert: certs.cert }, (request, response) => {
    const url = new URL(request.url, 'https://localhost');
    if (url.searchParams.get('watch') === 'true') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.flushHeaders();
      watchers.push({ path: url.pathname, response });
      return;
    }
    // Pages, as the API server serves them to a client that asks for a limit.
    const list = lists[url.pathname] ?? { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '999999' }, items: [] };
    const limit = Number(url.searchParams.get('limit') ?? '0') || list.items.length;
    const offset = Number(url.searchParams.get('continue') ?? '0');
    const more = offset + limit < list.items.length;
    const page = { ...list, metadata: { resourceVersion: '999999', ...(more ? { continue: String(offset + limit) } : {}) }, items: list.items.slice(offset, offset + limit) };
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(page));
  });
  let version = 1_000_000;
  process.on('message', (message) => {
    if (message === 'change') {
      const object = policyObject(0, 1);
      object.metadata.resourceVersion = String(++version);
      object.spec.podSelector = { matchLabels: { app: `changed-${version}` } };
      for (const watcher of watchers.filter((w) => w.path.endsWith('/networkpolicies'))) watcher.response.write(`${JSON.stringify({ type: 'MODIFIED', object: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', ...object } })}\n`);
    }
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, bytes }));
}

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function settle() {
  for (let i = 0; i < 3; i++) global.gc?.();
  return process.memoryUsage();
}

/** runMemoryBenchmark prints the cache's memory for the synthetic cluster. */
export async function runMemoryBenchmark() {
  tuneRuntime(); // as `netfence serve` does, before its cache is built
  const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { env: { ...process.env, BENCH_CERTS: JSON.stringify(certs) } });
  const { port, bytes } = await new Promise((resolve) => child.once('message', resolve));
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'bench', server: `https://127.0.0.1:${port}`, caData: Buffer.from(certs.caCert).toString('base64') }],
      users: [{ name: 'bench', token: 'bench' }],
      contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
      currentContext: 'bench',
    });
    const before = settle();
    const quiet = { info: () => undefined, warn: (fields, message) => console.error(message, JSON.stringify(fields)) };
    const started = process.hrtime.bigint();
    const cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: quiet, serviceNamespaces: ['kube-system'] });
    cache.start();
    while (!cache.synced()) await new Promise((resolve) => setTimeout(resolve, 20));
    const snapshot = cache.snapshot();
    const syncMs = Number(process.hrtime.bigint() - started) / 1e6;
    const policies = snapshot.policies().length;
    const after = settle();
    // One policy changes (a watch event); the next decision needs a new snapshot.
    const changed = async () => {
      const seen = cache.snapshot();
      while (cache.snapshot() === seen) {
        child.send('change'); // again until the watch, which may still be opening, delivers it
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const rebuild = [];
    for (let i = 0; i < 5; i++) {
      const seen = cache.snapshot();
      child.send('change');
      while (!cache.healthy() || seen === cache.snapshot()) await changed();
      // cache.snapshot() just rebuilt it; time a rebuild on its own:
      child.send('change');
      const before = cache.snapshot();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const t = process.hrtime.bigint();
      const after = cache.snapshot();
      if (after !== before) rebuild.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    if (rebuild.length === 0) rebuild.push(NaN);
    rebuild.sort((a, b) => a - b);
    cache.stop();
    const runtime = process.env.BENCH_RUNTIME === 'image' ? `as installed: ${process.execArgv.filter((flag) => flag !== '--expose-gc').join(' ')}, MALLOC_MMAP_THRESHOLD_=${process.env.MALLOC_MMAP_THRESHOLD_}` : "Node's and glibc's defaults";
    console.log(`\n## Memory: the live cache of ${NAMESPACES.toLocaleString('en')} namespaces and ${policies.toLocaleString('en')} NetworkPolicies (${mib(bytes)} of JSON listed; ${UNIQUE ? 'every policy unique' : 'namespaces share policy shapes'}; ${runtime}; node ${process.version})\n`);
    printTable([
      { process: 'before listing (baseline)', RSS: mib(before.rss), heap: mib(before.heapUsed), 'per policy': '-', sync: '-', 'snapshot after a change': '-' },
      {
        process: 'cache synced',
        RSS: mib(after.rss),
        heap: mib(after.heapUsed),
        'per policy': `${Math.round((after.heapUsed - before.heapUsed) / policies).toLocaleString('en')} B heap`,
        sync: `${(syncMs / 1000).toFixed(1)} s`,
        'snapshot after a change': `${rebuild[Math.floor(rebuild.length / 2)].toFixed(0)} ms`,
      },
    ]);
    console.log(`\nTarget: under 250 MB RSS. RSS ${(after.rss / 1e6).toFixed(0)} MB (${mib(after.rss)}): ${after.rss / 1e6 < 250 ? 'met' : 'NOT met'}; ${((after.rss - before.rss) / 1e6).toFixed(0)} MB above the baseline.`);
  } finally {
    child.kill();
  }
}

if (process.argv[2] === 'serve') serve(JSON.parse(process.env.BENCH_CERTS));
else if (import.meta.url === `file://${process.argv[1]}`) {
  await runMemoryBenchmark();
  process.exit(0); // the watch connections' keep-alive sockets would hold the process open
}
