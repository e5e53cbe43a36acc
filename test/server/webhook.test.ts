import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import { CA, fixture, reviewFrom, startWebhook } from '../support/webhook.js';
import type { TestWebhook } from '../support/webhook.js';

/**
 * The webhook over real HTTPS, driven with AdmissionReview bodies captured from a kube-apiserver
 * (test/fixtures/admission), posted the way the API server posts them.
 */

const TEAM_A = `apiVersion: v1
kind: Namespace
metadata: {name: team-a}
`;
const DEFAULT_DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: team-a}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
`;
const ALLOW_DNS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: team-a}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`;
const TEAM_B_MANAGED = `apiVersion: v1
kind: Namespace
metadata: {name: team-b}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: team-b}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: netfence-allow-dns
  namespace: team-b
  labels: {app.kubernetes.io/managed-by: netfence, netfence.io/profile: default}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`;

const ROOT = join(import.meta.dirname, '..', '..');

let webhook: TestWebhook | undefined;
afterEach(async () => {
  await webhook?.app.close();
  webhook = undefined;
});

interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message?: string; reason?: string };
  warnings?: string[];
  auditAnnotations?: Record<string, string>;
  patch?: string;
  patchType?: string;
}

async function post(hook: TestWebhook, path: '/validate' | '/mutate', body: unknown): Promise<ReviewResponse> {
  const response = await request(hook.app.server)
    .post(`${path}?timeout=10s`)
    .ca(CA)
    .set('content-type', 'application/json')
    .set('accept', 'application/json, */*')
    .set('accept-encoding', 'gzip')
    .set('user-agent', 'kube-apiserver-admission')
    .send(JSON.stringify(body));
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
  return response.body.response;
}

function uidOf(review: Record<string, unknown>): unknown {
  const inner = review['request'];
  return typeof inner === 'object' && inner !== null && 'uid' in inner ? inner.uid : undefined;
}

describe('mutating webhook', () => {
  it('adds the baseline label to a new namespace (001), escaping / in the JSON pointer', async () => {
    webhook = await startWebhook('');
    const body = fixture('001');
    const response = await post(webhook, '/mutate', body);
    expect(response.uid).toBe(uidOf(body));
    expect(response.allowed).toBe(true);
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8'))).toEqual([
      { op: 'add', path: '/metadata/labels/netfence.io~1baseline', value: 'default' },
    ]);
  });

  it('patches a namespace created with generateName, which has no name yet (016)', async () => {
    webhook = await startWebhook('');
    const response = await post(webhook, '/mutate', fixture('016'));
    expect(response.allowed).toBe(true);
    expect(response.patchType).toBe('JSONPatch');
  });

  it('with remediation on, adds the missing DNS egress rule to a policy (004), which validation then admits', async () => {
    webhook = await startWebhook(TEAM_A, { remediateEssentialEgress: true });
    const body = fixture('004');
    const response = await post(webhook, '/mutate', body);
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual(['[essential-egress] netfence added egress to cluster-dns to team-a/default-deny']);
    const patch: Array<{ op: string; path: string; value: unknown }> = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8'));
    expect(patch).toEqual([{ op: 'add', path: '/spec/egress', value: [expect.objectContaining({ ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] })] }]);
    // What the API server would send to the validating webhook after the patch:
    const request = body['request'] as { object: { spec: Record<string, unknown> } };
    const repaired = { ...body, request: { ...request, object: { ...request.object, spec: { ...request.object.spec, egress: patch[0]?.value } } } };
    expect((await post(webhook, '/validate', repaired)).allowed).toBe(true);
  });

  it('leaves NetworkPolicies alone (004)', async () => {
    webhook = await startWebhook('');
    const response = await post(webhook, '/mutate', fixture('004'));
    expect(response).toEqual({ uid: uidOf(fixture('004')), allowed: true });
  });
});

describe('validating webhook on captured requests', () => {
  it('denies a default-deny without DNS (005) with the rule, a counterexample pod and the policy to apply', async () => {
    webhook = await startWebhook(TEAM_A);
    const response = await post(webhook, '/validate', fixture('005'));
    expect(response.allowed).toBe(false);
    expect(response.status?.code).toBe(403);
    expect(response.status?.reason).toBe('Forbidden');
    const message = response.status?.message ?? '';
    expect(message).toContain('[essential-egress]');
    expect(message).toContain('cannot reach cluster-dns');
    expect(message).toContain('isolated for Egress by team-a/default-deny');
    // The first line says what and why, short enough for a terminal after kubectl's own prefix.
    const [firstLine = '', ...rest] = message.split('\n');
    expect(firstLine).toBe('netfence: [essential-egress] pods with no labels in team-a cannot reach cluster-dns; allow 53/UDP and 53/TCP');
    expect(rest.join('\n')).toContain('Policy to apply (kubectl apply -f -):\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: netfence-essentials\n  namespace: team-a\n');
    const findings: Array<Record<string, unknown>> = JSON.parse(response.auditAnnotations?.['findings'] ?? '[]');
    expect(findings.map((finding) => finding['rule'])).toEqual(['essential-egress']);
    expect(findings[0]).toMatchObject({ service: 'cluster-dns', counterexample: { namespace: 'team-a', labels: {} } });
    expect(response.auditAnnotations).toMatchObject({ mode: 'enforce', decision: 'deny' });
  });

  it('allows the same change in audit mode, with warnings and audit annotations, and counts it', async () => {
    webhook = await startWebhook(TEAM_A.replace('{name: team-a}', '{name: team-a, labels: {netfence.io/mode: audit}}'));
    const response = await post(webhook, '/validate', fixture('005'));
    expect(response.allowed).toBe(true);
    expect(response.status).toBeUndefined();
    expect(response.warnings).toEqual([expect.stringMatching(/^\[essential-egress\] pods with no labels in team-a cannot reach cluster-dns; allow 53\/UDP and 53\/TCP$/)]);
    for (const warning of response.warnings ?? []) expect(warning.length).toBeLessThan(120);
    expect(response.auditAnnotations).toMatchObject({ mode: 'audit', decision: 'allow' });
    const metrics = await webhook.metrics.registry.getSingleMetricAsString('netfence_findings_total');
    expect(metrics).toContain('netfence_findings_total{rule="essential-egress",severity="deny",mode="audit"} 1');
  });

  it('skips a namespace in mode off', async () => {
    webhook = await startWebhook(TEAM_A.replace('{name: team-a}', '{name: team-a, labels: {netfence.io/mode: "off"}}'));
    const response = await post(webhook, '/validate', fixture('005'));
    expect(response).toEqual({ uid: uidOf(fixture('005')), allowed: true });
  });

  it('admits the DNS allow next to a default-deny that has it (007, then 009)', async () => {
    webhook = await startWebhook(`${TEAM_A}---\n${DEFAULT_DENY}`);
    expect((await post(webhook, '/validate', fixture('007'))).allowed).toBe(true);
    // allow-dns is now part of the standalone state, so the next policy builds on it.
    expect(webhook.context.state().policiesIn('team-a').map((policy) => policy.name)).toEqual(['allow-dns', 'default-deny']);
    const response = await post(webhook, '/validate', fixture('009'));
    expect(response.allowed).toBe(true);
    expect(response.warnings).toBeUndefined();
  });

  it('denies deleting the DNS allow policy (014): DELETE carries oldObject, the rest comes from the state', async () => {
    webhook = await startWebhook(`${TEAM_A}---\n${DEFAULT_DENY}---\n${ALLOW_DNS}`);
    const response = await post(webhook, '/validate', fixture('014'));
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toContain('After deleting team-a/allow-dns, a pod with no labels (any pod no other policy selects) in team-a cannot reach cluster-dns');
    expect(webhook.context.state().policiesIn('team-a')).toHaveLength(2); // denied: the state keeps it
  });

  it('lets the namespace controller delete policies while a namespace is deleted (019, 020), without a name', async () => {
    webhook = await startWebhook(`${TEAM_A}---\n${DEFAULT_DENY}---\n${ALLOW_DNS}`);
    for (const number of ['019', '020']) {
      const body = fixture(number);
      const response = await post(webhook, '/validate', body);
      expect(response).toEqual({ uid: uidOf(body), allowed: true });
    }
  });

  it('has no side effects on a dry run (013)', async () => {
    webhook = await startWebhook(`${TEAM_A}---\n${DEFAULT_DENY}---\n${ALLOW_DNS}`);
    const response = await post(webhook, '/validate', fixture('013'));
    expect(response.allowed).toBe(true);
    expect(webhook.context.state().policiesIn('team-a').map((policy) => policy.name)).toEqual(['allow-dns', 'default-deny']);
    const log = webhook.logs.lines.find((line) => line['msg'] === 'admission decision');
    expect(log).toMatchObject({ dryRun: true, decision: 'allow', operation: 'CREATE', namespace: 'team-a' });
  });

  it("lets netfence's own service account create a managed policy (021)", async () => {
    webhook = await startWebhook(TEAM_B_MANAGED.replace(/---\napiVersion: networking.k8s.io\/v1\nkind: NetworkPolicy\nmetadata:\n  name: netfence-allow-dns[\s\S]*$/, ''));
    const response = await post(webhook, '/validate', fixture('021'));
    expect(response.allowed).toBe(true);
  });

  it('denies a tenant switching its namespace off (022)', async () => {
    webhook = await startWebhook(TEAM_B_MANAGED);
    const response = await post(webhook, '/validate', fixture('022'));
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toBe(
      'netfence: [baseline-opt-out] jane may not lower namespace team-b from enforce to off\n[baseline-opt-out] Namespace team-b: jane may not set netfence.io/mode=off (from enforce); lowering netfence\'s mode takes a cluster administrator.',
    );
  });

  it('denies a tenant removing the baseline label (un-adopting the namespace), and lets an admin do it', async () => {
    webhook = await startWebhook(TEAM_B_MANAGED);
    const namespaceObject = (labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-b', labels: { 'kubernetes.io/metadata.name': 'team-b', ...labels } } });
    const unlabel = (user: { username: string; groups: string[] }) =>
      reviewFrom('022', { operation: 'UPDATE', namespace: 'team-b', name: 'team-b', object: namespaceObject({}), oldObject: namespaceObject({ 'netfence.io/baseline': 'default' }), user });
    const response = await post(webhook, '/validate', unlabel({ username: 'jane', groups: ['tenants', 'system:authenticated'] }));
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toContain('[baseline-opt-out] Namespace team-b: jane may not remove netfence.io/baseline (was default)');
    expect((await post(webhook, '/validate', unlabel({ username: 'admin', groups: ['system:masters'] }))).allowed).toBe(true);
    await webhook.app.close();
    // With adoptExisting the namespace stays adopted without the label: nothing to guard.
    webhook = await startWebhook(TEAM_B_MANAGED, { adoptExisting: true });
    expect((await post(webhook, '/validate', unlabel({ username: 'jane', groups: ['tenants', 'system:authenticated'] }))).allowed).toBe(true);
  });

  it('denies a tenant deleting a managed policy (023), naming both broken rules', async () => {
    webhook = await startWebhook(TEAM_B_MANAGED);
    const response = await post(webhook, '/validate', fixture('023'));
    expect(response.allowed).toBe(false);
    const findings: Array<{ rule: string }> = JSON.parse(response.auditAnnotations?.['findings'] ?? '[]');
    expect(findings.map((finding) => finding.rule)).toEqual(['essential-egress', 'managed-policy-change']);
    expect(response.status?.message).toContain('team-b/netfence-allow-dns is managed by netfence (baseline profile "default"): jane may not delete it');
    expect(response.status?.message?.split('\n')[0]).toMatch(/^netfence: \[essential-egress\] .{10,120} \(and 1 more\)$/);
  });

  it('allows the admin relabelling a namespace and creating pods (003, 015)', async () => {
    webhook = await startWebhook(TEAM_A);
    for (const number of ['003', '015']) expect((await post(webhook, '/validate', fixture(number))).allowed).toBe(true);
  });

  it('logs one structured line per decision, without the object', async () => {
    webhook = await startWebhook(TEAM_A);
    await post(webhook, '/validate', fixture('005'));
    const decisions = webhook.logs.lines.filter((line) => line['msg'] === 'admission decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      webhook: 'validate',
      uid: uidOf(fixture('005')),
      resource: 'networkpolicies',
      namespace: 'team-a',
      name: 'default-deny',
      operation: 'CREATE',
      user: 'admin',
      decision: 'deny',
      mode: 'enforce',
      rules: ['essential-egress'],
    });
    expect(typeof decisions[0]?.['durationMs']).toBe('number');
    expect(JSON.stringify(decisions[0])).not.toContain('last-applied-configuration');
    expect(decisions[0]).not.toHaveProperty('stale');
  });

  it('marks a decision made while the state is not up to date as stale', async () => {
    webhook = await startWebhook(TEAM_A);
    let fresh = false;
    Object.assign(webhook.context, { fresh: () => fresh });
    await post(webhook, '/validate', fixture('005'));
    fresh = true;
    await post(webhook, '/validate', fixture('005'));
    const decisions = webhook.logs.lines.filter((line) => line['msg'] === 'admission decision');
    expect(decisions.map((line) => line['stale'])).toEqual([true, undefined]);
  });
});

describe('provisioning gate (Pod CREATE)', () => {
  const pod = (ns: string) => reviewFrom('015', { operation: 'CREATE', namespace: ns, name: '', object: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-7d4b9c-', namespace: ns }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } });
  // Created after the install: the mutating webhook gave it its profile's label.
  const NEW_NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh, labels: {netfence.io/baseline: default}}\n';
  const LEGACY_NAMESPACE = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy}\n';
  const BASELINE = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: netfence-default-deny, namespace: fresh, labels: {app.kubernetes.io/managed-by: netfence, netfence.io/profile: default}}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n';

  it('refuses a pod in a namespace whose baseline is not in place yet, telling the client to retry', async () => {
    webhook = await startWebhook(NEW_NAMESPACE, { provisioningGate: true });
    const response = await post(webhook, '/validate', pod('fresh'));
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toContain('[baseline-pending]');
    expect(response.status?.message).toContain('netfence-default-deny');
    expect(response.status?.message).toContain('retry');
  });

  it('admits it once the baseline exists, even drifted (the reconciler repairs drift)', async () => {
    webhook = await startWebhook(`${NEW_NAMESPACE}---\n${BASELINE.replace('policyTypes: [Ingress, Egress]', 'policyTypes: [Ingress]')}`, { provisioningGate: true });
    expect((await post(webhook, '/validate', pod('fresh'))).allowed).toBe(true);
  });

  it('gates a namespace the state has not seen yet, and never exempt or opted-out namespaces', async () => {
    webhook = await startWebhook('apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy, labels: {netfence.io/baseline: none}}\n', { provisioningGate: true });
    expect((await post(webhook, '/validate', pod('not-yet-seen'))).allowed).toBe(false);
    expect((await post(webhook, '/validate', pod('kube-system'))).allowed).toBe(true);
    expect((await post(webhook, '/validate', pod('legacy'))).allowed).toBe(true);
  });

  it('never gates a namespace that is not adopted (it gets no baseline to wait for), unless adoptExisting adopts it', async () => {
    webhook = await startWebhook(LEGACY_NAMESPACE, { provisioningGate: true });
    expect((await post(webhook, '/validate', pod('legacy'))).allowed).toBe(true);
    await webhook.app.close();
    webhook = await startWebhook(LEGACY_NAMESPACE, { provisioningGate: true, adoptExisting: true });
    expect((await post(webhook, '/validate', pod('legacy'))).allowed).toBe(false);
  });

  it('looks at no pod when the gate is off (the default)', async () => {
    webhook = await startWebhook(NEW_NAMESPACE);
    expect(await post(webhook, '/validate', pod('fresh'))).toEqual({ uid: expect.any(String), allowed: true });
  });
});

describe('netfence_namespaces gauge', () => {
  const NAMESPACES = [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-a, labels: {netfence.io/baseline: default}}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: team-b, labels: {netfence.io/baseline: default}}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: legacy}\n',
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: lab, labels: {netfence.io/baseline: none}}\n',
  ].join('---\n');
  const gauge = async (): Promise<string[]> => {
    const body = (await webhook?.app.inject({ method: 'GET', url: '/metrics' }))?.body ?? '';
    return body.split('\n').filter((line) => line.startsWith('netfence_namespaces{'));
  };

  it('counts namespaces by adoption at each scrape', async () => {
    webhook = await startWebhook(NAMESPACES);
    expect(await gauge()).toEqual(['netfence_namespaces{adoption="adopted"} 2', 'netfence_namespaces{adoption="not-adopted"} 1', 'netfence_namespaces{adoption="opted-out"} 1', 'netfence_namespaces{adoption="exempt"} 1']);
    await webhook.app.close();
    webhook = await startWebhook(NAMESPACES, { adoptExisting: true });
    expect(await gauge()).toContain('netfence_namespaces{adoption="adopted"} 3');
    expect(await gauge()).toContain('netfence_namespaces{adoption="not-adopted"} 0');
  });
});

describe('ClientIntents (k8s.otterize.com clientintents)', () => {
  // Otterize's tutorial as the cluster: client, client-other and server (port 80) and the server Service.
  const TUTORIAL = `apiVersion: v1\nkind: Namespace\nmetadata: {name: otterize-tutorial-npol}\n---\n${readFileSync(join(ROOT, 'examples', 'intents', 'tutorial.yaml'), 'utf8')}`;
  const RESOURCE = { group: 'k8s.otterize.com', version: 'v2beta1', resource: 'clientintents' };
  const KIND = { group: 'k8s.otterize.com', version: 'v2beta1', kind: 'ClientIntents' };
  /** intentsObject is a ClientIntents as the API server sends it: stored metadata, spec as applied. */
  const intentsObject = (namespace: string, spec: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'k8s.otterize.com/v2beta1',
    kind: 'ClientIntents',
    metadata: {
      name: 'client',
      namespace,
      uid: '3f0c9a1e-5d7b-4e8e-9b1a-6c2d8f4e7a10',
      generation: 1,
      creationTimestamp: '2026-11-24T09:20:41Z',
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'k8s.otterize.com/v2beta1', time: '2026-11-24T09:20:41Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } }],
    },
    spec,
  });
  const TUTORIAL_SPEC = { workload: { name: 'client', kind: 'Deployment' }, targets: [{ kubernetes: { name: 'server', kind: 'Deployment' } }] };
  const intents = (operation: 'CREATE' | 'UPDATE' | 'DELETE', spec: Record<string, unknown> = TUTORIAL_SPEC, namespace = 'otterize-tutorial-npol') =>
    reviewFrom('005', {
      operation,
      namespace,
      name: 'client',
      object: intentsObject(namespace, spec),
      ...(operation === 'CREATE' ? {} : { oldObject: intentsObject(namespace, TUTORIAL_SPEC) }),
      user: { username: 'alice', groups: ['system:authenticated'] },
      resource: RESOURCE,
      kind: KIND,
    });
  /** TWO_KINDS is a target with two kinds set: the operator's webhook and netfence's decoder refuse it. */
  const TWO_KINDS = { workload: { name: 'client' }, targets: [{ kubernetes: { name: 'server' }, service: { name: 'server' } }] };

  it('admits the tutorial ClientIntents (CREATE and UPDATE) without a warning, and counts and logs it as clientintents', async () => {
    webhook = await startWebhook(TUTORIAL);
    for (const operation of ['CREATE', 'UPDATE'] as const) {
      const review = intents(operation);
      expect(await post(webhook, '/validate', review), operation).toEqual({ uid: uidOf(review), allowed: true, auditAnnotations: { mode: 'enforce', decision: 'allow' } });
    }
    const metrics = await webhook.metrics.registry.getSingleMetricAsString('netfence_admission_requests_total');
    expect(metrics).toContain('netfence_admission_requests_total{webhook="validate",resource="clientintents",operation="CREATE",decision="allow",mode="enforce"} 1');
    expect(webhook.logs.lines.filter((line) => line['msg'] === 'admission decision').map((line) => [line['resource'], line['operation'], line['decision']])).toEqual([
      ['clientintents', 'CREATE', 'allow'],
      ['clientintents', 'UPDATE', 'allow'],
    ]);
  });

  it('warns, never denies, about targets the cluster does not hold: a workload, a Service, a domain it cannot resolve', async () => {
    webhook = await startWebhook(TUTORIAL);
    const spec = {
      workload: { name: 'client', kind: 'Deployment' },
      targets: [{ kubernetes: { name: 'server' } }, { kubernetes: { name: 'billing.payments' } }, { service: { name: 'ledger' } }, { internet: { domains: ['api.example.com'] } }],
    };
    const response = await post(webhook, '/validate', intents('CREATE', spec));
    expect(response.allowed).toBe(true);
    expect(response.status).toBeUndefined();
    expect(response.warnings).toEqual([
      'netfence: ClientIntents otterize-tutorial-npol/client spec.targets[1]: workload payments/billing is not in the state: nothing is generated for it',
      'netfence: ClientIntents otterize-tutorial-npol/client spec.targets[2]: Service otterize-tutorial-npol/ledger is not in the state: nothing is generated for it',
      'netfence: ClientIntents otterize-tutorial-npol/client spec.targets[3]: domains (api.example.com) cannot be resolved offline: not allowed; name their addresses under ips',
    ]);
    for (const warning of response.warnings ?? []) expect(warning.length).toBeLessThan(256);
    // A client not deployed yet is a warning too: intents may come before their workload.
    const early = await post(webhook, '/validate', intents('CREATE', { workload: { name: 'newcomer' }, targets: [{ kubernetes: { name: 'server' } }] }));
    expect(early.allowed).toBe(true);
    expect(early.warnings).toEqual([expect.stringMatching(/^netfence: ClientIntents otterize-tutorial-npol\/client: its client workload otterize-tutorial-npol\/newcomer is not in the state/)]);
  });

  it("denies, in enforce mode, a body that does not decode with the decoder's message naming the field", async () => {
    webhook = await startWebhook(TUTORIAL);
    const review = intents('UPDATE', TWO_KINDS);
    const response = await post(webhook, '/validate', review);
    expect(response.uid).toBe(uidOf(review));
    expect(response.allowed).toBe(false);
    expect(response.status).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(response.status?.message).toMatch(/^netfence: ClientIntents otterize-tutorial-npol\/client cannot be read: spec\.targets\[0\]: /);
    expect(response.auditAnnotations).toEqual({ mode: 'enforce', decision: 'deny' });
    const client = await post(webhook, '/validate', intents('CREATE', { workload: { name: 'client.other-namespace' }, targets: [] }));
    expect(client.status?.message).toContain('spec.workload.name: "client.other-namespace" has a dot');
  });

  it('in audit mode admits it with the same message as a warning; in mode off, and in exempt namespaces, looks at nothing', async () => {
    const labelled = (mode: string) => TUTORIAL.replace('{name: otterize-tutorial-npol}', `{name: otterize-tutorial-npol, labels: {netfence.io/mode: "${mode}"}}`);
    webhook = await startWebhook(labelled('audit'));
    const audit = await post(webhook, '/validate', intents('CREATE', TWO_KINDS));
    expect(audit.allowed).toBe(true);
    expect(audit.warnings).toEqual([expect.stringMatching(/^netfence: ClientIntents otterize-tutorial-npol\/client cannot be read: spec\.targets\[0\]: /)]);
    expect(audit.auditAnnotations).toEqual({ mode: 'audit', decision: 'allow' });
    await webhook.app.close();
    webhook = await startWebhook(labelled('off'));
    const off = intents('CREATE', TWO_KINDS);
    expect(await post(webhook, '/validate', off)).toEqual({ uid: uidOf(off), allowed: true });
    const exempt = intents('CREATE', TWO_KINDS, 'kube-system');
    expect(await post(webhook, '/validate', exempt)).toEqual({ uid: uidOf(exempt), allowed: true });
    expect(webhook.logs.lines.filter((line) => line['msg'] === 'admission decision').map((line) => line['decision'])).toEqual(['skip', 'skip']);
  });

  it('lets a DELETE through untouched, and the mutating webhook leaves ClientIntents alone', async () => {
    webhook = await startWebhook(TUTORIAL);
    const deletion = intents('DELETE');
    expect(await post(webhook, '/validate', deletion)).toEqual({ uid: uidOf(deletion), allowed: true });
    const create = intents('CREATE', TWO_KINDS);
    expect(await post(webhook, '/mutate', create)).toEqual({ uid: uidOf(create), allowed: true });
  });
});
