import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { netfence, run } from '../support/cli.js';

/** `netfence intents generate`: the tutorial's intents as files, the policies printed and proven, bad input refused. */

const ROOT = join(import.meta.dirname, '..', '..');
const STATE = join(ROOT, 'examples', 'intents');

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netfence-intents-cli-')), name);
  writeFileSync(path, text);
  return path;
}

describe('netfence intents generate', () => {
  it('prints the tutorial policies as YAML kubectl applies, and the proof on stderr', async () => {
    const { code, out, err } = await run('intents', 'generate', '--state', STATE);
    expect(code).toBe(0);
    const documents = parseAllDocuments(out).map((document) => document.toJS() as { kind: string; metadata: { name: string; namespace: string; labels: Record<string, string> } });
    expect(documents.map((document) => `${document.kind} ${document.metadata.namespace}/${document.metadata.name}`)).toEqual([
      'NetworkPolicy otterize-tutorial-npol/netfence-intents-client',
      'NetworkPolicy otterize-tutorial-npol/netfence-intents-to-server',
    ]);
    expect(documents[0]?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/intents': 'client' });
    expect(err).toMatch(/2 policies for 1 declared connection\(s\) over 2 governed pod\(s\), 1 pod pair\(s\) checked: proven/);
  });

  it('reads intents from FILEs and standard input, prints a JSON List, and the same bytes each time', async () => {
    const intents = readFileSync(join(STATE, 'client-intents.yaml'), 'utf8');
    const stateOnly = mkdtempSync(join(tmpdir(), 'netfence-intents-state-'));
    for (const file of ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml']) writeFileSync(join(stateOnly, file), readFileSync(join(STATE, file), 'utf8'));
    const fromFile = await run('intents', 'generate', '--state', stateOnly, tempFile('intents.yaml', intents));
    const fromStdin = await netfence(['intents', 'generate', '--state', stateOnly, '-'], intents);
    expect(fromFile.code).toBe(0);
    expect(fromStdin.out).toBe(fromFile.out);
    expect((await run('intents', 'generate', '--state', stateOnly, tempFile('intents.yaml', intents))).out).toBe(fromFile.out);
    const json = await run('intents', 'generate', '--state', stateOnly, tempFile('intents.yaml', intents), '--output', 'json');
    expect(JSON.parse(json.out)).toMatchObject({ apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'netfence-intents-client' } }, { metadata: { name: 'netfence-intents-to-server' } }] });
  });

  it('refuses bad intents in one line naming file, line and field (exit 2)', async () => {
    const bad = tempFile('bad.yaml', 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: otterize-tutorial-npol}\nspec:\n  workload: {name: client}\n  targets:\n  - {kubernetes: {name: server}, service: {name: server}}\n');
    const { code, err } = await run('intents', 'generate', '--state', STATE, bad);
    expect(code).toBe(2);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toContain('bad.yaml:1');
    expect(err).toContain('spec.targets[0]');
  });

  it('says when there is nothing to generate from, and what the subcommand is', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'netfence-intents-empty-'));
    writeFileSync(join(empty, 'kube-system.yaml'), readFileSync(join(STATE, 'kube-system.yaml'), 'utf8'));
    expect(await run('intents', 'generate', '--state', empty)).toMatchObject({ code: 2, err: expect.stringContaining('no ClientIntents') });
    expect(await run('intents', '--state', STATE)).toMatchObject({ code: 2, err: expect.stringContaining('expected a subcommand: generate') });
  });

  it('prints nothing and exits 1 when the proof fails (two workloads the generated selector cannot tell apart)', async () => {
    const state = mkdtempSync(join(tmpdir(), 'netfence-intents-twins-'));
    for (const file of ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml', 'client-intents.yaml']) writeFileSync(join(state, file), readFileSync(join(STATE, file), 'utf8'));
    // A canary of server with the same template labels, which client-other calls.
    const tutorial = readFileSync(join(STATE, 'tutorial.yaml'), 'utf8');
    const server = tutorial.split(/^---$/m).find((document) => /kind: Deployment/.test(document) && /name: server\n/.test(document)) ?? '';
    writeFileSync(join(state, 'canary.yaml'), server.replace('name: server\n', 'name: server-canary\n'));
    writeFileSync(join(state, 'other.yaml'), 'apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client-other, namespace: otterize-tutorial-npol}\nspec:\n  workload: {name: client-other}\n  targets:\n  - kubernetes: {name: server-canary}\n');
    const { code, out, err } = await run('intents', 'generate', '--state', state);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/NOT PROVEN: .*which no policy can tell apart from it\): the generated policies open 80\/TCP that no intent declares/);
  });
});

describe('netfence audit: the least-privilege gap of the servers ClientIntents protect', () => {
  it('lists what still opens into them that no intent declares, with the policies that open it', async () => {
    const state = mkdtempSync(join(tmpdir(), 'netfence-intents-gap-'));
    for (const file of ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml', 'client-intents.yaml']) writeFileSync(join(state, file), readFileSync(join(STATE, file), 'utf8'));
    const before = await run('audit', '--state', state, '--json');
    expect(JSON.parse(before.out).intentsGap).toBeUndefined(); // server's ingress is the intents' alone: no gap
    writeFileSync(join(state, 'same-namespace.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-same-namespace, namespace: otterize-tutorial-npol}\nspec: {podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {}}]}]}\n');
    const { out } = await run('audit', '--state', state);
    expect(out).toContain('Least-privilege gap (connections into servers ClientIntents protect that no intent declares):\n- otterize-tutorial-npol/Deployment/client-other -> otterize-tutorial-npol/Deployment/server on every port, opened by otterize-tutorial-npol/allow-same-namespace, Egress not isolated');
    // client's egress is the intents' alone: 80/TCP is declared, nothing else opens.
    expect(out).not.toContain('Deployment/client -> ');
    const json = JSON.parse((await run('audit', '--state', state, '--json')).out) as { intentsGap: unknown[] };
    expect(json.intentsGap).toEqual([{ server: 'otterize-tutorial-npol/Deployment/server', from: 'otterize-tutorial-npol/Deployment/client-other', ports: 'every port', openedBy: ['otterize-tutorial-npol/allow-same-namespace', 'Egress not isolated'] }]);
  });
});
