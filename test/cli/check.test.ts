import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { parse } from 'yaml';
import { run } from '../support/cli.js';
import { CA, reviewFrom, startWebhook } from '../support/webhook.js';
import type { TestWebhook } from '../support/webhook.js';

/** `netfence check` and `netfence baseline`, offline, as a GitOps pipeline runs them. */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');
const INTENTS = join(import.meta.dirname, '..', '..', 'examples', 'intents');
const NO_DNS = join(import.meta.dirname, '..', '..', 'examples', 'manifests', 'db-egress-no-dns.yaml');

let webhook: TestWebhook | undefined;
afterEach(async () => {
  await webhook?.app.close();
  webhook = undefined;
});

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-check-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe('netfence check', () => {
  it('exits 1 and prints the findings in the documented JSON shape when a manifest would be denied', async () => {
    const { code, out } = await run('check', '--state', EXAMPLE, NO_DNS, '--json');
    expect(code).toBe(1);
    const result = JSON.parse(out);
    expect(result.denied).toBe(true);
    expect(result.findings.map((finding: { rule: string }) => finding.rule)).toEqual(['essential-egress', 'default-deny-missing']);
    expect(result.findings[0]).toMatchObject({
      rule: 'essential-egress',
      severity: 'deny',
      object: 'team-b/db-to-backup',
      service: 'cluster-dns',
      counterexample: { namespace: 'team-b', labels: { app: 'db' } },
      fix: { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'netfence-essentials', namespace: 'team-b' } },
    });
    expect(typeof result.findings[0].message).toBe('string');
  });

  it('suggests a fix that passes every rule by itself: applying it first makes the same manifest pass', async () => {
    const first = JSON.parse((await run('check', '--state', EXAMPLE, NO_DNS, '--json')).out);
    const fix = tempFile('fix.yaml', JSON.stringify(first.findings[0].fix));
    const { code, out } = await run('check', '--state', EXAMPLE, fix, NO_DNS, '--json');
    expect(JSON.parse(out)).toEqual({ denied: false, findings: [] });
    expect(code).toBe(0);
  });

  it('applies manifests in order, so a later one sees an earlier one: a namespace they create, with its baseline', async () => {
    // fresh gets the baseline label the mutating webhook sets, so its policies are judged with the baseline in place.
    const namespace = tempFile('ns.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open-ingress, namespace: fresh}\nspec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}\n');
    const { code, out } = await run('check', '--state', EXAMPLE, namespace);
    expect(code).toBe(1);
    expect(out).toContain('Namespace fresh (CREATE): ok');
    expect(out).toContain('NetworkPolicy fresh/open-ingress (CREATE): DENIED in enforce mode');
    // First the one-line what and why, then the explanation and the fix.
    expect(out).toMatch(/\n {2}DENY \[allow-all\] fresh\/open-ingress ingress\[0\] lets any address reach every pod in fresh on any port\n {4}[^\n]*That undoes the namespace's default-deny for Ingress \(today by fresh\/netfence-default-deny, the baseline netfence keeps\)/);
    expect(out).toContain('fix (kubectl apply -f -):');
  });

  it('passes a compliant change with exit 0', async () => {
    const good = tempFile('good.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-to-api-9090, namespace: team-a}\nspec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 9090}]}]}\n');
    const { code, out } = await run('check', '--state', EXAMPLE, good);
    expect(out).toContain('NetworkPolicy team-a/web-to-api-9090 (CREATE): ok');
    expect(code).toBe(0);
  });

  it('reports a bad manifest in one line naming the file, the object and the field', async () => {
    const bad = tempFile('bad.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: team-a}\nspec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}\n');
    const { code, err } = await run('check', '--state', EXAMPLE, bad);
    expect(code).toBe(2);
    expect(err).toMatch(/^netfence check: .*bad\.yaml:1 \(document 1\) NetworkPolicy team-a\/x: spec\.ingress\[0\]\.ports\[0\]\.port: must be between 1 and 65535 \(got 0\)$/);
  });

  it('judges a ClientIntents among the manifests and writes the policies it calls for (check-intents.test.ts has the rest)', async () => {
    const { code, out } = await run('check', '--state', INTENTS, join(INTENTS, 'client-intents.yaml'));
    expect(out.split('\n')[0]).toMatch(/^\S*client-intents\.yaml:4 \(document 1\) ClientIntents otterize-tutorial-npol\/client \(UPDATE\): ok$/);
    expect(out).toContain('NetworkPolicy otterize-tutorial-npol/netfence-intents-client (CREATE, from ClientIntents otterize-tutorial-npol/client): allowed, with warnings');
    expect(out).not.toContain('applied to the state without a judgement');
    expect(code).toBe(0);
  });

  it('exits 2 on a ClientIntents with an unknown field, naming the file, the line and the field', async () => {
    const bad = tempFile('intents.yaml', '# client calls server\napiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client, namespace: otterize-tutorial-npol}\nspec:\n  workload: {name: client}\n  targets:\n  - kubernets: {name: server}\n');
    const { code, err } = await run('check', '--state', INTENTS, bad);
    expect(code).toBe(2);
    expect(err).toMatch(/^netfence check: .*intents\.yaml:2 \(document 1\) ClientIntents otterize-tutorial-npol\/client: strict decoding error: unknown field "spec\.targets\[0\]\.kubernets"$/);
  });

  it('names the config file and field of a bad configuration', async () => {
    const config = tempFile('netfence.yaml', 'mode: enforce\nrules:\n  dns-tcp-missng: deny\n');
    const { code, err } = await run('check', '--state', EXAMPLE, '--config', config, NO_DNS);
    expect(code).toBe(2);
    expect(err).toMatch(/netfence\.yaml: rules\.dns-tcp-missng: unknown rule \(rules: essential-egress, /);
  });
});

describe('netfence check with remediation.essentialEgress', () => {
  const REMEDIATION = () => tempFile('netfence.yaml', 'remediation: {essentialEgress: true}\n');

  it('judges the policy as the mutating webhook would store it, with the DNS rule added, and shows it', async () => {
    const { code, out } = await run('check', '--state', EXAMPLE, NO_DNS, '--json', '--config', REMEDIATION());
    const result = JSON.parse(out);
    // The essential-egress denial is remediated; team-b's missing default-deny predates the change (a warning).
    expect(result.findings.map((finding: { rule: string; severity: string }) => `${finding.rule} ${finding.severity}`)).toEqual(['default-deny-missing warn']);
    expect(code).toBe(0);
    expect(result.remediated).toHaveLength(1);
    const [remediated] = result.remediated;
    expect(remediated.object).toBe('team-b/db-to-backup');
    expect(remediated.services).toEqual(['cluster-dns']);
    const egress = remediated.policy.spec.egress;
    expect(egress).toHaveLength(2);
    expect(egress[0]).toEqual({ to: [{ ipBlock: { cidr: '10.0.50.0/24' } }], ports: [{ protocol: 'TCP', port: 443 }] });
    expect(egress[1].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    // The stored policy passes the essential-service rule by itself.
    const stored = tempFile('stored.yaml', JSON.stringify(remediated.policy));
    const again = JSON.parse((await run('check', '--state', EXAMPLE, stored, '--json')).out);
    expect(again.findings.map((finding: { rule: string }) => finding.rule)).not.toContain('essential-egress');
    const text = (await run('check', '--state', EXAMPLE, NO_DNS, '--config', REMEDIATION())).out;
    expect(text).toContain('REMEDIATED: netfence adds egress to cluster-dns (remediation.essentialEgress); stored as:');
  });

  it("adds what the webhook's patch adds (one core function decides for both)", async () => {
    const manifest = parse(readFileSync(NO_DNS, 'utf8'));
    webhook = await startWebhook(readdirSync(EXAMPLE).filter((file) => file.endsWith('.yaml')).map((file) => readFileSync(join(EXAMPLE, file), 'utf8')).join('\n---\n'), { remediateEssentialEgress: true });
    const review = reviewFrom('004', { operation: 'CREATE', namespace: 'team-b', name: 'db-to-backup', object: manifest });
    const response = (await request(webhook.app.server).post('/mutate').ca(CA).send(review).expect(200)).body.response;
    const patch: Array<{ op: string; path: string; value: unknown }> = JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'));
    const remediated = JSON.parse((await run('check', '--state', EXAMPLE, NO_DNS, '--json', '--config', REMEDIATION())).out).remediated[0].policy;
    expect(patch).toEqual([{ op: 'add', path: '/spec/egress/-', value: remediated.spec.egress[1] }]);
  });

  it('adds nothing when remediation is off (the default)', async () => {
    expect(JSON.parse((await run('check', '--state', EXAMPLE, NO_DNS, '--json')).out).remediated).toBeUndefined();
  });
});

describe('netfence baseline', () => {
  it('prints the default profile for a namespace as YAML kubectl can apply', async () => {
    const { code, out } = await run('baseline', 'team-x');
    expect(code).toBe(0);
    const policy = parse(out.replace(/^---\n/, ''));
    expect(policy).toMatchObject({
      kind: 'NetworkPolicy',
      metadata: { name: 'netfence-default-deny', namespace: 'team-x', labels: { 'app.kubernetes.io/managed-by': 'netfence', 'netfence.io/profile': 'default' } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  });

  it('refuses an unknown profile', async () => {
    const { code, err } = await run('baseline', 'team-x', '--profile', 'strict');
    expect(code).toBe(2);
    expect(err).toContain('--profile strict: no such profile (profiles: default)');
  });
});
