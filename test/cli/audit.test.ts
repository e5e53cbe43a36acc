import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { run } from '../support/cli.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { clusterDns, namespace, networkPolicy } from '../support/kube-objects.js';

/** `netfence audit`: offline on a state directory, and live against the fake API server. */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');

interface FindingJson {
  rule: string;
  severity: string;
  object: string;
  service?: string;
  counterexample?: { namespace: string; labels: Record<string, string> };
  fix?: Record<string, unknown>;
  adoption?: { profile: string; isolated: Array<{ pod: string; directions: string[] }> };
}

const ADOPTED = { 'netfence.io/baseline': 'default' };

describe('netfence audit --state', () => {
  it('finds every namespace without default-deny and every pod selector cut off from DNS, and exits 1', async () => {
    const { code, out } = await run('audit', '--state', EXAMPLE, '--json');
    expect(code).toBe(1);
    const findings = (JSON.parse(out) as { findings: FindingJson[] }).findings;
    const keys = findings.map((finding) => `${finding.object} ${finding.rule}`).sort();
    expect(keys).toEqual([
      'ingress-nginx default-deny-missing',
      'ingress-nginx namespace-not-adopted',
      'monitoring default-deny-missing',
      'monitoring namespace-not-adopted',
      'team-b default-deny-missing',
      'team-b essential-egress',
      'team-b namespace-not-adopted',
    ]);
    const dns = findings.find((finding) => finding.rule === 'essential-egress');
    expect(dns).toMatchObject({ severity: 'deny', service: 'cluster-dns', counterexample: { namespace: 'team-b', labels: { app: 'reports' } } });
  });

  it('lists the namespaces not adopted yet, with the pods that adopting each would isolate, and in which directions', async () => {
    const { out } = await run('audit', '--state', EXAMPLE, '--json');
    const findings = (JSON.parse(out) as { findings: FindingJson[] }).findings.filter((finding) => finding.rule === 'namespace-not-adopted');
    expect(findings.every((finding) => finding.severity === 'warn')).toBe(true);
    // team-b has an ingress policy for db and an egress policy for reports: each pod is open the other way only.
    expect(findings.find((finding) => finding.object === 'team-b')?.adoption).toEqual({
      profile: 'default',
      isolated: [
        { pod: 'team-b/db-0', directions: ['Egress'] },
        { pod: 'team-b/reports-7f9b6d5c4-h5x2n', directions: ['Ingress'] },
      ],
    });
    expect(findings.find((finding) => finding.object === 'monitoring')?.adoption?.isolated).toEqual([{ pod: 'monitoring/prometheus-0', directions: ['Ingress', 'Egress'] }]);
    const table = (await run('audit', '--state', EXAMPLE)).out;
    expect(table).toContain('Not adopted yet (netfence writes nothing there):');
    expect(table).toContain('kubectl label namespace team-b netfence.io/baseline=default): 2 of its 2 pod(s) would be isolated for the first time');
  });

  it('says nothing of adoption with adoptExisting (every namespace is adopted), nor with the rule off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-audit-'));
    for (const [name, text] of [['adopt.yaml', 'adoptExisting: true\n'], ['off.yaml', 'rules: {namespace-not-adopted: "off"}\n']] as const) {
      writeFileSync(join(dir, name), text);
      const findings = (JSON.parse((await run('audit', '--state', EXAMPLE, '--json', '--config', join(dir, name))).out) as { findings: FindingJson[] }).findings;
      expect(findings.map((finding) => finding.rule)).not.toContain('namespace-not-adopted');
      expect(findings).toHaveLength(4);
    }
  });

  it('prints a table for people, one row a finding', async () => {
    const { code, out } = await run('audit', '--state', EXAMPLE);
    expect(code).toBe(1);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+RULE\s+SEVERITY\s+OBJECT\s+EXAMPLE POD\s+SERVICE$/);
    expect(lines.find((line) => line.includes('essential-egress'))).toMatch(/^team-b\s+essential-egress\s+deny\s+team-b\s+app=reports\s+cluster-dns$/);
    expect(out).toContain('7 finding(s).');
  });

  it('suggests fixes that clear the findings: with every fix applied the audit is clean', async () => {
    const findings = (JSON.parse((await run('audit', '--state', EXAMPLE, '--json')).out) as { findings: FindingJson[] }).findings;
    const state = mkdtempSync(join(tmpdir(), 'netfence-audit-'));
    cpSync(EXAMPLE, state, { recursive: true });
    const fixes = new Map(findings.flatMap((finding) => (finding.fix === undefined ? [] : [[finding.object, finding.fix] as const])));
    writeFileSync(join(state, 'fixes.yaml'), [...fixes.values()].map((fix) => stringify(fix)).join('---\n'));
    // Adoption is a label, not a policy: label the namespaces that are not adopted as an admin would.
    const notAdopted = findings.filter((finding) => finding.rule === 'namespace-not-adopted').map((finding) => finding.object);
    expect(notAdopted).toEqual(['ingress-nginx', 'monitoring', 'team-b']);
    const list = parse(readFileSync(join(EXAMPLE, 'namespaces.yaml'), 'utf8')) as { items: Array<{ metadata: { name: string; labels?: Record<string, string> } }> };
    for (const item of list.items) if (notAdopted.includes(item.metadata.name)) item.metadata.labels = { ...item.metadata.labels, ...ADOPTED };
    writeFileSync(join(state, 'namespaces.yaml'), stringify(list));
    const relabelled = (JSON.parse((await run('audit', '--state', state, '--json')).out) as { findings: FindingJson[] }).findings;
    expect(relabelled.map((finding) => finding.rule)).not.toContain('namespace-not-adopted');
    const { code, out } = await run('audit', '--state', state);
    expect(out).toBe('No broken guardrail found.');
    expect(code).toBe(0);
  });

  it('skips namespaces in mode off and exempt namespaces', async () => {
    const state = mkdtempSync(join(tmpdir(), 'netfence-audit-'));
    writeFileSync(
      join(state, 'cluster.yaml'),
      [...clusterDns(), namespace('quiet', { 'netfence.io/mode': 'off' }), namespace('loud', ADOPTED)].map((object) => stringify(object)).join('---\n'),
    );
    const findings = (JSON.parse((await run('audit', '--state', state, '--json')).out) as { findings: FindingJson[] }).findings;
    expect(findings.map((finding) => finding.object)).toEqual(['loud']);
  });

  it('reports what check reports for the same objects (dns-tcp-missing included)', async () => {
    const udpOnly = stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-but-dns-udp', namespace: 'team-c' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] }],
      },
    });
    // Opted out of its baseline: check judges an adopted namespace with its baseline in place (which
    // allows DNS over TCP), audit reads what is there; opted out, both see the same policies.
    const base = [...clusterDns(), namespace('team-c', { 'netfence.io/baseline': 'none' })].map((object) => stringify(object)).join('---\n');
    const before = mkdtempSync(join(tmpdir(), 'netfence-audit-'));
    writeFileSync(join(before, 'cluster.yaml'), base);
    const manifest = join(before, '..', `${before.split('/').pop() ?? 'x'}-policy.yaml`);
    writeFileSync(manifest, udpOnly);
    const checked = (JSON.parse((await run('check', '--state', before, manifest, '--json')).out) as { findings: FindingJson[] }).findings;
    const after = mkdtempSync(join(tmpdir(), 'netfence-audit-'));
    writeFileSync(join(after, 'cluster.yaml'), `${base}---\n${udpOnly}`);
    const audited = (JSON.parse((await run('audit', '--state', after, '--json')).out) as { findings: FindingJson[] }).findings;
    expect(checked.map((finding) => finding.rule)).toEqual(['dns-tcp-missing']);
    expect(audited.map((finding) => finding.rule)).toEqual(['dns-tcp-missing']);
    expect(audited[0]).toMatchObject({ severity: 'warn', service: checked[0]?.service, counterexample: checked[0]?.counterexample });
  });

  it('refuses --state with --kubeconfig, and says when there is no cluster to read', async () => {
    expect((await run('audit', '--state', EXAMPLE, '--kubeconfig', 'x')).code).toBe(2);
    const missing = await run('audit', '--kubeconfig', join(tmpdir(), 'no-such-kubeconfig'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('cannot read cluster credentials');
  });
});

describe('netfence audit (live)', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function cluster(installReports: boolean): Promise<{ server: FakeApiServer; kubeconfig: string }> {
    const fake = new FakeApiServer();
    server = fake;
    const kubeConfig = await fake.start();
    if (installReports) fake.install('wgpolicyk8s.io');
    for (const object of clusterDns()) fake.put(object);
    fake.put(namespace('open', ADOPTED));
    fake.put(namespace('sound', ADOPTED));
    fake.put(networkPolicy('sound', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] }));
    fake.put(namespace('cut', ADOPTED));
    fake.put(networkPolicy('cut', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'netfence-audit-')), 'kubeconfig');
    writeFileSync(kubeconfig, kubeConfig.exportConfig());
    return { server: fake, kubeconfig };
  }

  it('lists the live cluster and writes one PolicyReport per namespace where the CRD is installed', async () => {
    const { server, kubeconfig } = await cluster(true);
    const { code, out, err } = await run('audit', '--kubeconfig', kubeconfig, '--json');
    expect(code).toBe(1);
    const findings = (JSON.parse(out) as { findings: FindingJson[] }).findings;
    expect(findings.map((finding) => `${finding.object} ${finding.rule}`).sort()).toEqual(['cut essential-egress', 'open default-deny-missing']);
    expect(err).toContain('PolicyReport(s)');
    const cut = server.get('PolicyReport', 'cut', 'netfence');
    expect(cut).toMatchObject({
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      summary: { pass: 0, fail: 1, warn: 0, error: 0, skip: 0 },
      results: [{ source: 'netfence', policy: 'essential-egress', result: 'fail', resources: [{ kind: 'Namespace', name: 'cut' }] }],
    });
    expect(server.get('PolicyReport', 'sound', 'netfence')).toMatchObject({ summary: { pass: 1, fail: 0 }, results: [] });
    expect(server.get('PolicyReport', 'kube-system', 'netfence')).toBeUndefined(); // exempt: not audited, no report

    // A second audit after a fix replaces the report in place.
    server.put(networkPolicy('cut', 'dns', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }] }));
    await run('audit', '--kubeconfig', kubeconfig);
    expect(server.get('PolicyReport', 'cut', 'netfence')).toMatchObject({ summary: { pass: 1, fail: 0 }, results: [] });
    expect(server.list('PolicyReport').filter((report) => report.metadata.namespace === 'cut')).toHaveLength(1);
  });

  it('lists the pods of a namespace that is not adopted (the cache watches pods only where essential services run)', async () => {
    const { server, kubeconfig } = await cluster(false);
    server.put(namespace('legacy'));
    server.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'legacy', labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { phase: 'Running', podIP: '10.244.1.5' } });
    server.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'job-1', namespace: 'legacy' }, spec: { containers: [{ name: 'job', image: 'busybox' }] }, status: { phase: 'Succeeded' } });
    server.put(networkPolicy('legacy', 'web-ingress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'] }));
    const { out } = await run('audit', '--kubeconfig', kubeconfig, '--json');
    const legacy = (JSON.parse(out) as { findings: FindingJson[] }).findings.find((finding) => finding.object === 'legacy' && finding.rule === 'namespace-not-adopted');
    // Isolated for Ingress already by its own policy; a finished pod sends nothing.
    expect(legacy?.adoption).toEqual({ profile: 'default', isolated: [{ pod: 'legacy/web-1', directions: ['Egress'] }] });
    expect(server.requests.some((request) => request.method === 'GET' && request.path.startsWith('/api/v1/namespaces/legacy/pods'))).toBe(true);
    expect(server.requests.some((request) => request.method === 'GET' && request.path.startsWith('/api/v1/namespaces/sound/pods'))).toBe(false);
  });

  it('writes no report without the CRD, nor with --dry-run', async () => {
    const { server, kubeconfig } = await cluster(false);
    expect((await run('audit', '--kubeconfig', kubeconfig)).code).toBe(1);
    expect(server.requests.some((request) => request.path.includes('policyreports'))).toBe(false);

    server.install('wgpolicyk8s.io');
    await run('audit', '--kubeconfig', kubeconfig, '--dry-run');
    expect(server.list('PolicyReport')).toEqual([]);
  });
});
