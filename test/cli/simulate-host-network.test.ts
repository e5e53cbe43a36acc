import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_NETWORK_NOTE } from '../../src/cli/format/connection.js';
import { run } from '../support/cli.js';

/**
 * `netfence simulate` about pods with `hostNetwork: true`: the API leaves them to the network
 * plugin, so every answer about one says it assumes an ordinary pod. The same state with
 * `hostNetwork: true` taken out must give the same answers without the notice.
 */

const EXPORTER = 'monitoring/node-exporter-x7k2p';
const PROMETHEUS = 'monitoring/prometheus-0';
const AGENT = 'monitoring/Deployment/agent';

function stateYaml(hostNetwork: boolean): string {
  const host = (indent: number): string => (hostNetwork ? `\n${' '.repeat(indent)}hostNetwork: true` : '');
  return `apiVersion: v1
kind: Pod
metadata: {name: node-exporter-x7k2p, namespace: monitoring, labels: {app: node-exporter}}
spec:${host(2)}
  containers: [{name: exporter, ports: [{containerPort: 9100, name: metrics}]}]
status: {podIP: 192.168.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: prometheus-0, namespace: monitoring, labels: {app: prometheus}}
spec:
  containers: [{name: prometheus, ports: [{containerPort: 9090, name: web}]}]
status: {podIP: 10.244.0.9}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: monitoring}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:${host(6)}
      containers: [{name: agent}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: scrape-exporter, namespace: monitoring}
spec:
  podSelector: {matchLabels: {app: node-exporter}}
  ingress: [{from: [{podSelector: {matchLabels: {app: prometheus}}}], ports: [{port: 9100}]}]
`;
}

function stateDir(hostNetwork: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-host-network-'));
  writeFileSync(join(dir, 'state.yaml'), stateYaml(hostNetwork));
  return dir;
}

const HOST = stateDir(true);
const ORDINARY = stateDir(false);

/** withoutHostNetworkNotes drops the notice, leaving what the answer would be for ordinary pods. */
const withoutHostNetworkNotes = (text: string): string =>
  text
    .replaceAll(' (hostNetwork)', '')
    .split('\n')
    .filter((line) => !line.includes('hostNetwork'))
    .join('\n');

const QUESTIONS: ReadonlyArray<readonly string[]> = [
  ['--from', PROMETHEUS, '--to', EXPORTER, '--port', '9100'],
  ['--from', PROMETHEUS, '--to', EXPORTER, '--port', 'any'],
  ['--from', AGENT, '--to', EXPORTER, '--port', '9100'],
  ['--from', 'monitoring', '--to', 'monitoring', '--port', '9100'],
  ['--from', PROMETHEUS, '--port', '9100'],
];

describe('netfence simulate with hostNetwork pods', () => {
  it('notes the host-network pod under one connection, the verdict unchanged', async () => {
    const { code, out } = await run('simulate', '--state', HOST, '--from', PROMETHEUS, '--to', EXPORTER, '--port', '9100');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      `ALLOWED: ${PROMETHEUS} -> ${EXPORTER} on 9100/TCP`,
      `  egress  of ${PROMETHEUS}: allowed (no policy selects this pod for Egress)`,
      `  ingress of ${EXPORTER}: allowed by monitoring/scrape-exporter ingress[0] (isolated by monitoring/scrape-exporter)`,
      `  note: ${EXPORTER} has hostNetwork: true: ${HOST_NETWORK_NOTE}`,
    ]);
    expect(HOST_NETWORK_NOTE).toContain('the network plugin decides');
    expect(HOST_NETWORK_NOTE).toContain("most treat their traffic as the node's, so policies do not select them and pod-selector peers do not match them (ipBlock rules on node addresses may)");
  });

  it('names the host-network pods in one connection’s JSON, on a port and on any port', async () => {
    for (const port of ['9100', 'any']) {
      const { out } = await run('simulate', '--state', HOST, '--from', PROMETHEUS, '--to', EXPORTER, '--port', port, '--json');
      expect(JSON.parse(out)).toMatchObject({ allowed: true, hostNetwork: { pods: [EXPORTER], note: HOST_NETWORK_NOTE } });
    }
  });

  it("notes a Deployment template's hostNetwork beside the template note", async () => {
    const { code, out } = await run('simulate', '--state', HOST, '--from', AGENT, '--to', EXPORTER, '--port', '9100');
    expect(code).toBe(1);
    expect(out).toContain(`  note: ${AGENT} is the pod template of Deployment agent`);
    expect(out).toContain(`  note: ${AGENT} has hostNetwork: true: ${HOST_NETWORK_NOTE}`);
    expect(out).toContain(`  note: ${EXPORTER} has hostNetwork: true: ${HOST_NETWORK_NOTE}`);
    const json = JSON.parse((await run('simulate', '--state', HOST, '--from', AGENT, '--to', EXPORTER, '--port', '9100', '--json')).out);
    expect(json.hostNetwork.pods).toEqual([AGENT, EXPORTER]);
  });

  it('notes them under a grouped answer, and in each group end of the JSON', async () => {
    const { out } = await run('simulate', '--state', HOST, '--from', 'monitoring', '--to', 'monitoring', '--port', '9100');
    const notes = out.split('\n').filter((line) => line.startsWith('  note: '));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^ {2}note: monitoring\/(Deployment\/agent|node-exporter-x7k2p), monitoring\/(Deployment\/agent|node-exporter-x7k2p) have hostNetwork: true: /);
    expect(notes[0]).toContain(AGENT);
    expect(notes[0]).toContain(EXPORTER);
    expect(notes[0]?.endsWith(HOST_NETWORK_NOTE)).toBe(true);
    const json = JSON.parse((await run('simulate', '--state', HOST, '--from', 'monitoring', '--to', 'monitoring', '--port', '9100', '--json')).out);
    expect(new Set(json.hostNetwork.pods)).toEqual(new Set([EXPORTER, AGENT]));
    expect(json.hostNetwork.note).toBe(HOST_NETWORK_NOTE);
    const ends: Array<{ pods: string[]; hostNetwork?: string[] }> = json.groups.flatMap((group: { from: unknown; to: unknown }) => [group.from, group.to]);
    for (const end of ends) expect(end.hostNetwork ?? []).toEqual(end.pods.filter((pod) => pod === EXPORTER || pod === AGENT));
  });

  it('marks them in a truth table, with a legend, and names them in its JSON', async () => {
    const { code, out } = await run('simulate', '--state', HOST, '--from', PROMETHEUS, '--port', '9100');
    expect(code).toBe(0);
    expect(out).toContain(`${EXPORTER} (hostNetwork)`);
    expect(out).toContain(`${AGENT} (hostNetwork)`);
    expect(out).not.toContain(`${PROMETHEUS} (hostNetwork)`);
    expect(out.split('\n').at(-1)).toBe(`(hostNetwork) marks a pod with hostNetwork: true: ${HOST_NETWORK_NOTE}.`);
    const json = JSON.parse((await run('simulate', '--state', HOST, '--from', PROMETHEUS, '--port', '9100', '--json')).out);
    expect(json.hostNetwork).toEqual({ pods: [AGENT, EXPORTER], note: HOST_NETWORK_NOTE });
  });

  it.each(QUESTIONS)('answers as for ordinary pods, and says nothing of hostNetwork for them (%#)', async (...question) => {
    const host = await run('simulate', '--state', HOST, ...question);
    const ordinary = await run('simulate', '--state', ORDINARY, ...question);
    expect(host.code).toBe(ordinary.code);
    expect(ordinary.out).not.toContain('hostNetwork');
    expect(host.out).toContain('hostNetwork');
    expect(withoutHostNetworkNotes(host.out)).toBe(ordinary.out);
    const hostJson = JSON.parse((await run('simulate', '--state', HOST, ...question, '--json')).out);
    const ordinaryJson = JSON.parse((await run('simulate', '--state', ORDINARY, ...question, '--json')).out);
    expect(JSON.stringify(ordinaryJson)).not.toContain('hostNetwork');
    expect(JSON.parse(JSON.stringify(hostJson, (key, value: unknown) => (key === 'hostNetwork' ? undefined : value)))).toEqual(ordinaryJson);
  });
});
