import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { clusterDns, namespace, networkPolicy } from '../support/kube-objects.js';
import { run } from '../support/cli.js';

/**
 * Issue 19, end to end through `netfence check --output json`: a change is denied only for what it
 * makes worse; an adopted namespace is judged with its baseline in place; allow-all is decided by
 * what a rule admits; public entry points and host-network pods are no findings; messages name
 * real pods and workloads.
 */

interface FindingJson {
  readonly rule: string;
  readonly severity: 'deny' | 'warn';
  readonly object: string;
  readonly message: string;
  readonly fix?: unknown;
  readonly document?: number;
}

const deployment = (ns: string, name: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'main', image: 'app', ports: [{ containerPort: 8080 }] }], ...extra } } },
});
const service = (ns: string, name: string, selector: Record<string, string>, type?: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: ns },
  spec: { ...(type === undefined ? {} : { type }), selector, ports: [{ port: 80, targetPort: 8080 }] },
});
const DNS_EGRESS = { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] };

/** check writes a state and manifests and runs `netfence check --output json` on them. */
async function check(state: readonly object[], manifests: readonly object[], config?: string): Promise<{ code: number; findings: FindingJson[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-judge-'));
  writeFileSync(join(dir, 'state.yaml'), [...clusterDns(), ...state].map((object) => stringify(object)).join('---\n'));
  writeFileSync(join(dir, 'manifests.yaml'), manifests.map((object) => stringify(object)).join('---\n'));
  const args = ['check', '--state', join(dir, 'state.yaml'), join(dir, 'manifests.yaml'), '--output', 'json'];
  if (config !== undefined) {
    writeFileSync(join(dir, 'netfence.yaml'), config);
    args.push('--config', join(dir, 'netfence.yaml'));
  }
  const { code, out } = await run(...args);
  return { code, findings: (JSON.parse(out) as { findings: FindingJson[] }).findings };
}
const rules = (findings: readonly FindingJson[]) => findings.map((finding) => `${finding.rule} ${finding.severity}`);

const SHOP = [namespace('shop'), deployment('shop', 'web', { app: 'web' }), deployment('shop', 'reports', { app: 'reports' })];
/** reports is cut off from DNS already: isolated for egress, allowed only to a database. */
const REPORTS_EGRESS = networkPolicy('shop', 'reports-egress', { podSelector: { matchLabels: { app: 'reports' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5432 }] }] });

describe('a change is denied only for what it makes worse', () => {
  it('warns, saying it predates the change, when the pods it cuts off DNS were cut off before', async () => {
    const second = networkPolicy('shop', 'reports-to-db', { podSelector: { matchLabels: { app: 'reports' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5433 }] }] });
    const { code, findings } = await check([...SHOP, REPORTS_EGRESS], [second]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['essential-egress warn', 'default-deny-missing warn']);
    expect(findings[0]?.message).toContain('Such pods were already cut off before this change, which does not make it worse.');
  });

  it('denies it as before with preexisting: deny', async () => {
    const second = networkPolicy('shop', 'reports-to-db', { podSelector: { matchLabels: { app: 'reports' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 5433 }] }] });
    const { code, findings } = await check([...SHOP, REPORTS_EGRESS], [second], 'preexisting: deny\n');
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['essential-egress deny', 'default-deny-missing deny']);
  });

  it('denies cutting off pods that reach DNS today, naming the workload', async () => {
    const lockdown = networkPolicy('shop', 'web-egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] });
    const { code, findings } = await check([...SHOP, REPORTS_EGRESS], [lockdown]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['essential-egress deny', 'default-deny-missing warn']);
    expect(findings[0]?.message).toMatch(/^After this change, shop\/Deployment\/web \(app=web\) in shop cannot reach cluster-dns/);
    expect(findings[0]?.fix).toBeDefined();
  });

  it('admits a tightening policy in a namespace that never had a default-deny, and a default-deny that keeps DNS', async () => {
    const ingressOnly = networkPolicy('shop', 'default-deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
    const egressLockdown = networkPolicy('shop', 'default-deny-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [DNS_EGRESS] });
    const { code, findings } = await check(SHOP, [ingressOnly, egressLockdown]);
    expect(code).toBe(0);
    expect(findings.every((finding) => finding.severity === 'warn')).toBe(true);
  });

  it('denies narrowing the default-deny: pods isolated before are not after', async () => {
    const denyAll = networkPolicy('shop', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] });
    const narrowed = networkPolicy('shop', 'default-deny', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress', 'Egress'], egress: [DNS_EGRESS] });
    const { code, findings } = await check([...SHOP, denyAll], [narrowed]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['default-deny-missing deny']);
    expect(findings[0]?.message).toContain('shop/Deployment/reports (app=reports) is not isolated for Ingress and Egress (no policy with those policyTypes selects it)');
    expect(findings[0]?.message).toContain('This pod was isolated before the change.');
  });
});

describe('an adopted namespace is judged with its baseline in place, written yet or not', () => {
  const webEgress = networkPolicy('shop', 'web-egress', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] });

  it('admits an app egress policy without DNS: the baseline allows DNS to every pod', async () => {
    const adopted = [namespace('shop', { 'netfence.io/baseline': 'default' }), ...SHOP.slice(1)];
    const { code, findings } = await check(adopted, [webEgress]);
    expect(code).toBe(0);
    expect(findings).toEqual([]);
  });

  it('does the same for a namespace the manifests create (kubectl apply -k of a namespace and its policies)', async () => {
    const { code, findings } = await check([], [namespace('fresh'), deployment('fresh', 'web', { app: 'web' }), { ...webEgress, metadata: { name: 'web-egress', namespace: 'fresh' } }]);
    expect(code).toBe(0);
    expect(findings).toEqual([]);
  });

  it('denies the allow-all that would void the baseline default-deny, with a fix', async () => {
    const adopted = [namespace('shop', { 'netfence.io/baseline': 'default' }), ...SHOP.slice(1)];
    const open = networkPolicy('shop', 'allow-all-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{}] });
    const { code, findings } = await check(adopted, [open]);
    expect(code).toBe(1);
    expect(rules(findings)).toEqual(['allow-all deny']);
    expect(findings[0]?.message).toContain("That undoes the namespace's default-deny for Egress (today by shop/netfence-default-deny, the baseline netfence keeps)");
    // The fix is the policy without the open rule, keeping the essential egress (cluster DNS).
    expect(findings[0]?.fix).toMatchObject({ metadata: { name: 'allow-all-egress' }, spec: { egress: [{ to: expect.arrayContaining(DNS_EGRESS.to), ports: DNS_EGRESS.ports }] } });
  });
});

describe('allow-all, exact and narrow', () => {
  const ADOPTED = [namespace('shop', { 'netfence.io/baseline': 'default' }), ...SHOP.slice(1)];
  const everyPort = ['TCP', 'UDP', 'SCTP'].map((protocol) => ({ port: 1, endPort: 65535, protocol }));

  it('catches allow-all however written: two /1 blocks on every port of every protocol', async () => {
    const written = networkPolicy('shop', 'open', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/1' } }, { ipBlock: { cidr: '128.0.0.0/1' } }], ports: everyPort }] });
    expect(rules((await check(ADOPTED, [written])).findings)).toEqual(['allow-all deny']);
  });

  it('warns (unrestricted-peers) for open egress on some pods, and says what a narrower rule looks like', async () => {
    const open = networkPolicy('shop', 'web-open', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{}] });
    const { code, findings } = await check(ADOPTED, [open]);
    expect(code).toBe(0);
    expect(rules(findings)).toEqual(['unrestricted-peers warn']);
    expect(findings[0]?.message).toMatch(/^shop\/web-open egress\[0\] lets shop\/Deployment\/web \(app=web\) send to any address on any port/);
    expect(findings[0]?.message).toContain('A narrower rule names the peers to which the pods need traffic');
  });

  it('admits ingress from anywhere to pods a LoadBalancer or NodePort Service exposes on the ports it targets; on every port it warns, naming them', async () => {
    const onTarget = networkPolicy('shop', 'web-public', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 8080 }] }] });
    const everyPort = networkPolicy('shop', 'web-public', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Ingress'], ingress: [{}] });
    for (const type of ['LoadBalancer', 'NodePort']) {
      expect((await check([...ADOPTED, service('shop', 'web', { app: 'web' }, type)], [onTarget])).findings).toEqual([]);
      const { code, findings } = await check([...ADOPTED, service('shop', 'web', { app: 'web' }, type)], [everyPort]);
      expect(code).toBe(0);
      expect(rules(findings)).toEqual(['unrestricted-peers warn']);
      expect(findings[0]?.message).toContain(`The pods are exposed by ${type} Service shop/web: from anywhere is what that means on the ports it targets (8080/TCP), not on every port; name those ports, e.g. {ports: [{port: 8080, protocol: TCP}]}.`);
    }
    const behindClusterIp = await check([...ADOPTED, service('shop', 'web', { app: 'web' })], [everyPort]);
    expect(rules(behindClusterIp.findings)).toEqual(['unrestricted-peers warn']);
    expect(behindClusterIp.findings[0]?.message).toContain('A narrower rule names the peers from which the pods need traffic');
  });

  it('leaves a policy for host-network pods only alone: a note, no finding', async () => {
    const agents = [namespace('agents'), deployment('agents', 'node-agent', { app: 'node-agent' }, { hostNetwork: true })];
    const policy = networkPolicy('agents', 'node-agent', { podSelector: { matchLabels: { app: 'node-agent' } }, policyTypes: ['Egress'], egress: [{}] });
    const lockdown = networkPolicy('agents', 'node-agent', { podSelector: { matchLabels: { app: 'node-agent' } }, policyTypes: ['Egress'] });
    expect((await check(agents, [policy])).findings).toEqual([]);
    const { code, findings } = await check(agents, [lockdown]);
    expect({ code, findings }).toEqual({ code: 0, findings: [] });
    const dir = mkdtempSync(join(tmpdir(), 'netfence-judge-'));
    writeFileSync(join(dir, 'state.yaml'), [...clusterDns(), ...agents].map((object) => stringify(object)).join('---\n'));
    writeFileSync(join(dir, 'policy.yaml'), stringify(lockdown));
    const text = await run('check', '--state', join(dir, 'state.yaml'), join(dir, 'policy.yaml'));
    expect(text.out).toContain('NetworkPolicy agents/node-agent (CREATE): ok\n  NOTE agents/node-agent selects only hostNetwork pods, which NetworkPolicies do not govern: no rule judges it');
    // The same lockdown for ordinary pods cuts them off DNS.
    expect(rules((await check([namespace('agents'), deployment('agents', 'node-agent', { app: 'node-agent' })], [lockdown])).findings)).toContain('essential-egress deny');
  });
});

describe('messages that read right', () => {
  it('never print <none> for pods, and cut headlines between words', async () => {
    const denyAll = networkPolicy('empty', 'a-rather-long-policy-name-that-makes-the-warning-headline-run-past-the-limit', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const { findings } = await check([namespace('empty')], [denyAll]);
    expect(rules(findings)).toEqual(['essential-egress deny']);
    for (const finding of findings) {
      expect(finding.message).not.toContain('<none>');
      expect(finding.message).toContain('a pod with no labels (any pod no other policy selects)');
    }
    const { out } = await run('check', '--state', join(import.meta.dirname, '../../examples/cluster'), '-n', 'team-a', join(import.meta.dirname, '../../examples/manifests/web-open-ingress.yaml'));
    const headline = out.split('\n').find((line) => line.startsWith('  WARN [unrestricted-peers]')) ?? '';
    expect(headline.length).toBeGreaterThan(0);
    expect(headline.trim().length).toBeLessThanOrEqual(124);
  });
});
