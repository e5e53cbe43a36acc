import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cluster-cache.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { Reflector } from '../../src/cluster/reflector.js';
import type { ReflectorLogger } from '../../src/cluster/reflector.js';
import { decodeNamespace } from '../../src/k8s/namespace.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { corednsPod, endpointSlice, kubeDnsService, namespace, networkPolicy } from '../support/kube-objects.js';
import { until } from '../support/until.js';

/**
 * The live cache against a server speaking the Kubernetes REST and watch protocol on loopback
 * (HTTPS, bearer token), with @kubernetes/client-node's KubeConfig and Watch doing the talking.
 */

/** WATCHES: namespaces, networkpolicies, kube-system pods and services, default/kubernetes EndpointSlices. */
const WATCHES = 5;

const quiet = { info: () => undefined, warn: () => undefined };

/** warningsOf is a logger that keeps each warning as `message: error`. */
function warningsOf(warnings: string[]): ReflectorLogger {
  return { info: () => undefined, warn: (fields: { error?: string }, message: string) => warnings.push(`${message}: ${fields.error ?? ''}`) };
}

/** namespaceReflector lists and watches the fake server's namespaces by itself, without a ClusterCache. */
function namespaceReflector(client: KubeClient, options: { logger?: ReflectorLogger; pageSize?: number; initialBackoffMs?: number } = {}): Reflector<unknown> {
  return new Reflector({ client, path: '/api/v1/namespaces', decode: decodeNamespace, logger: quiet, onChange: () => undefined, ...options });
}

/**
 * compactAfterFirstPages compacts the fake's history after each of the first `times` first pages
 * of a list with pageSize 3, so the next page's continue token has expired; then it adds a
 * namespace (after: the list's resourceVersion is then past the compaction).
 */
function compactAfterFirstPages(client: KubeClient, fake: FakeApiServer, times: number): void {
  let compactions = 0;
  const realRequest = client.request.bind(client);
  client.request = async (...args: Parameters<KubeClient['request']>) => {
    const response = await realRequest(...args);
    if (compactions < times && args[1].includes('limit=3') && !args[1].includes('continue=')) {
      compactions++;
      fake.compact();
      fake.put(namespace(`tenant-late-${compactions}`));
    }
    return response;
  };
}
let server: FakeApiServer | undefined;
let cache: ClusterCache | undefined;

afterEach(async () => {
  cache?.stop();
  await server?.stop();
  cache = undefined;
  server = undefined;
});


async function started(): Promise<{ server: FakeApiServer; cache: ClusterCache }> {
  server = new FakeApiServer();
  const kubeConfig = await server.start();
  server.put(namespace('kube-system'));
  server.put(namespace('team-a', { tenant: 'a' }));
  server.put(corednsPod('coredns-1', '10.244.0.10'));
  server.put(kubeDnsService());
  server.put(networkPolicy('team-a', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
  cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: quiet, serviceNamespaces: ['kube-system'], initialBackoffMs: 20 });
  cache.start();
  const current = cache;
  await until(() => current.synced(), 'the first list');
  return { server, cache };
}

const policyNames = (cache: ClusterCache, ns: string): string[] => cache.snapshot().policiesIn(ns).map((policy) => policy.name);

describe('ClusterCache', () => {
  it('lists everything, then follows ADDED, MODIFIED and DELETED events', async () => {
    const { server, cache } = await started();
    expect(cache.snapshot().namespaceLabels('team-a')?.get('tenant')).toBe('a');
    expect(policyNames(cache, 'team-a')).toEqual(['default-deny']);
    expect(cache.snapshot().podsIn('kube-system').map((pod) => pod.name)).toEqual(['coredns-1']);
    await until(() => cache.healthy(), 'open watches');

    server.put(networkPolicy('team-a', 'allow-dns', { podSelector: {}, policyTypes: ['Egress'] }));
    await until(() => policyNames(cache, 'team-a').includes('allow-dns'), 'ADDED');
    server.put(namespace('team-a', { tenant: 'a', 'netfence.io/mode': 'audit' }));
    await until(() => cache.snapshot().namespaceLabels('team-a')?.get('netfence.io/mode') === 'audit', 'MODIFIED');
    server.remove('NetworkPolicy', 'team-a', 'default-deny');
    await until(() => !policyNames(cache, 'team-a').includes('default-deny'), 'DELETED');
  });

  it("follows the API server's own EndpointSlices, and only those (label selector on list and watch)", async () => {
    const { server, cache } = await started();
    await until(() => cache.healthy(), 'open watches');
    server.put(endpointSlice('default', 'kubernetes', 'kubernetes', ['10.0.0.5'], [{ name: 'https', port: 6443 }]));
    server.put(endpointSlice('default', 'web-abcde', 'web', ['10.244.1.7'], [{ name: 'http', port: 8080 }]));
    await until(() => cache.snapshot().endpointSlices().length > 0, 'the slice');
    server.put(endpointSlice('default', 'kubernetes', 'kubernetes', ['10.0.0.5', '10.0.0.6'], [{ name: 'https', port: 6443 }]));
    await until(() => cache.snapshot().endpointSlices()[0]?.addresses.length === 2, 'the MODIFIED slice');
    expect(cache.snapshot().endpointSlices().map((slice) => slice.name)).toEqual(['kubernetes']);
    expect(server.requests.some((request) => request.path.includes('endpointslices') && request.path.includes('labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes'))).toBe(true);
  });

  it('lists a page at a time, and starts the list again when a continue token expires', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    for (let i = 0; i < 7; i++) server.put(namespace(`tenant-${i}`));
    const client = new KubeClient(kubeConfig);
    const reflector = namespaceReflector(client, { pageSize: 3 });
    // Compacted after the first page: the second page's token is then too old.
    compactAfterFirstPages(client, server, 1);
    void reflector.run();
    await until(() => reflector.synced(), 'the list');
    reflector.stop();
    expect([...reflector.items.keys()].sort()).toEqual([...Array.from({ length: 7 }, (_, i) => `/tenant-${i}`), '/tenant-late-1'].sort());
    const pages = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/v1/namespaces?'));
    expect(pages.map((page) => page.status)).toEqual([200, 410, 200, 200, 200]); // first page, expired token, then 8 objects in 3 pages
    expect(pages.every((page) => page.path.includes('limit=3'))).toBe(true);
  });

  it('starts a list again once when its continue token expires, and backs off when it expires again', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    for (let i = 0; i < 5; i++) server.put(namespace(`tenant-${i}`));
    const client = new KubeClient(kubeConfig);
    const warnings: string[] = [];
    const reflector = namespaceReflector(client, { logger: warningsOf(warnings), pageSize: 3, initialBackoffMs: 20 });
    // Compacted after each of the first three first pages: two expiries in one list.
    compactAfterFirstPages(client, server, 3);
    void reflector.run();
    await until(() => reflector.synced(), 'the list');
    reflector.stop();
    expect(reflector.items.size).toBe(8);
    const pages = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/api/v1/namespaces?'));
    // first page, expired; again, expired: failed. After the backoff: first page, expired; again, in 3 pages.
    expect(pages.map((page) => page.status)).toEqual([200, 410, 200, 410, 200, 410, 200, 200, 200]);
    expect(warnings).toEqual(['list failed; retrying: GET /api/v1/namespaces: the continue token expired twice during one list (410 Gone)']);
  });

  it('gives up on a list the API server does not answer, and tries again (readyz stays false meanwhile)', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('team-a'));
    server.hangNext(2);
    cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: quiet, serviceNamespaces: ['kube-system'], initialBackoffMs: 20, requestTimeoutMs: 300 });
    cache.start();
    const current = cache;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(current.synced()).toBe(false);
    await until(() => current.synced(), 'the list after the timeouts');
    expect(current.snapshot().namespace('team-a')).toBeDefined();
    expect(server.requests.filter((request) => request.status === 0)).toHaveLength(2);
  });

  it('rebuilds only the namespace that changed: other namespaces keep their policy list (and its caches)', async () => {
    const { server, cache } = await started();
    server.put(namespace('team-b'));
    server.put(networkPolicy('team-b', 'b-1', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-b').length === 1, 'team-b');
    const teamA = cache.snapshot().policiesIn('team-a');
    server.put(networkPolicy('team-b', 'b-0', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-b').length === 2, 'the new policy');
    expect(cache.snapshot().policiesIn('team-a')).toBe(teamA); // untouched namespace: the same list
    expect(policyNames(cache, 'team-b')).toEqual(['b-0', 'b-1']); // sorted by name
    server.remove('NetworkPolicy', 'team-b', 'b-0');
    server.remove('NetworkPolicy', 'team-b', 'b-1');
    await until(() => policyNames(cache, 'team-b').length === 0, 'the deletions');
    expect(cache.snapshot().policies().map((policy) => `${policy.namespace}/${policy.name}`)).toEqual(['team-a/default-deny']);
  });

  it('agrees with a state built from scratch after any sequence of changes', async () => {
    const { server, cache } = await started();
    const names = ['p', 'q', 'r'];
    const namespaces = ['team-a', 'team-b', 'team-c'];
    const operation = fc.record({ put: fc.boolean(), namespace: fc.constantFrom(...namespaces), name: fc.constantFrom(...names), app: fc.constantFrom('web', 'db') });
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 8 }), async (operations) => {
        for (const op of operations) {
          if (op.put) server.put(networkPolicy(op.namespace, op.name, { podSelector: { matchLabels: { app: op.app } } }));
          else server.remove('NetworkPolicy', op.namespace, op.name);
        }
        const appOf = (spec: unknown): string => String((spec as { podSelector?: { matchLabels?: { app?: string } } }).podSelector?.matchLabels?.app ?? '');
        const expected = () => server.list('NetworkPolicy').map((object) => `${object.metadata.namespace}/${object.metadata.name}:${appOf(object['spec'])}`).sort();
        const actual = () => cache.snapshot().policies().map((policy) => `${policy.namespace}/${policy.name}:${policy.podSelector.matchLabels.get('app') ?? ''}`);
        await until(() => JSON.stringify(actual()) === JSON.stringify(expected()), 'the cache to catch up');
        const fresh = new MemoryState({ namespaces: [...cache.snapshot().namespaces()], pods: [], services: [], policies: [...cache.snapshot().policies()] });
        for (const ns of [...namespaces, 'kube-system']) expect(cache.snapshot().policiesIn(ns)).toEqual(fresh.policiesIn(ns));
      }),
      { numRuns: 15 },
    );
  });

  it('keeps the same snapshot until something changes', async () => {
    const { server, cache } = await started();
    const first = cache.snapshot();
    expect(cache.snapshot()).toBe(first);
    server.put(networkPolicy('team-a', 'x', { podSelector: {} }));
    await until(() => cache.snapshot() !== first, 'a new snapshot');
  });

  it('rewatches from where it was when a stream is cut, missing nothing', async () => {
    const { server, cache } = await started();
    await until(() => server.watchCount() === WATCHES, 'every watch');
    server.cutWatches();
    server.put(networkPolicy('team-a', 'while-cut', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-a').includes('while-cut'), 'the event made while the watch was down');
    const relists = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/apis/networking.k8s.io/v1/networkpolicies?limit='));
    expect(relists).toHaveLength(1); // resumed from its resourceVersion: no second list
  });

  it('relists on 410 Gone, dropping what was deleted meanwhile', async () => {
    const { server, cache } = await started();
    await until(() => server.watchCount() === WATCHES, 'every watch');
    server.cutWatches();
    server.remove('NetworkPolicy', 'team-a', 'default-deny');
    server.compact(); // the deletion event is no longer in the history
    server.put(networkPolicy('team-a', 'after-compaction', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-a').join() === 'after-compaction', 'a relist');
    const lists = server.requests.filter((request) => request.method === 'GET' && request.path.startsWith('/apis/networking.k8s.io/v1/networkpolicies?limit='));
    expect(lists.length).toBeGreaterThanOrEqual(2);
  });

  it('relists at once, without a warning or a backoff, when its watch gets a 410 ERROR event', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.put(namespace('tenant-a'));
    const warnings: string[] = [];
    // A backoff would outlast the test.
    const reflector = namespaceReflector(new KubeClient(kubeConfig), { logger: warningsOf(warnings), initialBackoffMs: 60_000 });
    void reflector.run();
    try {
      const fake = server;
      await until(() => reflector.healthy() && fake.watchCount() === 1, 'the watch');
      // The watch ends as at its timeout and resumes from before the compaction: ERROR 410 Expired.
      server.compact();
      server.endWatches();
      server.put(namespace('tenant-b')); // seen by the relist, not by a watch
      await until(() => reflector.items.has('/tenant-b') && reflector.healthy(), 'a relist and a new watch');
      expect(warnings).toEqual([]);
    } finally {
      reflector.stop();
    }
  });

  it('backs off through API server errors, keeps serving the last state, and recovers', async () => {
    const { server, cache } = await started();
    await until(() => server.watchCount() === WATCHES, 'every watch');
    server.failNext(500, 500, 500, 500, 500, 500);
    server.cutWatches();
    expect(policyNames(cache, 'team-a')).toEqual(['default-deny']); // stale but served
    expect(cache.synced()).toBe(true);
    await until(() => server.watchCount() === WATCHES && cache.healthy(), 'recovery');
    server.put(networkPolicy('team-a', 'after-recovery', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-a').includes('after-recovery'), 'events after recovery');
  });

  it('understands BOOKMARK events and keeps only what the rules need', async () => {
    const { server, cache } = await started();
    await until(() => server.watchCount() === WATCHES, 'every watch');
    server.bookmark();
    server.put(networkPolicy('team-a', 'later', { podSelector: {} }));
    await until(() => policyNames(cache, 'team-a').includes('later'), 'an event after a bookmark');
    const policy = cache.snapshot().policiesIn('team-a')[0];
    expect(Object.keys(policy ?? {}).sort()).toEqual(['egress', 'ingress', 'labels', 'name', 'namespace', 'podSelector', 'policyTypes', 'policyTypesDefaulted']);
  });

  it('is not synced while the API server refuses the first list', async () => {
    server = new FakeApiServer();
    const kubeConfig = await server.start();
    server.failNext(503, 503, 503, 503, 503, 503, 503, 503);
    cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: quiet, serviceNamespaces: ['kube-system'], initialBackoffMs: 20 });
    cache.start();
    expect(cache.synced()).toBe(false);
    const current = cache;
    await until(() => current.synced(), 'a successful list after the failures');
  });
});
