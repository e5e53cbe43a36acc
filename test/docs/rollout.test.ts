import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { startNode } from '../support/child.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { installHelm } from '../support/helm.js';
import type { Helm } from '../support/helm.js';
import { until } from '../support/until.js';
import { reviewFrom } from '../support/webhook.js';

/**
 * docs/rollout.md, "Rolling out into an existing cluster", run command by command as written, against
 * the test API server holding the example cluster (namespaces with history: team-b, ingress-nginx
 * and monitoring predate netfence; team-a is adopted). `helm install/upgrade` is real helm
 * rendering the chart with the same arguments, and netfence serving (the built CLI, in cluster
 * mode) with the configuration the chart renders; `netfence` is the built CLI; `kubectl` is the
 * real kubectl. Each step's promise is then checked: nothing written where nothing was adopted,
 * what audit lists, the baseline within seconds of the label, warnings turning into denials.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const EXAMPLE = join(ROOT, 'examples', 'cluster');
const ALLOW_ALL = readFileSync(join(ROOT, 'examples', 'manifests', 'allow-all-ingress.yaml'), 'utf8');
const run = promisify(execFile);

/** rolloutCommands are the commands of docs/rollout.md's shell block, comments left out. */
function rolloutCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'docs', 'rollout.md'), 'utf8');
  const section = readme.slice(readme.indexOf('# Rolling out into an existing cluster'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('docs/rollout.md: no shell block under "Rolling out into an existing cluster"');
  return block
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/));
}

type KubeObject = { kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

/** exampleObjects are the example cluster's objects, Lists unpacked, as a snapshot holds them. */
function exampleObjects(): KubeObject[] {
  return readdirSync(EXAMPLE)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8')).map((document) => document.toJS() as KubeObject | { kind: 'List'; items: KubeObject[] } | null))
    .flatMap((object) => (object === null ? [] : object.kind === 'List' ? (object as { items: KubeObject[] }).items : [object as KubeObject]));
}

interface Served {
  readonly child: ChildProcess;
  readonly port: number;
  readonly ca: string;
  readonly exited: Promise<number | null>;
}

/** The cluster, the running netfence and what the steps leave for the next. */
let fake: FakeApiServer;
let helm: Helm;
let work: string;
let kubeconfig: string;
let served: Served | undefined;
let installSets: string[] = [];

beforeAll(async () => {
  helm = await installHelm();
  work = mkdtempSync(join(tmpdir(), 'netfence-rollout-'));
  fake = new FakeApiServer();
  kubeconfig = join(work, 'kubeconfig');
  writeFileSync(kubeconfig, (await fake.start()).exportConfig());
  for (const object of exampleObjects()) fake.put(object);
});

afterAll(async () => {
  served?.child.kill('SIGKILL');
  await fake.stop();
});

/** helmValues are the --set arguments of a helm command. */
function helmSets(argv: readonly string[]): string[] {
  return argv.flatMap((arg, i) => (argv[i - 1] === '--set' ? ['--set', arg] : []));
}

/** renderedConfig renders the chart as the helm command would install it and returns netfence's configuration file. */
function renderedConfig(argv: readonly string[], sets: readonly string[]): string {
  const [, , release = '', chart = ''] = argv;
  const namespace = argv[argv.indexOf('-n') + 1] ?? 'default';
  const objects = parseAllDocuments(helm.run(['template', release, join(ROOT, chart), '--namespace', namespace, ...sets])).map((document) => document.toJS() as KubeObject | null);
  const configMap = objects.find((object) => object?.kind === 'ConfigMap');
  const data = configMap?.['data'] as Record<string, string> | undefined;
  const config = data?.['netfence.yaml'];
  if (config === undefined) throw new Error('the chart rendered no ConfigMap with netfence.yaml');
  return config;
}

/** serveWith (re)starts netfence in cluster mode with a configuration, as the chart's pod would run. */
async function serveWith(config: string, namespace: string): Promise<Served> {
  if (served !== undefined) {
    served.child.kill('SIGINT');
    await served.exited;
  }
  const configFile = join(work, `netfence-${Date.now()}.yaml`);
  writeFileSync(configFile, config);
  const certs = join(work, 'certs');
  const { child, stdout, exited } = startNode(
    [BIN, 'serve', '--kubeconfig', kubeconfig, '--config', configFile, '--port', '0', '--host', '127.0.0.1', '--certs-dir', certs, '--shutdown-delay', '0'],
    { ...process.env, POD_NAMESPACE: namespace, POD_NAME: 'netfence-6c9d7b5f4-x2x9q' },
  );
  await until(() => stdout().includes('"msg":"netfence is serving"'), 'netfence serve to listen', 20_000);
  const line = stdout().split('\n').find((text) => text.includes('"msg":"netfence is serving"')) ?? '{}';
  const port = Number(/:(\d+)$/.exec(String((JSON.parse(line) as { address?: string }).address))?.[1]);
  served = { child, port, ca: readFileSync(join(certs, 'ca.crt'), 'utf8'), exited };
  return served;
}

/** validate sends netfence an AdmissionReview creating the allow-all example policy in a namespace. */
async function validateAllowAll(namespace: string): Promise<{ allowed: boolean; warnings?: string[]; status?: { message?: string } }> {
  if (served === undefined) throw new Error('netfence is not serving');
  const object = { ...(parse(ALLOW_ALL) as KubeObject), metadata: { name: 'web-open-to-all', namespace } };
  const review = reviewFrom('005', { operation: 'CREATE', namespace, name: 'web-open-to-all', object, user: { username: 'jane', groups: ['tenants', 'system:authenticated'] } });
  const response = await request(`https://127.0.0.1:${served.port}`).post('/validate?timeout=10s').ca(served.ca).send(review).expect(200);
  return response.body.response;
}

/** validateEgressLockdown asks /validate about an egress default-deny without DNS in a namespace: its pods lose cluster DNS. */
async function validateEgressLockdown(namespace: string): Promise<{ allowed: boolean; warnings?: string[]; status?: { message?: string } }> {
  if (served === undefined) throw new Error('netfence is not serving');
  const object = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'lockdown', namespace }, spec: { podSelector: {}, policyTypes: ['Egress'] } };
  const review = reviewFrom('005', { operation: 'CREATE', namespace, name: 'lockdown', object, user: { username: 'jane', groups: ['tenants', 'system:authenticated'] } });
  const response = await request(`https://127.0.0.1:${served.port}`).post('/validate?timeout=10s').ca(served.ca).send(review).expect(200);
  return response.body.response;
}

/** writesIn are the writes anyone made through the API into a namespace's policies. */
const writesIn = (namespace: string) => fake.requests.filter((logged) => logged.method !== 'GET' && logged.path.startsWith(`/apis/networking.k8s.io/v1/namespaces/${namespace}/`));

/** runCommand runs one docs/rollout.md command the way it runs on a workstation, against the test cluster. */
async function runCommand(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [tool = '', ...args] = argv;
  const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: work };
  if (tool === 'helm') {
    const upgrade = args[0] === 'upgrade';
    const sets = upgrade && args.includes('--reuse-values') ? [...installSets, ...helmSets(argv)] : helmSets(argv);
    if (!upgrade) installSets = sets;
    const namespace = argv[argv.indexOf('-n') + 1] ?? 'default';
    // helm install --create-namespace; the chart's objects are the pod's business, not this test's.
    if (fake.get('Namespace', undefined, namespace) === undefined) fake.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
    await serveWith(renderedConfig(argv, sets), namespace);
    return { code: 0, stdout: '', stderr: '' };
  }
  const [file, fileArgs] = tool === 'netfence' ? [process.execPath, [BIN, ...args]] : [tool, args];
  try {
    // execFile, not execFileSync: the test API server runs in this process and must keep answering.
    const { stdout, stderr } = await run(file, fileArgs, { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('docs/rollout.md: Rolling out into an existing cluster', { timeout: 60_000 }, () => {
  const commands = rolloutCommands();
  const results = new Map<string, { code: number; stdout: string; stderr: string }>();
  const step = async (prefix: string): Promise<{ code: number; stdout: string; stderr: string }> => {
    const argv = commands.find((command) => command.join(' ').startsWith(prefix));
    if (argv === undefined) throw new Error(`docs/rollout.md: no command starting "${prefix}" in the rollout block (${commands.map((c) => c.join(' ')).join(' | ')})`);
    const result = await runCommand(argv);
    results.set(prefix, result);
    return result;
  };

  it('lists the steps the test knows how to check, in order', () => {
    expect(commands.map((command) => command.slice(0, 2).join(' '))).toEqual([
      'helm install',
      'netfence audit',
      'kubectl label',
      'kubectl -n',
      'kubectl events',
      'kubectl label',
      'helm upgrade',
    ]);
  });

  it('1. installs in audit mode: the adopted namespace is provisioned, nothing is written into the others, nothing is denied', async () => {
    await step('helm install');
    // team-a was adopted before (labelled): its baseline is put in place, which proves a pass ran.
    await until(() => fake.get('NetworkPolicy', 'team-a', 'netfence-default-deny') !== undefined, 'the leader to provision the adopted namespace', 20_000);
    for (const namespace of ['team-b', 'ingress-nginx', 'monitoring']) expect(writesIn(namespace)).toEqual([]);
    // In audit mode a change that would cut monitoring's Prometheus off DNS goes through, with the warning.
    const answer = await validateEgressLockdown('monitoring');
    expect(answer.allowed).toBe(true);
    expect(answer.warnings?.join('\n')).toContain('[essential-egress]');
  });

  it('2. audit lists the namespaces not adopted yet, with the pods adopting each would isolate', async () => {
    const { stdout } = await step('netfence audit');
    expect(stdout).toContain('Not adopted yet (netfence writes nothing there):');
    expect(stdout).toMatch(/Namespace team-b is not adopted .*2 of its 2 pod\(s\) would be isolated for the first time.*db-0 \(Egress\), reports-7f9b6d5c4-h5x2n \(Ingress\)/);
    expect(stdout).toMatch(/^monitoring\s+namespace-not-adopted\s+warn/m);
  });

  it('3. labelling a namespace adopts it: its baseline is there within seconds, with an Event about it', async () => {
    const labelled = await step('kubectl label namespace team-b netfence.io/baseline');
    expect(labelled).toMatchObject({ code: 0, stdout: 'namespace/team-b labeled\n' });
    await until(() => fake.get('NetworkPolicy', 'team-b', 'netfence-default-deny') !== undefined, 'the baseline of team-b', 20_000);
    await until(() => fake.list('Event').some((event) => (event['involvedObject'] as { name?: string }).name === 'team-b' && event['reason'] === 'BaselineProvisioned'), 'the BaselineProvisioned event');
    const listed = await step('kubectl -n team-b get networkpolicies');
    expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'networkpolicy.networking.k8s.io/db-ingress',
      'networkpolicy.networking.k8s.io/netfence-default-deny',
      'networkpolicy.networking.k8s.io/reports-egress',
    ]);
    const events = await step('kubectl events -A --for namespace/team-b');
    expect(events.stdout).toMatch(/default\s.*Normal\s+BaselineProvisioned\s+Namespace\/team-b\s+netfence provisioned baseline profile "default": netfence-default-deny/);
    for (const namespace of ['ingress-nginx', 'monitoring']) expect(writesIn(namespace)).toEqual([]);
  });

  it('4. enforces one namespace, then every namespace without a mode label', async () => {
    expect((await validateAllowAll('team-b')).allowed).toBe(true);
    const labelled = await step('kubectl label namespace team-b netfence.io/mode');
    expect(labelled.code).toBe(0);
    await until(async () => !(await validateAllowAll('team-b')).allowed, 'team-b to be enforced', 20_000);
    expect((await validateAllowAll('team-b')).status?.message).toContain('[allow-all]');
    expect((await validateEgressLockdown('monitoring')).allowed).toBe(true); // still audit by default

    await step('helm upgrade');
    await until(async () => !(await validateEgressLockdown('monitoring')).allowed, 'the default mode to be enforce', 20_000);
    expect((await validateEgressLockdown('monitoring')).status?.message).toContain('[essential-egress]');
    for (const namespace of ['ingress-nginx', 'monitoring']) expect(writesIn(namespace)).toEqual([]);
  });
});
