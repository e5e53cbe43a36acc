import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cluster-cache.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { Reconciler } from '../../src/cluster/reconciler.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { clusterDns, namespace, networkPolicy } from '../support/kube-objects.js';
import { until } from '../support/until.js';

/** Baseline provisioning and drift repair against the fake API server, through the watch. */

let server: FakeApiServer | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  await server?.stop();
});


interface Harness {
  server: FakeApiServer;
  errors: string[];
  counts: { provisioned: number; repaired: number };
}

const ADOPTED = { 'netfence.io/baseline': 'default' };

async function startReconciler({ fight = { repairs: 5, windowMs: 60_000 }, config = defaultConfig() } = {}): Promise<Harness> {
  server = new FakeApiServer();
  const kubeConfig = await server.start();
  for (const object of clusterDns()) server.put(object);
  server.put(namespace('existing', ADOPTED)); // created before netfence started, adopted by an admin: backfilled
  server.put(namespace('dying', ADOPTED));
  server.put(namespace('legacy')); // created before netfence, never adopted: left alone
  const client = new KubeClient(kubeConfig);
  const errors: string[] = [];
  const counts = { provisioned: 0, repaired: 0 };
  const logger = { info: () => undefined, warn: () => undefined, error: (_: object, message: string) => errors.push(message) };
  let reconciler: Reconciler | undefined;
  const cache = new ClusterCache({ client, logger, serviceNamespaces: ['kube-system'], initialBackoffMs: 20, onChange: () => reconciler?.notify() });
  reconciler = new Reconciler({
    client,
    cache,
    config,
    logger,
    debounceMs: 20,
    fight,
    counters: { provisioned: () => counts.provisioned++, repaired: () => counts.repaired++ },
  });
  const current = reconciler;
  stop = () => {
    current.stop();
    cache.stop();
  };
  cache.start();
  return { server, errors, counts };
}

const baselineOf = (server: FakeApiServer, ns: string) => server.get('NetworkPolicy', ns, 'netfence-default-deny');
/** events are the reasons of the Events about a namespace; the API server keeps them in `default`, naming the namespace by uid. */
const events = (server: FakeApiServer, ns: string) =>
  server
    .list('Event')
    .filter((event) => {
      const about = event['involvedObject'] as { kind?: string; name?: string; uid?: string } | undefined;
      return event.metadata.namespace === 'default' && about?.kind === 'Namespace' && about.name === ns && about.uid === server.get('Namespace', undefined, ns)?.metadata.uid;
    })
    .map((event) => String(event['reason']));

describe('Reconciler', () => {
  it('backfills adopted namespaces that existed before it, and provisions new ones within seconds', async () => {
    const { server, counts } = await startReconciler();
    await until(() => baselineOf(server, 'existing') !== undefined, 'the backfill');
    server.put(namespace('team-new', ADOPTED)); // as the mutating webhook labels it
    await until(() => baselineOf(server, 'team-new') !== undefined, 'the new namespace baseline');
    const policy = baselineOf(server, 'team-new');
    expect(policy?.metadata['labels']).toEqual({ 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/profile': 'default' });
    expect(policy?.['spec']).toMatchObject({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    await until(() => events(server, 'team-new').includes('BaselineProvisioned'), 'the event');
    expect(counts.provisioned).toBeGreaterThanOrEqual(2);
    expect(baselineOf(server, 'kube-system')).toBeUndefined(); // exempt
  });

  it('writes nothing into a namespace that is not adopted, and provisions it within seconds of its adoption', async () => {
    const { server } = await startReconciler();
    await until(() => baselineOf(server, 'existing') !== undefined, 'the backfill');
    server.put(namespace('team-late')); // created while the mutating webhook was down: no label
    // The watch delivers in order: once the marker is provisioned, a pass has seen team-late too.
    server.put(namespace('marker', ADOPTED));
    await until(() => baselineOf(server, 'marker') !== undefined, 'a pass after team-late');
    expect(server.list('NetworkPolicy').filter((policy) => ['legacy', 'team-late'].includes(policy.metadata.namespace ?? ''))).toEqual([]);
    expect(events(server, 'legacy')).toEqual([]);
    server.put(namespace('legacy', ADOPTED)); // kubectl label namespace legacy netfence.io/baseline=default
    await until(() => baselineOf(server, 'legacy') !== undefined, 'the adoption');
    await until(() => events(server, 'legacy').includes('BaselineProvisioned'), 'the event');
    expect(baselineOf(server, 'team-late')).toBeUndefined();
  });

  it('with adoptExisting, backfills every unlabelled namespace with the default profile', async () => {
    const { server } = await startReconciler({ config: { ...defaultConfig(), adoptExisting: true } });
    await until(() => baselineOf(server, 'legacy') !== undefined, 'the backfill of the unlabelled namespace');
    expect(baselineOf(server, 'legacy')?.metadata['labels']).toEqual({ 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/profile': 'default' });
    expect(baselineOf(server, 'kube-system')).toBeUndefined();
  });

  it('repairs a deleted or edited managed policy', async () => {
    const { server, counts } = await startReconciler();
    await until(() => baselineOf(server, 'existing') !== undefined, 'the backfill');
    server.remove('NetworkPolicy', 'existing', 'netfence-default-deny');
    await until(() => baselineOf(server, 'existing') !== undefined, 'the re-creation');
    const current = baselineOf(server, 'existing');
    if (current === undefined) throw new Error('no baseline');
    server.put({ ...current, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
    await until(() => JSON.stringify(baselineOf(server, 'existing')?.['spec']).includes('Egress'), 'the repair of the edit');
    await until(() => events(server, 'existing').includes('BaselineRepaired'), 'the event');
    // The edited spec is visible as soon as the PUT lands, a moment before the repair is counted.
    await until(() => counts.repaired >= 2, 'both repairs (re-creation and edit) to be counted');
  });

  it('removes managed policies on opt-out, and leaves terminating namespaces alone', async () => {
    const { server } = await startReconciler();
    await until(() => baselineOf(server, 'existing') !== undefined && baselineOf(server, 'dying') !== undefined, 'the backfill');
    server.put(namespace('existing', { 'netfence.io/baseline': 'none' }));
    await until(() => baselineOf(server, 'existing') === undefined, 'the removal');
    server.put({ ...namespace('dying'), metadata: { name: 'dying', labels: ADOPTED, deletionTimestamp: '2026-11-24T10:00:00Z' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.remove('NetworkPolicy', 'dying', 'netfence-default-deny'); // the namespace controller at work
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(baselineOf(server, 'dying')).toBeUndefined();
  });

  it('keeps tenant policies, and does not fight another controller forever', async () => {
    const { server, errors } = await startReconciler({ fight: { repairs: 3, windowMs: 60_000 } });
    server.put(networkPolicy('existing', 'tenant-own', { podSelector: {}, policyTypes: ['Ingress'] }));
    await until(() => baselineOf(server, 'existing') !== undefined, 'the backfill');
    // Another controller keeps removing Egress from the managed policy.
    for (let round = 0; round < 6; round++) {
      const current = baselineOf(server, 'existing');
      if (current === undefined) throw new Error('no baseline');
      server.put({ ...current, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await until(() => errors.some((message) => message.includes('another controller keeps changing')), 'the fight to be reported');
    expect(events(server, 'existing')).toContain('BaselineContested');
    expect(server.get('NetworkPolicy', 'existing', 'tenant-own')).toBeDefined();
  });
});
