import { connect, createServer, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { LeaderElection, leaseNamespace } from '../../src/cluster/leader-election.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { namespace } from '../support/kube-objects.js';
import { sleep, until } from '../support/until.js';

/** Replicas on one Lease: exactly one leads; another takes over when the leader stops or is cut off. */

let server: FakeApiServer | undefined;
const elections: LeaderElection[] = [];
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await Promise.all(elections.splice(0).map((election) => election.stop()));
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.stop();
});



/**
 * partitionable puts a TCP proxy on loopback in front of the API server; cut() drops every
 * connection and refuses new ones, as a network partition (or a dead node) would for that replica.
 */
async function partitionable(kubeConfig: KubeConfig): Promise<{ kubeConfig: KubeConfig; cut: () => void }> {
  const target = new URL(kubeConfig.getCurrentCluster()?.server ?? '');
  const sockets = new Set<Socket>();
  const proxy = createServer((socket) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(socket).add(upstream);
    socket.pipe(upstream).pipe(socket);
    const drop = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const address = proxy.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: [{ ...cluster, name: 'proxied', server: `https://127.0.0.1:${address.port}` }],
    users: user === null ? [] : [user],
    contexts: [{ name: 'proxied', cluster: 'proxied', user: user?.name ?? '' }],
    currentContext: 'proxied',
  });
  const cut = (): void => {
    proxy.close();
    for (const socket of sockets) socket.destroy();
  };
  cleanups.push(cut);
  return { kubeConfig: proxied, cut };
}

/** startApiServer starts the fake API server the replicas share (stopped after each test), with the Lease's namespace unless told otherwise. */
async function startApiServer({ withNamespace = true } = {}): Promise<KubeConfig> {
  server = new FakeApiServer();
  const kubeConfig = await server.start();
  if (withNamespace) server.put(namespace('netfence'));
  return kubeConfig;
}

interface Replicas {
  readonly transitions: string[];
  /** errors are the messages logged at error level. */
  readonly errors: string[];
  start(identity: string, kubeConfig: KubeConfig, options?: { retryMs?: number; now?: () => number }): LeaderElection;
}

/** replicas makes elections on one Lease and records every transition as "<identity> leads|stops". */
function replicas(leaseSeconds: number): Replicas {
  const transitions: string[] = [];
  const errors: string[] = [];
  const logger = { info: () => undefined, warn: () => undefined, error: (_: object, message: string) => errors.push(message) };
  return {
    transitions,
    errors,
    start(identity, kubeConfig, options = {}) {
      const election = new LeaderElection({
        client: new KubeClient(kubeConfig),
        namespace: 'netfence',
        name: 'netfence-reconciler',
        identity,
        leaseSeconds,
        retryMs: options.retryMs ?? 100,
        logger,
        ...(options.now === undefined ? {} : { now: options.now }),
        onStartedLeading: () => transitions.push(`${identity} leads`),
        onStoppedLeading: () => transitions.push(`${identity} stops`),
      });
      elections.push(election);
      election.start();
      return election;
    },
  };
}

const lease = (): Record<string, unknown> | undefined => {
  const spec = server?.get('Lease', 'netfence', 'netfence-reconciler')?.['spec'];
  return typeof spec === 'object' && spec !== null ? { ...spec } : undefined;
};

describe('LeaderElection', () => {
  it('elects exactly one of two replicas', async () => {
    const kubeConfig = await startApiServer();
    const group = replicas(1);
    const a = group.start('replica-a', kubeConfig);
    const b = group.start('replica-b', kubeConfig);
    await until(() => a.isLeader() || b.isLeader(), 'a leader');
    await sleep(500);
    expect(Number(a.isLeader()) + Number(b.isLeader())).toBe(1);
    expect(lease()).toMatchObject({ holderIdentity: a.isLeader() ? 'replica-a' : 'replica-b', leaseDurationSeconds: 1 });
    // The first GET found no Lease (404, naming the lease): normal, nothing to report.
    expect(group.errors).toEqual([]);
  });

  it('fails over once a leader cut off from the API server lets its lease expire', async () => {
    const kubeConfig = await startApiServer();
    const partition = await partitionable(kubeConfig);
    const group = replicas(1);
    const a = group.start('replica-a', partition.kubeConfig);
    await until(() => a.isLeader(), 'replica-a to lead');
    const b = group.start('replica-b', kubeConfig);
    await sleep(300);
    expect(b.isLeader()).toBe(false);

    partition.cut();
    await until(() => b.isLeader(), 'replica-b to take over after the lease expired');
    await until(() => !a.isLeader(), 'replica-a to notice it can no longer renew');
    expect(lease()).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(group.transitions.filter((line) => line.endsWith('leads'))).toEqual(['replica-a leads', 'replica-b leads']);
  });

  it('hands the lease over on stop, so the other replica leads long before the lease would expire', async () => {
    const kubeConfig = await startApiServer();
    const group = replicas(60);
    const a = group.start('replica-a', kubeConfig);
    await until(() => a.isLeader(), 'replica-a to lead');
    const b = group.start('replica-b', kubeConfig);
    await a.stop();
    expect(lease()).toMatchObject({ holderIdentity: '' });
    // The lease lasts 60 s: waiting for it to expire would time out here.
    await until(() => b.isLeader(), 'replica-b to take the released lease', 10_000);
    expect(lease()).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
    expect(group.transitions).toEqual(['replica-a leads', 'replica-a stops', 'replica-b leads']);
  });

  it('never leads again once stopped, even when a renewal was in flight at the stop', async () => {
    const kubeConfig = await startApiServer();
    const group = replicas(60);
    const only = group.start('replica-a', kubeConfig);
    await until(() => only.isLeader(), 'the replica to lead');
    // The next renewal (a GET, then a PUT) is answered slowly; stop while it is in flight
    // (renewals start every 100 ms, each answer takes 300 ms).
    server?.slowNext(2, 300);
    await sleep(150);
    await only.stop();
    await sleep(800);
    expect(only.isLeader()).toBe(false);
    expect(group.transitions).toEqual(['replica-a leads', 'replica-a stops']);
    expect(lease()).toMatchObject({ holderIdentity: '' });
  });

  it('says the Lease\'s namespace does not exist, once a minute rather than on every retry, and leads once it is created', async () => {
    const kubeConfig = await startApiServer({ withNamespace: false });
    const fake = server;
    if (fake === undefined) throw new Error('no server');
    let now = Date.parse('2026-12-01T14:00:00Z');
    const group = replicas(15);
    const only = group.start('replica-a', kubeConfig, { retryMs: 20, now: () => now });
    // Each attempt is a GET (404, the lease) and a POST (404, the namespace).
    const refusedCreates = () => fake.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/leases') && request.status === 404).length;
    await until(() => refusedCreates() >= 5, 'five refused creates');
    expect(only.isLeader()).toBe(false);
    expect(group.errors).toHaveLength(1);
    expect(group.errors[0]).toContain('namespace "netfence" does not exist');
    expect(group.errors[0]).toContain('kubectl create namespace netfence');
    expect(group.errors[0]).toContain('POD_NAMESPACE');

    now += 60_000; // a minute later (by the election's clock) it is said again, once
    const before = refusedCreates();
    await until(() => refusedCreates() >= before + 3, 'three more refused creates');
    expect(group.errors).toHaveLength(2);

    fake.put(namespace('netfence'));
    await until(() => only.isLeader(), 'the replica to lead once the namespace exists');
    expect(group.transitions).toEqual(['replica-a leads']);
    expect(group.errors).toHaveLength(2);
  });
});

describe('leaseNamespace', () => {
  it.each([
    { env: { POD_NAMESPACE: 'platform' }, config: 'netfence', expected: 'platform' },
    { env: {}, config: 'netfence', expected: 'netfence' },
    { env: { POD_NAMESPACE: '' }, config: 'security', expected: 'security' },
    { env: { POD_NAMESPACE: ' platform\n' }, config: 'netfence', expected: 'platform' },
  ])('POD_NAMESPACE=$env.POD_NAMESPACE, config namespace $config: $expected', ({ env, config, expected }) => {
    expect(leaseNamespace(env, { namespace: config })).toBe(expected);
  });
});
