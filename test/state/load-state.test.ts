import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateError, loadState } from '../../src/state/load-state.js';

/** Loading states from YAML files: the shapes kubectl prints, and one-line errors for bad input. */

function stateDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-state-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function loadError(files: Record<string, string>): Promise<string> {
  try {
    await loadState(stateDir(files));
  } catch (error) {
    if (error instanceof StateError) return error.message;
    throw error;
  }
  throw new Error('expected a StateError');
}

const POLICY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: team-a}
spec: {podSelector: {}}
`;

describe('loadState', () => {
  it('reads multi-document files, Lists and nested directories', async () => {
    const dir = stateDir({
      'a.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {tenant: a}}\n---\n${POLICY}`,
      'nested/pods.yml': `apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: web, namespace: team-a}
- apiVersion: v1
  kind: Pod
  metadata: {name: api, namespace: team-b}
`,
      'ignored.txt': 'not yaml at all: [',
    });
    const { state, notices } = await loadState(dir);
    expect(notices).toEqual([]);
    expect(state.namespaces().map((namespace) => namespace.name)).toEqual(['team-a', 'team-b']);
    expect(state.namespaceLabels('team-a')?.get('tenant')).toBe('a');
    expect(state.namespaceLabels('team-b')?.get('kubernetes.io/metadata.name')).toBe('team-b'); // implicit
    expect(state.pods().map((pod) => `${pod.namespace}/${pod.name}`)).toEqual(['team-a/web', 'team-b/api']);
    expect(state.policiesIn('team-a').map((policy) => policy.name)).toEqual(['deny']);
  });

  it('reads a single file, JSON included', async () => {
    const dir = stateDir({ 'state.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }] }) });
    const { state } = await loadState(join(dir, 'state.json'));
    expect(state.namespace('x')?.name).toBe('x');
  });

  /** SKIPPING is a state with seven objects of kinds netfence does not read, in two files, a CRD's NetworkPolicy among them. */
  const SKIPPING = {
    'a.yaml': [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: team-a}',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: team-a}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: api, namespace: team-a}',
      'apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: calico, namespace: team-a}',
      POLICY,
    ].join('\n---\n'),
    'b.yaml': [
      'apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: team-a}',
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: api, namespace: team-a}',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: extra, namespace: team-a}}',
    ].join('\n---\n'),
  };

  it('skips other kinds with one notice that names the state and counts them by kind, most first', async () => {
    const dir = stateDir(SKIPPING);
    const { state, notices } = await loadState(dir);
    expect(notices).toEqual([`${dir}: skipped 7 objects of kinds netfence does not read: ConfigMap (3), ServiceAccount (2), crd.projectcalico.org/v1 NetworkPolicy (1), Secret (1); --verbose lists them`]);
    expect(state.policiesIn('team-a').map((policy) => policy.name)).toEqual(['deny']);
    const one = stateDir({ 'c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: team-a}\n' });
    expect((await loadState(join(one, 'c.yaml'))).notices).toEqual([`${join(one, 'c.yaml')}: skipped 1 object of a kind netfence does not read: ConfigMap (1); --verbose lists them`]);
  });

  it('lists each skipped object, naming its file, line and name, when asked to (--verbose)', async () => {
    const { notices } = await loadState(stateDir(SKIPPING), { listSkipped: true });
    expect(notices).toHaveLength(7);
    expect(notices.map((notice) => notice.replace(/^.*?([ab]\.yaml)/, '$1').replace(/: skipped \(netfence reads [^)]*\)$/, ''))).toEqual([
      'a.yaml:1 (document 1) ConfigMap team-a/web',
      'a.yaml:5 (document 2) ServiceAccount team-a/web',
      'a.yaml:9 (document 3) ConfigMap team-a/api',
      'a.yaml:13 (document 4) NetworkPolicy team-a/calico',
      'b.yaml:1 (document 1) Secret team-a/db',
      'b.yaml:5 (document 2) ServiceAccount team-a/api',
      'b.yaml:9 (document 3) items[0] ConfigMap team-a/extra',
    ]);
    expect(notices[0]).toMatch(
      /a\.yaml:1 \(document 1\) ConfigMap team-a\/web: skipped \(netfence reads Namespace, Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, Service, EndpointSlice, NetworkPolicy and ClientIntents\)$/,
    );
  });

  it('names file, line and document for YAML syntax errors', async () => {
    const message = await loadError({ 'bad.yaml': `${POLICY}---\napiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n` });
    expect(message).toMatch(/bad\.yaml:\d+: YAML error: /);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('rejects duplicate keys, as kubectl would', async () => {
    const message = await loadError({ 'dup.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\nmetadata: {name: b}\n' });
    expect(message).toMatch(/dup\.yaml:4: YAML error: Map keys must be unique/);
  });

  it('names file, object and field for a wrong field', async () => {
    const message = await loadError({
      'p.yaml': POLICY.replace('spec: {podSelector: {}}', 'spec: {podSelector: {matchExpressions: [{key: app, operator: Inn, values: [x]}]}}'),
    });
    expect(message).toMatch(
      /p\.yaml:1 \(document 1\) NetworkPolicy team-a\/deny: spec\.podSelector\.matchExpressions\[0\]\.operator: must be one of In, NotIn, Exists, DoesNotExist \(got "Inn"\)$/,
    );
  });

  it('names the item of a List', async () => {
    const message = await loadError({ 'l.yaml': 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: x}\n  status: {podIP: nope}\n' });
    expect(message).toMatch(/l\.yaml:1 \(document 1\) items\[0\] Pod x: status\.podIP: "nope" is not an IP address/);
  });

  it('refuses the same object twice, naming both places', async () => {
    const message = await loadError({ 'a.yaml': POLICY, 'b.yaml': POLICY });
    expect(message).toMatch(/b\.yaml:1 \(document 1\) NetworkPolicy team-a\/deny: duplicate NetworkPolicy team-a\/deny \(first defined at .*a\.yaml:1/);
  });

  it('returns the ClientIntents a state holds next to it, not in it', async () => {
    const { state, intents, notices } = await loadState(join(import.meta.dirname, '..', '..', 'examples', 'intents'));
    expect(notices).toEqual([]);
    expect(intents).toStrictEqual([
      {
        namespace: 'otterize-tutorial-npol',
        name: 'client',
        apiVersion: 'k8s.otterize.com/v2beta1',
        client: { name: 'client', kind: 'Deployment' },
        targets: [{ kind: 'workload', field: 'spec.targets[0]', name: 'server', namespace: 'otterize-tutorial-npol', workloadKind: 'Deployment' }],
      },
    ]);
    expect(state.namespaces().map((namespace) => namespace.name)).toEqual(['kube-system', 'otterize-tutorial-npol']);
    expect(state.services().map((service) => `${service.namespace}/${service.name}`)).toEqual(['kube-system/kube-dns', 'otterize-tutorial-npol/server']);
    expect(state.pods().map((pod) => `${pod.namespace}/${pod.name}`)).toEqual([
      'kube-system/coredns-5d78c9869d-4xk2p',
      'kube-system/coredns-5d78c9869d-q8zt7',
      'otterize-tutorial-npol/Deployment/client',
      'otterize-tutorial-npol/Deployment/client-other',
      'otterize-tutorial-npol/Deployment/server',
    ]);
  });

  it('refuses the same ClientIntents twice, naming both places', async () => {
    const intents = 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: a}\nspec: {workload: {name: client}, targets: []}\n';
    const message = await loadError({ 'a.yaml': intents, 'b.yaml': intents.replace('v2beta1', 'v1alpha3').replace('workload', 'service').replace('targets', 'calls') });
    expect(message).toMatch(/b\.yaml:1 \(document 1\) ClientIntents a\/client: duplicate ClientIntents a\/client \(first defined at .*a\.yaml:1/);
  });

  it('says when the path does not exist', async () => {
    await expect(loadState('/nonexistent/netfence-state')).rejects.toThrow('/nonexistent/netfence-state: no such file or directory');
  });

  it('rejects a document that is not an object', async () => {
    expect(await loadError({ 's.yaml': '- just\n- a list\n' })).toMatch(/s\.yaml:1 \(document 1\): must be an object \(got a list\)/);
  });

  it('stops billion-laughs alias expansion with an error', async () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const message = await loadError({ 'bomb.yaml': lines.join('\n') });
    expect(message).toMatch(/bomb\.yaml/);
  });
});
