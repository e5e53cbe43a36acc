import { afterEach, describe, expect, it } from 'vitest';
import { ClusterCache } from '../../src/cluster/cluster-cache.js';
import { IntentsCache } from '../../src/cluster/intents-cache.js';
import { IntentsReconciler } from '../../src/cluster/intents-reconciler.js';
import { KubeClient } from '../../src/cluster/kube-client.js';
import { Reconciler } from '../../src/cluster/reconciler.js';
import { defaultConfig } from '../../src/config/defaults.js';
import type { Config } from '../../src/guardrails/config.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { reviewChange } from '../../src/guardrails/review.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { clusterDns, namespace } from '../support/kube-objects.js';
import { sleep, until } from '../support/until.js';

/**
 * Cluster mode for ClientIntents, against the test API server serving the ClientIntents CRD as the
 * chart installs it: Otterize's network-policy tutorial (Deployments client, client-other and
 * server, the Service server; client declares that it calls server). The leader writes the two
 * policies the intents call for, repairs them, deletes them with the intents, writes nothing in a
 * namespace in audit mode, and says what it did in Events on the ClientIntents.
 */

const NS = 'otterize-tutorial-npol';

let server: FakeApiServer | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  await server?.stop();
  server = undefined;
});

const deployment = (ns: string, name: string, ports: number[] = [], labels: Record<string, string> = { app: name }) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: { metadata: { labels }, spec: { containers: [{ name, image: 'nginx:1.27-alpine', ports: ports.map((containerPort) => ({ containerPort, name: 'http', protocol: 'TCP' })) }] } },
  },
  status: { replicas: 1, readyReplicas: 1 },
});

const service = (ns: string, name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { selector: { app: name }, clusterIP: '10.96.7.20', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }] },
});

const clientIntents = (ns: string, name: string, client: string, targets: object[], apiVersion = 'k8s.otterize.com/v2beta1') => ({
  apiVersion,
  kind: 'ClientIntents',
  metadata: { name, namespace: ns },
  spec: { workload: { name: client, kind: 'Deployment' }, targets },
});

/** TUTORIAL is the tutorial's namespace, workloads and Service, as the API server holds them. */
const tutorial = (ns: string, labels: Record<string, string> = {}) => [namespace(ns, labels), deployment(ns, 'client'), deployment(ns, 'client-other'), deployment(ns, 'server', [80]), service(ns, 'server')];
const CALLS_SERVER = [{ kubernetes: { name: 'server', kind: 'Deployment' } }];

interface Harness {
  readonly fake: FakeApiServer;
  readonly kubeConfig: Awaited<ReturnType<FakeApiServer['start']>>;
  readonly logs: Array<{ level: string; fields: object; message: string }>;
  readonly intentsCache: IntentsCache;
}

/** start runs the cluster cache, the intents cache and the intents reconciler (and, with `baseline`, the baseline reconciler) against a fake API server holding `objects`. */
async function start(objects: object[], { install = true as boolean | string[], baseline = false, config = defaultConfig() as Config, rediscoverMs = 60_000, fight = { repairs: 5, windowMs: 60_000 } } = {}): Promise<Harness> {
  const fake = new FakeApiServer();
  server = fake;
  const kubeConfig = await fake.start();
  if (install !== false) fake.install('k8s.otterize.com', install === true ? undefined : install);
  for (const object of [...clusterDns(), ...objects]) fake.put(object as never);
  const client = new KubeClient(kubeConfig);
  const logs: Harness['logs'] = [];
  const logger = {
    info: (fields: object, message: string) => logs.push({ level: 'info', fields, message }),
    warn: (fields: object, message: string) => logs.push({ level: 'warn', fields, message }),
    error: (fields: object, message: string) => logs.push({ level: 'error', fields, message }),
  };
  let intents: IntentsReconciler | undefined;
  let baselines: Reconciler | undefined;
  const notify = () => {
    intents?.notify();
    baselines?.notify();
  };
  const cache = new ClusterCache({ client, logger, serviceNamespaces: ['kube-system'], initialBackoffMs: 20, onChange: notify });
  const intentsCache = new IntentsCache({ client, logger, initialBackoffMs: 20, rediscoverMs, onChange: notify });
  intents = new IntentsReconciler({ client, cache, intents: intentsCache, config, logger, debounceMs: 20, fight, essentials: () => resolveEssentialServices(cache.snapshot(), config) });
  if (baseline) baselines = new Reconciler({ client, cache, config, logger, debounceMs: 20 });
  const [reconciler, baselineReconciler] = [intents, baselines];
  cleanups.push(() => {
    reconciler.stop();
    baselineReconciler?.stop();
    intentsCache.stop();
    cache.stop();
  });
  cache.start();
  intentsCache.start();
  return { fake, kubeConfig, logs, intentsCache };
}

const policy = (fake: FakeApiServer, ns: string, name: string) => fake.get('NetworkPolicy', ns, name);

/** events are the Events about a ClientIntents (kept in its namespace, naming it by uid), as `type reason: message`. */
const events = (fake: FakeApiServer, ns: string, name: string): string[] => {
  const uid = fake.get('ClientIntents', ns, name)?.metadata.uid;
  return fake
    .list('Event')
    .filter((event) => {
      const about = event['involvedObject'] as { kind?: string; name?: string; namespace?: string; uid?: string; apiVersion?: string } | undefined;
      return event.metadata.namespace === ns && about?.kind === 'ClientIntents' && about.name === name && about.namespace === ns && about.uid === uid && about.apiVersion?.startsWith('k8s.otterize.com/') === true;
    })
    .map((event) => `${String(event['type'])} ${String(event['reason'])}: ${String(event['message'])}`);
};

describe('the intents reconciler, on the tutorial', () => {
  it('writes netfence-intents-client and netfence-intents-to-server, exact and labelled, and says so in an IntentsApplied Event', async () => {
    const { fake } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER)]);
    await until(() => policy(fake, NS, 'netfence-intents-client') !== undefined && policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the generated policies');
    const egress = policy(fake, NS, 'netfence-intents-client');
    expect(egress?.metadata['labels']).toEqual({ 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/intents': 'client' });
    expect(egress?.['spec']).toMatchObject({
      podSelector: { matchLabels: { app: 'client' } },
      policyTypes: ['Egress'],
      egress: expect.arrayContaining([{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } }, podSelector: { matchLabels: { app: 'server' } } }], ports: [{ protocol: 'TCP', port: 80 }] }]),
    });
    // DNS as discovered: CoreDNS's pods in kube-system, not port 53 to anywhere.
    expect(JSON.stringify(egress?.['spec'])).toContain('kube-dns');
    const ingress = policy(fake, NS, 'netfence-intents-to-server');
    expect(ingress?.metadata['labels']).toEqual({ 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/intents': 'server' });
    expect(ingress?.['spec']).toEqual({
      podSelector: { matchLabels: { app: 'server' } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NS } }, podSelector: { matchLabels: { app: 'client' } } }], ports: [{ protocol: 'TCP', port: 80 }] }],
    });
    // client-other gets nothing: its pods are not selected, and the server takes nothing from them.
    expect(fake.list('NetworkPolicy').map((object) => object.metadata.name).sort()).toEqual(['netfence-intents-client', 'netfence-intents-to-server']);
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Normal IntentsApplied')), 'the IntentsApplied Event');
    const [applied] = events(fake, NS, 'client').filter((event) => event.startsWith('Normal IntentsApplied'));
    expect(applied).toContain(`${NS}/netfence-intents-client (created)`);
    expect(applied).toContain(`${NS}/netfence-intents-to-server (created)`);
  });

  it('repairs a generated policy after an edit and after a delete, and says so', async () => {
    const { fake } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER)]);
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the generated policies');
    const written = policy(fake, NS, 'netfence-intents-to-server');
    if (written === undefined) throw new Error('no policy');
    // Someone privileged opens the server to every pod of the namespace.
    fake.put({ ...written, spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }] } });
    await until(() => JSON.stringify(policy(fake, NS, 'netfence-intents-to-server')?.['spec']).includes('"app":"client"'), 'the repair of the edit');
    expect(policy(fake, NS, 'netfence-intents-to-server')?.['spec']).toEqual(written['spec']);
    fake.remove('NetworkPolicy', NS, 'netfence-intents-client');
    await until(() => policy(fake, NS, 'netfence-intents-client') !== undefined, 'the re-creation');
    await until(() => events(fake, NS, 'client').some((event) => event.includes(`${NS}/netfence-intents-client (repaired)`)), 'the Event of the repair after the delete');
    expect(events(fake, NS, 'client').some((event) => event.includes(`${NS}/netfence-intents-to-server (repaired)`))).toBe(true);
  });

  it('stops repairing a policy that another controller keeps changing back, and says so', async () => {
    const { fake, logs } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER)], { fight: { repairs: 2, windowMs: 60_000 } });
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the generated policies');
    for (let round = 0; round < 5; round++) {
      const current = policy(fake, NS, 'netfence-intents-to-server');
      if (current === undefined) throw new Error('no policy');
      fake.put({ ...current, spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'], ingress: [{}] } });
      await sleep(150);
    }
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Warning IntentsContested')), 'the Warning Event');
    expect(logs.some((line) => line.level === 'error' && line.message.includes('another controller keeps changing'))).toBe(true);
    expect(events(fake, NS, 'client').filter((event) => event.includes('IntentsContested'))).toEqual([`Warning IntentsContested: netfence stopped repairing ${NS}/netfence-intents-to-server: changed back more than 2 times within 60s (another controller?)`]);
  });

  it('deletes the generated policies when the ClientIntents is deleted, and leaves every other policy alone', async () => {
    const handWritten = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'tenant-own', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    const { fake } = await start([...tutorial(NS), handWritten, clientIntents(NS, 'client', 'client', CALLS_SERVER)]);
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the generated policies');
    fake.remove('ClientIntents', NS, 'client');
    await until(() => policy(fake, NS, 'netfence-intents-client') === undefined && policy(fake, NS, 'netfence-intents-to-server') === undefined, 'the deletion');
    expect(policy(fake, NS, 'tenant-own')).toBeDefined();
  });

  it('writes nothing in a namespace in audit mode, and says what it would write and close', async () => {
    const { fake, logs } = await start([...tutorial(NS, { 'netfence.io/mode': 'audit' }), clientIntents(NS, 'client', 'client', CALLS_SERVER)]);
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Normal IntentsAudited')), 'the IntentsAudited Event');
    expect(fake.list('NetworkPolicy')).toEqual([]);
    const [audited] = events(fake, NS, 'client');
    expect(audited).toContain(`namespace ${NS} is in audit mode: netfence wrote nothing there; it would create netfence-intents-client, netfence-intents-to-server`);
    // What the policies would close: client-other's calls to the server, and client's on every port but 80.
    expect(audited).toMatch(new RegExp(`${NS}/Deployment/client-other[^;]* -> ${NS}/Deployment/server \\(every port\\)`));
    expect(audited).toContain(`${NS}/Deployment/client -> ${NS}/Deployment/server (1-79/TCP, 81-65535/TCP, every UDP port, every SCTP port)`);
    expect(logs.some((line) => line.level === 'info' && line.message.includes(`namespace ${NS} is in audit mode`))).toBe(true);
    // Said once, not on every pass.
    fake.put(namespace('unrelated'));
    await sleep(300);
    expect(events(fake, NS, 'client').filter((event) => event.includes('IntentsAudited'))).toHaveLength(1);
    // Enforced once the label says so.
    fake.put(namespace(NS, { 'netfence.io/mode': 'enforce' }));
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the policies once enforced');
  });

  it('says in a Warning Event what it could not generate (a target not found), and writes what it could', async () => {
    const targets = [...CALLS_SERVER, { kubernetes: { name: 'billing', kind: 'Deployment' } }, { kafka: { name: 'events' } }];
    const { fake } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', targets)]);
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Warning IntentsNotice')), 'the Warning Event');
    const [notice] = events(fake, NS, 'client').filter((event) => event.startsWith('Warning IntentsNotice'));
    expect(notice).toContain(`Deployment ${NS}/billing is not in the state`);
    expect(notice).toContain('kafka target (events) has nothing to do for the network');
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the policy for the target that exists');
    // Once billing is deployed, its policy follows.
    fake.put(deployment(NS, 'billing', [8080]));
    await until(() => policy(fake, NS, 'netfence-intents-to-billing') !== undefined, 'the policy for the new target');
  });

  it('says in a Warning Event that it cannot read a ClientIntents (a target naming two kinds), and calls for nothing', async () => {
    const { fake } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', [{ kubernetes: { name: 'server' }, service: { name: 'server' } }])]);
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Warning IntentsInvalid')), 'the Warning Event');
    expect(events(fake, NS, 'client')).toEqual([`Warning IntentsInvalid: netfence cannot read this ClientIntents (spec.targets[0]: sets both kubernetes and service; a target names exactly one): it calls for no policy`]);
    expect(fake.list('NetworkPolicy')).toEqual([]);
  });

  it('writes nothing for intents it cannot prove, and says why; the intents of other servers are written', async () => {
    // admin carries server's labels and more: the policies for server on 80 select it too, so client
    // would reach admin on 80, which it does not declare (it declares 8080).
    const targets = [...CALLS_SERVER, { kubernetes: { name: 'admin', kind: 'Deployment' } }];
    const objects = [...tutorial(NS), deployment(NS, 'admin', [8080], { app: 'server', role: 'admin' }), clientIntents(NS, 'client', 'client', targets), deployment('shop', 'web'), deployment('shop', 'db', [5432]), namespace('shop'), clientIntents('shop', 'web', 'web', [{ kubernetes: { name: 'db' } }])];
    const { fake, logs } = await start(objects);
    await until(() => policy(fake, 'shop', 'netfence-intents-to-db') !== undefined, 'the policies of the intents that are proven');
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Warning IntentsNotProven')), 'the Warning Event');
    const [warning] = events(fake, NS, 'client').filter((event) => event.startsWith('Warning IntentsNotProven'));
    expect(warning).toContain('80/TCP that no intent declares');
    expect(fake.list('NetworkPolicy').filter((object) => object.metadata.namespace === NS)).toEqual([]);
    expect(logs.some((line) => line.level === 'error' && line.message.includes('not proven'))).toBe(true);
  });
});

describe('the intents reconciler and the CRD', () => {
  it('where the CRD is not served, watches nothing more and logs no error; once installed, it starts within the rediscovery period', async () => {
    const { fake, logs, intentsCache } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER)], { install: false, rediscoverMs: 100 });
    await sleep(400);
    expect(intentsCache.served()).toBeUndefined();
    expect(fake.requests.filter((request) => /clientintents|deployments|\/api\/v1\/services\?/.test(request.path))).toEqual([]);
    expect(logs.filter((line) => line.level !== 'info')).toEqual([]);
    expect(logs.filter((line) => line.message.includes('not served'))).toHaveLength(1); // said once
    fake.install('k8s.otterize.com');
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the policies once the CRD is served');
    expect(intentsCache.served()).toBe('v2beta1');
  });

  it('prefers v2beta1, and reads v2alpha1 where only that is served', async () => {
    const { fake, intentsCache } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER, 'k8s.otterize.com/v2alpha1')], { install: ['v2alpha1'] });
    await until(() => policy(fake, NS, 'netfence-intents-client') !== undefined, 'the policies from v2alpha1');
    expect(intentsCache.served()).toBe('v2alpha1');
    expect(fake.requests.some((request) => request.path.startsWith('/apis/k8s.otterize.com/v2alpha1/clientintents'))).toBe(true);
    await until(() => events(fake, NS, 'client').some((event) => event.startsWith('Normal IntentsApplied')), 'the Event');
    const event = fake.list('Event').find((candidate) => (candidate['involvedObject'] as { kind?: string }).kind === 'ClientIntents');
    expect((event?.['involvedObject'] as { apiVersion?: string }).apiVersion).toBe('k8s.otterize.com/v2alpha1');
  });
});

describe('the intents cache', () => {
  it('keeps the template labels and ports of workloads, and takes a change of their status for no change', async () => {
    const fake = new FakeApiServer();
    server = fake;
    const kubeConfig = await fake.start();
    fake.install('k8s.otterize.com');
    for (const object of [...clusterDns(), ...tutorial(NS)]) fake.put(object as never);
    let changes = 0;
    const cache = new IntentsCache({ client: new KubeClient(kubeConfig), logger: { info: () => undefined, warn: () => undefined }, onChange: () => changes++ });
    cache.start();
    cleanups.push(() => cache.stop());
    await until(() => cache.synced(), 'the intents cache');
    await sleep(100);
    const base = changes;
    const stored = fake.get('Deployment', NS, 'server');
    if (stored === undefined) throw new Error('no server');
    fake.put({ ...stored, status: { replicas: 2, readyReplicas: 1 } }); // a rollout under way
    fake.put({ ...stored, status: { replicas: 2, readyReplicas: 2 } });
    await sleep(300);
    expect(changes).toBe(base);
    fake.put(deployment(NS, 'server', [80, 9090])); // a port more: a change
    await until(() => changes > base, 'the change');
    const templates = cache.state(new MemoryState({ namespaces: [], pods: [], services: [], policies: [] })).podsIn(NS);
    expect(templates.map((pod) => [pod.name, Object.fromEntries(pod.labels), pod.containerPorts.map((port) => port.port)])).toEqual([
      ['Deployment/client', { app: 'client' }, []],
      ['Deployment/client-other', { app: 'client-other' }, []],
      ['Deployment/server', { app: 'server' }, [80, 9090]],
    ]);
  });
});

describe('generated policies and baselines', () => {
  it('the baseline reconciler neither repairs nor deletes them in an adopted namespace, and both sets stay in place', async () => {
    const { fake } = await start([...tutorial(NS, { 'netfence.io/baseline': 'default' }), clientIntents(NS, 'client', 'client', CALLS_SERVER)], { baseline: true });
    await until(() => policy(fake, NS, 'netfence-default-deny') !== undefined && policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'both sets');
    const before = fake.requests.filter((request) => request.method === 'DELETE' || request.method === 'PUT').length;
    fake.put(namespace('marker', { 'netfence.io/baseline': 'default' }));
    await until(() => policy(fake, 'marker', 'netfence-default-deny') !== undefined, 'a later baseline pass');
    await sleep(200);
    expect(fake.requests.filter((request) => request.method === 'DELETE' || request.method === 'PUT').length).toBe(before);
    expect(fake.list('NetworkPolicy').filter((object) => object.metadata.namespace === NS).map((object) => object.metadata.name).sort()).toEqual(['netfence-default-deny', 'netfence-intents-client', 'netfence-intents-to-server']);
  });

  it('managed-policy-change keeps tenants from editing or deleting them', async () => {
    const { fake, kubeConfig } = await start([...tutorial(NS), clientIntents(NS, 'client', 'client', CALLS_SERVER)]);
    await until(() => policy(fake, NS, 'netfence-intents-to-server') !== undefined, 'the generated policies');
    const written = decodeNetworkPolicy(policy(fake, NS, 'netfence-intents-to-server'));
    const config = defaultConfig();
    const cache = new ClusterCache({ client: new KubeClient(kubeConfig), logger: { info: () => undefined, warn: () => undefined }, serviceNamespaces: ['kube-system'] });
    cache.start();
    cleanups.push(() => cache.stop());
    await until(() => cache.synced(), 'a second cache');
    const state = cache.snapshot();
    const review = reviewChange(
      { kind: 'NetworkPolicy', operation: 'DELETE', namespace: NS, name: written.name, policy: undefined, oldPolicy: written, requester: { username: 'jane', groups: ['system:authenticated'] } },
      { state, config, essentials: resolveEssentialServices(state, config) },
    );
    expect(review.allowed).toBe(false);
    const finding = review.findings.find((candidate) => candidate.rule === 'managed-policy-change');
    expect(finding?.message).toContain(`${NS}/netfence-intents-to-server is managed by netfence (generated for ClientIntents): jane may not delete it`);
    expect(finding?.message).toContain('change the ClientIntents instead');
  });
});
