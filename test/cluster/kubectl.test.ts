import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { LabelMap } from '../../src/model/labels.js';
import { loadState } from '../../src/state/load-state.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { namespace, networkPolicy } from '../support/kube-objects.js';
import { watch } from '../support/raw-client.js';
import { until } from '../support/until.js';

/**
 * Real kubectl against the test API server: the commands of docs/rollout.md's rollout path and of a
 * snapshot, run as a user runs them (KUBECONFIG for the fake, a HOME of their own so each test
 * starts with an empty discovery cache), asserting on what kubectl prints and on what the fake
 * stored and told its watchers. gcloud's kubectl is a dispatcher that runs the kubectl of the
 * server's minor version (v1.28 for the fake's /version); any kubectl from 1.28 on passes.
 *
 * kubectl runs through the async execFile: the fake answers from this process, so a synchronous
 * child would block the event loop it needs (the TLS handshake would time out).
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cluster');

/** onPath is the first executable named `command` on PATH. */
function onPath(command: string): string | undefined {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const KUBECTL = onPath('kubectl');

/** Ran is how a kubectl command ended. */
interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Cluster is a started fake with the kubeconfig and HOME a user of it has. */
interface Cluster {
  readonly fake: FakeApiServer;
  readonly kubeConfig: KubeConfig;
  kubectl(...args: string[]): Promise<Ran>;
}

let server: FakeApiServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function startCluster(): Promise<Cluster> {
  const fake = new FakeApiServer();
  server = fake;
  const kubeConfig = await fake.start();
  const home = mkdtempSync(join(tmpdir(), 'netfence-kubectl-'));
  const kubeconfigFile = join(home, 'kubeconfig');
  writeFileSync(kubeconfigFile, kubeConfig.exportConfig());
  const env = { ...process.env, KUBECONFIG: kubeconfigFile, HOME: home };
  const kubectl = async (...args: string[]): Promise<Ran> => {
    try {
      const { stdout, stderr } = await run(KUBECTL ?? 'kubectl', args, { env, timeout: 30_000 });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: unknown; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
    }
  };
  return { fake, kubeConfig, kubectl };
}

type Seed = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

/** exampleObjects are the example cluster's objects (team-b, ingress-nginx and monitoring predate netfence), Lists unpacked. */
function exampleObjects(): Seed[] {
  return readdirSync(EXAMPLE)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8')).map((document) => document.toJS() as Seed | { kind: 'List'; items: Seed[] } | null))
    .flatMap((object) => (object === null ? [] : object.kind === 'List' ? (object as { items: Seed[] }).items : [object as Seed]));
}

/** plain is decoded state as plain data: label maps as objects with sorted keys (kubectl prints labels sorted, the example files do not), bigints as text. */
const plain = (value: unknown): unknown =>
  JSON.parse(JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : item instanceof LabelMap ? Object.fromEntries([...item.entries()].sort()) : item)));

const labelsOf = (fake: FakeApiServer) => fake.get('Namespace', undefined, 'team-b')?.metadata['labels'];

const reason = KUBECTL === undefined ? ' (skipped: kubectl is not on PATH)' : '';

describe.skipIf(KUBECTL === undefined)(`real kubectl against the test API server${reason}`, { timeout: 60_000 }, () => {
  it('kubectl label adopts a namespace, refuses to change a label without --overwrite, changes it with, and removes it with key-: one merge patch and one MODIFIED event each', async () => {
    const { fake, kubeConfig, kubectl } = await startCluster();
    fake.put(namespace('team-b', { 'netfence.io/mode': 'audit' }));
    const watching = watch(kubeConfig, '/api/v1/namespaces', fake.get('Namespace', undefined, 'team-b')?.metadata.resourceVersion ?? '0');
    await watching.opened;

    expect(await kubectl('label', 'namespace', 'team-b', 'netfence.io/baseline=default')).toEqual({ code: 0, stdout: 'namespace/team-b labeled\n', stderr: '' });
    expect(labelsOf(fake)).toEqual({ 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'audit', 'netfence.io/baseline': 'default' });

    const refused = await kubectl('label', 'namespace', 'team-b', 'netfence.io/mode=enforce');
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: "error: 'netfence.io/mode' already has a value (audit), and --overwrite is false\n" });
    expect(await kubectl('label', 'namespace', 'team-b', 'netfence.io/mode=enforce', '--overwrite')).toMatchObject({ code: 0, stdout: 'namespace/team-b labeled\n' });
    expect(labelsOf(fake)).toMatchObject({ 'netfence.io/mode': 'enforce' });

    expect(await kubectl('label', 'namespace', 'team-b', 'netfence.io/baseline-')).toMatchObject({ code: 0, stdout: 'namespace/team-b unlabeled\n' });
    expect(labelsOf(fake)).toEqual({ 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'enforce' });

    // The same value again: kubectl still sends its (empty) patch; the API server writes nothing.
    const resourceVersion = fake.get('Namespace', undefined, 'team-b')?.metadata.resourceVersion;
    expect(await kubectl('label', 'namespace', 'team-b', 'netfence.io/mode=enforce', '--overwrite')).toMatchObject({ code: 0, stdout: 'namespace/team-b not labeled\n' });
    expect(fake.get('Namespace', undefined, 'team-b')?.metadata.resourceVersion).toBe(resourceVersion);

    // --resource-version puts a precondition into the patch: a stale one is the API server's 409.
    const stale = await kubectl('label', 'namespace', 'team-b', 'tier=gold', '--resource-version=1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe('Error from server (Conflict): Operation cannot be fulfilled on namespaces "team-b": the object has been modified; please apply your changes to the latest version and try again\n');

    await until(() => watching.events.length >= 3, 'three MODIFIED events');
    watching.close();
    expect(watching.events.map((event) => [event.type, event.object.metadata?.labels])).toEqual([
      ['MODIFIED', { 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'audit', 'netfence.io/baseline': 'default' }],
      ['MODIFIED', { 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'enforce', 'netfence.io/baseline': 'default' }],
      ['MODIFIED', { 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'enforce' }],
    ]);
    const patches = fake.requests.filter((logged) => logged.method === 'PATCH');
    expect(patches.map((logged) => `${logged.path} ${logged.status}`)).toEqual([
      '/api/v1/namespaces/team-b?fieldManager=kubectl-label 200',
      '/api/v1/namespaces/team-b?fieldManager=kubectl-label 200',
      '/api/v1/namespaces/team-b?fieldManager=kubectl-label 200',
      '/api/v1/namespaces/team-b?fieldManager=kubectl-label 200',
      '/api/v1/namespaces/team-b?fieldManager=kubectl-label 409',
    ]);
  });

  it('-o name lists what the fake holds: the policies of one namespace, every namespace', async () => {
    const { fake, kubectl } = await startCluster();
    for (const name of ['team-a', 'team-b']) fake.put(namespace(name));
    fake.put(networkPolicy('team-b', 'netfence-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    fake.put(networkPolicy('team-b', 'db-ingress', { podSelector: { matchLabels: { app: 'db' } } }));
    fake.put(networkPolicy('team-a', 'elsewhere', { podSelector: {} }));

    expect(await kubectl('-n', 'team-b', 'get', 'networkpolicies', '-o', 'name')).toEqual({
      code: 0,
      stdout: 'networkpolicy.networking.k8s.io/db-ingress\nnetworkpolicy.networking.k8s.io/netfence-default-deny\n',
      stderr: '',
    });
    expect((await kubectl('get', 'namespaces', '-o', 'name')).stdout).toBe('namespace/team-a\nnamespace/team-b\n');
    // Short names come from discovery.
    expect((await kubectl('-n', 'team-b', 'get', 'netpol', '-o', 'name')).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect((await kubectl('-n', 'team-c', 'get', 'networkpolicies', '-o', 'name')).stdout).toBe('');
  });

  it('get without -o prints the Table the fake serves for namespaces and policies, and kubectl\'s own NAME/AGE for other kinds', async () => {
    const { fake, kubectl } = await startCluster();
    fake.put(namespace('team-b'));
    fake.put(networkPolicy('team-b', 'netfence-default-deny', { podSelector: {}, policyTypes: ['Ingress'] }));
    fake.put(networkPolicy('team-b', 'db-ingress', { podSelector: { matchLabels: { app: 'db' } } }));
    fake.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: 'team-b' }, spec: { containers: [{ name: 'db', image: 'postgres' }] } });

    const namespaces = await kubectl('get', 'namespaces');
    expect(namespaces.stdout).toMatch(/^NAME\s+STATUS\s+AGE\nteam-b\s+Active\s+\d+s\n$/);
    const policies = await kubectl('-n', 'team-b', 'get', 'networkpolicies');
    expect(policies.stdout).toMatch(/^NAME\s+POD-SELECTOR\s+AGE\ndb-ingress\s+app=db\s+\d+s\nnetfence-default-deny\s+<none>\s+\d+s\n$/);
    expect((await kubectl('get', 'pods', '-A')).stdout).toMatch(/^NAMESPACE\s+NAME\s+AGE\nteam-b\s+db-0\s+\d+s\n$/);
  });

  it('get namespaces,pods,services,networkpolicies -A -o yaml prints the List a snapshot is, which netfence reads as the cluster it came from', async () => {
    const { fake, kubectl } = await startCluster();
    const seeds = exampleObjects();
    for (const object of seeds) fake.put(object);
    const printed = await kubectl('get', 'namespaces,pods,services,networkpolicies', '-A', '-o', 'yaml');
    expect(printed).toMatchObject({ code: 0, stderr: '' });
    const list = parse(printed.stdout) as { apiVersion: string; kind: string; metadata: unknown; items: Seed[] };
    expect({ apiVersion: list.apiVersion, kind: list.kind, metadata: list.metadata }).toEqual({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    // Grouped by kind in the order asked for, each kind's objects as stored.
    const stored = ['Namespace', 'Pod', 'Service', 'NetworkPolicy'].flatMap((kind) =>
      fake.list(kind).sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`)),
    );
    expect(list.items).toEqual(stored);
    expect(list.items).toHaveLength(seeds.length);

    const snapshot = join(mkdtempSync(join(tmpdir(), 'netfence-snapshot-')), 'snapshot.yaml');
    writeFileSync(snapshot, printed.stdout);
    const [fromSnapshot, fromExample] = [await loadState(snapshot), await loadState(EXAMPLE)];
    expect(fromSnapshot.notices).toEqual([]);
    expect(plain(fromSnapshot.state.pods())).toEqual(plain(fromExample.state.pods()));
    expect(plain(fromSnapshot.state.services())).toEqual(plain(fromExample.state.services()));
    expect(plain(fromSnapshot.state.policies())).toEqual(plain(fromExample.state.policies()));
    // The API server adds kubernetes.io/metadata.name to every namespace; the example files leave it to it.
    expect(fromSnapshot.state.namespaces().map((item) => item.name)).toEqual(fromExample.state.namespaces().map((item) => item.name));
  });

  it('get networkpolicy NAME -o yaml prints the object as stored; a missing one is the API server\'s NotFound', async () => {
    const { fake, kubectl } = await startCluster();
    fake.put(namespace('team-b'));
    const stored = fake.put(networkPolicy('team-b', 'netfence-default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }, { 'app.kubernetes.io/managed-by': 'netfence' }));
    const printed = await kubectl('-n', 'team-b', 'get', 'networkpolicy', 'netfence-default-deny', '-o', 'yaml');
    expect(printed.code).toBe(0);
    expect(parse(printed.stdout)).toEqual(stored);
    expect(printed.stdout).toMatch(/^apiVersion: networking\.k8s\.io\/v1\nkind: NetworkPolicy\nmetadata:\n/);
    expect(JSON.parse((await kubectl('-n', 'team-b', 'get', 'netpol', 'netfence-default-deny', '-o', 'json')).stdout)).toEqual(stored);

    const missing = await kubectl('-n', 'team-b', 'get', 'networkpolicy', 'nope', '-o', 'yaml');
    expect(missing).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): networkpolicies.networking.k8s.io "nope" not found\n' });
  });

  it('describe namespace prints the namespace, with no quota and no limit range; it lists no Events (kubectl events --for does, from default)', async () => {
    const { fake, kubectl } = await startCluster();
    const stored = fake.put(namespace('team-b', { 'netfence.io/baseline': 'default' }));
    const now = new Date().toISOString();
    // An Event as the reconciler writes one: about the namespace, by uid, kept in default.
    fake.put({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'netfence-x7k2p', namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Namespace', name: 'team-b', uid: stored.metadata.uid },
      reason: 'BaselineProvisioned',
      message: 'netfence provisioned baseline profile "default": netfence-default-deny',
      type: 'Normal',
      source: { component: 'netfence' },
      reportingComponent: 'netfence',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });

    const described = await kubectl('describe', 'namespace', 'team-b');
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(
      /^Name:\s+team-b\nLabels:\s+kubernetes\.io\/metadata\.name=team-b\n\s+netfence\.io\/baseline=default\nAnnotations:\s+<none>\nStatus:\s+Active\n\nNo resource quota\.\n\nNo LimitRange resource\.\n$/,
    );
    expect(fake.requests.filter((logged) => logged.path.includes('/events'))).toEqual([]);

    const events = await kubectl('events', '-A', '--for', 'namespace/team-b');
    expect(events.code).toBe(0);
    expect(events.stdout).toMatch(/^NAMESPACE\s+LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE\ndefault\s+\S+\s+Normal\s+BaselineProvisioned\s+Namespace\/team-b\s+netfence provisioned baseline profile "default": netfence-default-deny\n$/);
    // One list in all namespaces by involvedObject (a newer kubectl, 1.32 here, also names involvedObject.apiVersion).
    const asked = fake.requests.filter((logged) => logged.path.includes('/events')).map((logged) => decodeURIComponent(logged.path));
    expect(asked).toEqual([expect.stringMatching(/^\/api\/v1\/events\?fieldSelector=involvedObject\.kind=Namespace,(involvedObject\.apiVersion=v1,)?involvedObject\.name=team-b&limit=500$/)]);
  });
});
