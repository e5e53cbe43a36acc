import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { runCli } from '../../src/cli/main.js';
import { run } from '../support/cli.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Config } from '../../src/guardrails/config.js';
import { CA, FIXTURES, reviewFrom, startWebhook } from '../support/webhook.js';
import type { TestWebhook } from '../support/webhook.js';

/**
 * `netfence review`: one AdmissionReview offline. For every captured review, what it prints is
 * byte for byte the body netfence's webhook answers over HTTPS for the same state and
 * configuration; the exit code says allowed (0), denied (1) or bad input (2).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cluster');
/**
 * STATE_YAML is the example cluster as one text of plain documents (its `List` items spread), which
 * startWebhook reads as `--state` does; startWebhook adds kube-system.yaml itself, STATE has it too.
 */
const STATE_YAML = readdirSync(EXAMPLE)
  .filter((file) => file.endsWith('.yaml') && file !== 'kube-system.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(join(EXAMPLE, file), 'utf8')).map((document): unknown => document.toJS()))
  .flatMap((value) => (isList(value) ? value.items : [value]))
  .map((value) => stringify(value))
  .join('---\n');
const STATE = tempFile('state.yaml', `${readFileSync(join(EXAMPLE, 'kube-system.yaml'), 'utf8')}\n---\n${STATE_YAML}`);
const SHARED_FIXTURES = join(ROOT, '..', 'shared', 'fixtures', 'admission');
const FIXTURE_FILES = [FIXTURES, ...(existsSync(SHARED_FIXTURES) ? [SHARED_FIXTURES] : [])].flatMap((dir) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ name: `${dir === FIXTURES ? 'test/fixtures' : 'shared'}/${file}`, path: join(dir, file), webhook: file.includes('-mutate-') ? ('mutate' as const) : ('validate' as const) })),
);

let webhook: TestWebhook | undefined;
afterEach(async () => {
  await webhook?.app.close();
  webhook = undefined;
});

/** answer posts a body to a running webhook as the API server does, and returns the HTTP status and body text. */
async function answer(hook: TestWebhook, path: 'validate' | 'mutate', body: string): Promise<{ status: number; text: string }> {
  const response = await request(hook.app.server).post(`/${path}?timeout=10s`).ca(CA).set('content-type', 'application/json').send(body);
  return { status: response.status, text: response.text };
}

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-review-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const REMEDIATION = tempFile('netfence.yaml', 'remediation: {essentialEgress: true}\n');

/** sameAsWebhook runs review and the webhook on the same state, config and body, and checks they agree. */
async function sameAsWebhook(path: string, hook: 'validate' | 'mutate', config: { file?: string; parsed?: Partial<Config> } = {}) {
  webhook = await startWebhook(STATE_YAML, config.parsed ?? {});
  const http = await answer(webhook, hook, readFileSync(path, 'utf8'));
  expect(http.status).toBe(200);
  const cli = await run('review', '--state', STATE, '--request', path, '--webhook', hook, ...(config.file === undefined ? [] : ['--config', config.file]));
  expect(cli.out).toBe(http.text);
  expect(cli.err).toBe('');
  expect(cli.code).toBe(JSON.parse(http.text).response.allowed ? 0 : 1);
  return cli;
}

describe('netfence review prints what the webhook answers', () => {
  it.each(FIXTURE_FILES)('$name (/$webhook)', async ({ path, webhook: hook }) => {
    await sameAsWebhook(path, hook);
  });

  it.each(FIXTURE_FILES.filter((file) => file.webhook === 'mutate' && file.name.includes('networkpolicies')))(
    '$name with remediation.essentialEgress (--config)',
    async ({ path }) => {
      await sameAsWebhook(path, 'mutate', { file: REMEDIATION, parsed: await loadConfig(REMEDIATION) });
    },
  );

  it('exits 1 on a denial (005 in monitoring: a default-deny that cuts Prometheus off DNS) and 0 when allowed (007)', async () => {
    // In team-a, adopted, the baseline keeps DNS; monitoring is not adopted and its pods reach DNS today.
    const inMonitoring = readFileSync(join(FIXTURES, '005-validate-create-networkpolicies-default-deny.json'), 'utf8').replaceAll('team-a', 'monitoring');
    const denied = await sameAsWebhook(tempFile('005-monitoring.json', inMonitoring), 'validate');
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.out).response).toMatchObject({ allowed: false, status: { code: 403, reason: 'Forbidden' } });
    const allowed = await sameAsWebhook(join(FIXTURES, '007-validate-create-networkpolicies-allow-dns.json'), 'validate');
    expect(allowed.code).toBe(0);
  });

  it('reads YAML as well as JSON, and standard input with -', async () => {
    const json = readFileSync(join(FIXTURES, '005-validate-create-networkpolicies-default-deny.json'), 'utf8');
    const fromJson = await run('review', '--state', STATE, '--request', join(FIXTURES, '005-validate-create-networkpolicies-default-deny.json'));
    const fromYaml = await run('review', '--state', STATE, '--request', tempFile('review.yaml', stringify(JSON.parse(json))));
    expect(fromYaml).toEqual(fromJson);
    const out: string[] = [];
    const code = await runCli(['review', '--state', STATE, '--request', '-'], { stdout: (text) => out.push(text), stderr: () => undefined, stdin: async () => json });
    expect({ code, out: out.join('\n') }).toEqual({ code: fromJson.code, out: fromJson.out });
    const err: string[] = [];
    const bad = await runCli(['review', '--state', STATE, '--request', '-'], { stdout: () => undefined, stderr: (text) => err.push(text), stdin: async () => '{"kind": "AdmissionReview"}' });
    expect(bad).toBe(2);
    expect(err).toEqual(['netfence review: <stdin>: not an AdmissionReview the webhook accepts (it answers 400 NETFENCE_BAD_REVIEW): apiVersion: is required']);
  });

  it('warns of a split peer (peer-split) on a CREATE, and exits 0', async () => {
    const object = parse(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-backend, namespace: team-a}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {env: production}}
    - podSelector: {matchLabels: {app: backend}}
`);
    const path = tempFile('review.json', JSON.stringify(reviewFrom('009', { operation: 'CREATE', namespace: 'team-a', name: 'api-from-backend', object })));
    const { code, out } = await sameAsWebhook(path, 'validate');
    expect(code).toBe(0);
    expect(JSON.parse(out).response.warnings).toEqual([expect.stringMatching(/^\[peer-split\] team-a\/api-from-backend ingress\[0\]: from\[0\] \(namespaces\) OR from\[1\] \(pods\)/)]);
  });

  it('runs the docs/commands.md example: exit 1, the denial printed', async () => {
    const { code, out } = await run('review', '--state', 'examples/cluster', '--request', 'examples/admission-review.json');
    expect(code).toBe(1);
    expect(JSON.parse(out).response.allowed).toBe(false);
  });
});

describe('netfence review on bad input', () => {
  const MALFORMED: Array<[string, unknown]> = [
    ['an older apiVersion', { ...fixtureBody('009'), apiVersion: 'admission.k8s.io/v1beta1' }],
    ['another kind', { ...fixtureBody('009'), kind: 'ConfigMap' }],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }],
    ['a request without uid', { ...fixtureBody('009'), request: { ...requestOf('009'), uid: undefined } }],
    ['an unknown operation', { ...fixtureBody('009'), request: { ...requestOf('009'), operation: 'PATCH' } }],
    ['a list, not an object', [fixtureBody('009')]],
  ];
  it.each(MALFORMED)('%s: exit 2 and the message of the webhook\'s 400, on one line', async (_, body) => {
    webhook = await startWebhook(STATE_YAML);
    const http = await answer(webhook, 'validate', JSON.stringify(body));
    expect(http.status).toBe(400);
    const { error } = JSON.parse(http.text);
    expect(error.code).toBe('NETFENCE_BAD_REVIEW');
    const path = tempFile('review.json', JSON.stringify(body));
    const { code, out, err } = await run('review', '--state', STATE, '--request', path);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`netfence review: ${path}: not an AdmissionReview the webhook accepts (it answers 400 NETFENCE_BAD_REVIEW): ${error.message}`);
  });

  it('prints the webhook\'s 400 error response for an object netfence cannot read, and exits 2 saying why', async () => {
    const object = parse(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: team-a}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]
`);
    const path = tempFile('review.json', JSON.stringify(reviewFrom('009', { operation: 'CREATE', namespace: 'team-a', name: 'bad', object })));
    webhook = await startWebhook(STATE_YAML);
    const http = await answer(webhook, 'validate', readFileSync(path, 'utf8'));
    const { code, out, err } = await run('review', '--state', STATE, '--request', path);
    expect(out).toBe(http.text);
    expect(JSON.parse(out).response).toMatchObject({ allowed: false, status: { code: 400, message: expect.stringContaining('spec.ingress[0].from[0]: ipBlock cannot be combined') } });
    expect(code).toBe(2);
    expect(err).toBe(`netfence review: ${path}: the object is not one netfence can read (the webhook answers it with code 400): spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector or namespaceSelector`);
  });

  const BAD: Array<[string, string[], RegExp]> = [
    ['no --request', ['--state', EXAMPLE], /^netfence review: --request FILE is required/],
    ['no --state', ['--request', join(FIXTURES, '009-validate-create-networkpolicies-web-egress-db.json')], /^netfence review: --state PATH is required/],
    ['an unknown webhook', ['--state', STATE, '--request', join(FIXTURES, '009-validate-create-networkpolicies-web-egress-db.json'), '--webhook', 'convert'], /^netfence review: --webhook must be validate or mutate \(got "convert"\)/],
    ['a missing file', ['--state', STATE, '--request', 'no-such-review.json'], /^netfence review: no-such-review\.json: cannot read: ENOENT/],
    ['neither JSON nor YAML', ['--state', STATE, '--request', tempFile('review.json', '{"apiVersion": "admission.k8s.io/v1",\n  "kind": [\n')], /^netfence review: \S+review\.json:\d+: neither JSON nor YAML: /],
    ['an empty file', ['--state', STATE, '--request', tempFile('review.yaml', '')], /^netfence review: \S+review\.yaml: empty: one AdmissionReview expected$/],
    ['two YAML documents', ['--state', STATE, '--request', tempFile('review.yaml', 'a: 1\n---\nb: 2\n')], /^netfence review: \S+review\.yaml: holds 2 YAML documents: one AdmissionReview expected$/],
  ];
  it.each(BAD)('%s: exit 2, one line first', async (_, args, message) => {
    const { code, out, err } = await run('review', ...args);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.split('\n')[0]).toMatch(message);
  });
});

function fixtureBody(number: string): Record<string, unknown> {
  const name = readdirSync(FIXTURES).find((file) => file.startsWith(`${number}-`));
  if (name === undefined) throw new Error(`no fixture ${number}`);
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

function isList(value: unknown): value is { items: unknown[] } {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'List' && 'items' in value && Array.isArray(value.items);
}

function requestOf(number: string): Record<string, unknown> {
  const inner = fixtureBody(number)['request'];
  if (typeof inner !== 'object' || inner === null) throw new Error(`fixture ${number} has no request`);
  return { ...inner };
}
