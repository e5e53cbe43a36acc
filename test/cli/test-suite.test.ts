import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseTestResults } from 'test-results-parser';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

/**
 * `netfence test` as `kyverno test` and `gator verify` users run it: suites found below a
 * directory, a table of cases, exit 1 on any mismatch with the case and what was got, exit 2 with
 * one line for a bad suite, connectivity judged after the admitted manifests, JUnit that CI reads.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cluster');
const TESTS = join(ROOT, 'examples', 'tests');
const PAYMENTS = join(TESTS, 'manifests', 'api-to-payments.yaml');
const ALLOW_ALL = join(ROOT, 'examples', 'manifests', 'allow-all-ingress.yaml');
const NO_DNS = join(ROOT, 'examples', 'manifests', 'db-egress-no-dns.yaml');

const API = 'team-a/api-5b8c7d6f4-7tj2m';
const WEB = 'team-a/web-6f7d9c8b5-2kq9x';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** suiteDir writes files (name -> text) into a new directory and returns it. */
function suiteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-test-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** suite is a suite document on the example cluster; `rest` is YAML for its other fields. */
const suite = (rest: string, head = `apiVersion: netfence.io/v1alpha1\nkind: Test\nstate: ${JSON.stringify(EXAMPLE)}\n`): string => `${head}${rest}\n`;
const manifests = (...paths: string[]): string => `manifests: [${paths.map((path) => JSON.stringify(path)).join(', ')}]\n`;

/** rowOf finds a case's row in the table: RESULT, SUITE, CASE, EXPECTED, GOT. */
function rowOf(out: string, title: string): string[] | undefined {
  const line = out.split('\n').find((candidate) => candidate.includes(`  ${title}  `));
  return line?.split(/ {2,}/);
}

describe('netfence test on the example suites', () => {
  it('passes: every expectation of examples/tests holds, exit 0', async () => {
    const { code, out, err } = await run(['test', TESTS]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^RESULT +SUITE +CASE +EXPECTED +GOT$/);
    expect(rowOf(out, 'NetworkPolicy team-a/allow-all-ingress')).toEqual(['PASS', 'team-a', 'NetworkPolicy team-a/allow-all-ingress', 'denied [allow-all]', 'denied [allow-all]']);
    expect(rowOf(out, 'NetworkPolicy team-a/web-open-to-all')).toEqual(['PASS', 'team-a', 'NetworkPolicy team-a/web-open-to-all', 'allowed, warnings [unrestricted-peers]', 'allowed, warnings [unrestricted-peers]']);
    // A change is denied for what it makes worse: the db pods reach DNS today, the reports pods did not.
    expect(rowOf(out, 'NetworkPolicy team-b/db-to-backup')?.[4]).toBe('denied [essential-egress], warnings [default-deny-missing] (admitted: audit mode)');
    expect(rowOf(out, 'NetworkPolicy team-b/reports-to-db')?.[4]).toBe('allowed, warnings [essential-egress, default-deny-missing]');
    expect(out).toMatch(/^PASS +guardrails +Namespace team-a +denied \[baseline-opt-out\] +denied \[baseline-opt-out\]$/m);
    expect(out).toMatch(/^PASS +platform-admin +Namespace team-a +allowed +allowed$/m);
    // The intents suite: the ClientIntents and the two policies netfence writes for it, then who reaches whom.
    expect(out).toMatch(/^PASS +intents +ClientIntents otterize-tutorial-npol\/client +allowed +allowed$/m);
    expect(rowOf(out, 'NetworkPolicy otterize-tutorial-npol/netfence-intents-to-server (CREATE)')).toEqual(['PASS', 'intents', 'NetworkPolicy otterize-tutorial-npol/netfence-intents-to-server (CREATE)', 'allowed', 'allowed, warnings [default-deny-missing]']);
    expect(rowOf(out, 'client-other declares nothing, so it no longer reaches server')).toEqual(['PASS', 'intents', 'client-other declares nothing, so it no longer reaches server', 'denied', 'denied']);
    expect(out).not.toContain('FAIL');
    expect(out.split('\n').at(-1)).toBe('20 case(s) in 4 suite(s): 20 passed, 0 failed.');
  });

  it('is the docs/commands.md example: the suite shown is the file, run by its path it prints what the page shows', async () => {
    const readme = readFileSync(join(ROOT, 'docs', 'commands.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## `netfence test`'));
    const [, yaml, output] = /```yaml\n([\s\S]*?)```\n\n```\n\$ netfence test examples\/tests\/netfence-test\.yaml\n([\s\S]*?)\n```/.exec(section) ?? [];
    expect(yaml).toBe(readFileSync(join(TESTS, 'netfence-test.yaml'), 'utf8'));
    const { code, out } = await run(['test', join(TESTS, 'netfence-test.yaml')]);
    expect(code).toBe(0);
    expect(out).toBe(output);
  });
});

describe('netfence test reports mismatches', () => {
  it('fails (exit 1) naming the case, what was expected and what was got, with the findings', async () => {
    // default-deny-missing held before the change (team-b never had a default-deny): it only warns.
    const dir = suiteDir({ 'netfence-test.yaml': suite(`${manifests(NO_DNS)}expect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-b, name: db-to-backup, result: denied, rules: [essential-egress, default-deny-missing]}`) });
    const { code, out } = await run(['test', dir]);
    expect(code).toBe(1);
    expect(rowOf(out, 'NetworkPolicy team-b/db-to-backup')?.[0]).toBe('FAIL');
    expect(out).toMatch(
      /netfence-test\.yaml:7: NetworkPolicy team-b\/db-to-backup\n {2}expected denied \[essential-egress, default-deny-missing\], got denied \[essential-egress\], warnings \[default-deny-missing\] \(admitted: audit mode\)\n {2}DENY \[essential-egress\] team-b\/db-0 .*\n {2}WARN \[default-deny-missing\] predates this change: .*\n/,
    );
    expect(out.split('\n').at(-1)).toBe('1 case(s) in 1 suite(s): 0 passed, 1 failed.');
  });

  it('calls an expectation about an object the manifests do not hold a failure, and says what they hold', async () => {
    const dir = suiteDir({ 'netfence-test.yaml': suite(`${manifests(PAYMENTS)}expect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-a, name: api-to-payment, result: allowed}\n  - {kind: NetworkPolicy, namespace: team-a, name: api-to-payments, operation: UPDATE, result: allowed}`) });
    const { code, out } = await run(['test', dir]);
    expect(code).toBe(1);
    expect(rowOf(out, 'NetworkPolicy team-a/api-to-payment')?.[4]).toBe('not in the manifests');
    expect(out).toContain('the manifests hold no NetworkPolicy team-a/api-to-payment: they hold NetworkPolicy team-a/api-to-payments');
    expect(rowOf(out, 'NetworkPolicy team-a/api-to-payments (UPDATE)')?.[4]).toBe('not in the manifests as UPDATE');
  });

  it('lists objects no expectation is about as not asserted, which is no failure', async () => {
    const dir = suiteDir({ 'netfence-test.yaml': suite(`${manifests(PAYMENTS, NO_DNS)}expect:\n  connectivity:\n  - {from: ${API}, to: 203.0.113.10, port: 443, result: allowed}`) });
    const { code, out } = await run(['test', dir]);
    expect(code).toBe(0);
    expect(rowOf(out, 'NetworkPolicy team-a/api-to-payments')?.[0]).toBe('-');
    expect(rowOf(out, 'NetworkPolicy team-a/api-to-payments')?.slice(3)).toEqual(['(not asserted)', 'allowed']);
    expect(out.split('\n').at(-1)).toBe('1 case(s) in 1 suite(s): 1 passed, 0 failed; 2 object(s) not asserted.');
  });

  it('holds warnings exactly when listed, and ignores them when not', async () => {
    const wide = suiteDir({
      'wide.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api-from-all-namespaces, namespace: team-a}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: 8080}]\n',
    });
    const expectation = (warnings: string) => suite(`${manifests(join(wide, 'wide.yaml'))}expect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-a, name: api-from-all-namespaces, result: allowed${warnings}}`);
    const cases: Array<[string, number, string]> = [
      ['', 0, 'allowed'],
      [', warnings: [namespace-selector-all]', 0, 'allowed, warnings [namespace-selector-all]'],
      [', warnings: []', 1, 'allowed, no warnings'],
    ];
    for (const [warnings, exit, expected] of cases) {
      const { code, out } = await run(['test', join(suiteDir({ 'netfence-test.yaml': expectation(warnings) }), 'netfence-test.yaml')]);
      expect(code, warnings).toBe(exit);
      expect(rowOf(out, 'NetworkPolicy team-a/api-from-all-namespaces')?.slice(3), warnings).toEqual([expected, 'allowed, warnings [namespace-selector-all]']);
    }
  });

  it('tells refused and skipped objects apart, and holds an object twice submitted at each operation', async () => {
    const objects = suiteDir({
      'objects.yaml': [
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: ghost}\nspec: {podSelector: {}, policyTypes: [Ingress]}',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: kube-system}\nspec: {podSelector: {}, policyTypes: [Ingress]}',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: team-a}\nspec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]}',
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: team-a}\nspec: {podSelector: {}, policyTypes: [Ingress], ingress: [{}]}',
      ].join('\n---\n'),
    });
    const expectations = [
      '  - {kind: NetworkPolicy, namespace: ghost, name: p, result: refused}',
      '  - {kind: NetworkPolicy, namespace: kube-system, name: p, result: skipped}',
      '  - {kind: NetworkPolicy, namespace: team-a, name: open, operation: CREATE, result: allowed}',
      '  - {kind: NetworkPolicy, namespace: team-a, name: open, operation: UPDATE, result: denied, rules: [allow-all]}',
      '  - {kind: NetworkPolicy, namespace: team-a, name: open, result: allowed}',
    ];
    const dir = suiteDir({ 'netfence-test.yaml': suite(`${manifests(join(objects, 'objects.yaml'))}expect:\n  objects:\n${expectations.join('\n')}`) });
    const { code, out } = await run(['test', dir]);
    const ghost = rowOf(out, 'NetworkPolicy ghost/p');
    expect([ghost?.[0], ghost?.[4]]).toEqual(['PASS', 'refused by the API server']);
    expect(rowOf(out, 'NetworkPolicy kube-system/p')?.[4]).toBe('skipped (namespace kube-system is exempt)');
    expect(rowOf(out, 'NetworkPolicy team-a/open (CREATE)')?.[0]).toBe('PASS');
    expect(rowOf(out, 'NetworkPolicy team-a/open (UPDATE)')?.[0]).toBe('PASS');
    // Without an operation the expectation holds at each: the UPDATE was denied, so it fails.
    const both = rowOf(out, 'NetworkPolicy team-a/open');
    expect([both?.[0], both?.[3], both?.[4]]).toEqual(['FAIL', 'allowed', 'CREATE: allowed; UPDATE: denied [allow-all]']);
    expect(code).toBe(1);
  });
});

describe('netfence test judges connectivity after the admitted manifests', () => {
  const reach = (from: string, to: string, port: string, result: string) => `  - {from: ${from}, to: ${to}, port: ${port}, result: ${result}}`;
  // [what, the suite's other fields, the connection, expected, exit]
  const cases: Array<[string, string, string, number]> = [
    ['before the manifest, api cannot reach the payment provider', '', reach(API, '203.0.113.10', '443', 'denied'), 0],
    ['after it, it can', manifests(PAYMENTS), reach(API, '203.0.113.10', '443', 'allowed'), 0],
    ['after it, asserting the old answer fails', manifests(PAYMENTS), reach(API, '203.0.113.10', '443', 'denied'), 1],
    ['a denied manifest is not applied: web stays closed', `namespace: team-a\n${manifests(ALLOW_ALL)}`, reach('monitoring/prometheus-0', WEB, '8080/TCP', 'denied'), 0],
    ['the same manifest admitted (allow-all only warns) opens web', `namespace: team-a\nconfig: CONFIG\n${manifests(ALLOW_ALL)}`, reach('monitoring/prometheus-0', WEB, '8080/TCP', 'allowed'), 0],
  ];
  it.each(cases)('%s', async (_what, rest, connection, exit) => {
    const dir = suiteDir({ 'netfence.yaml': 'rules:\n  allow-all: warn\n' });
    writeFileSync(join(dir, 'netfence-test.yaml'), suite(`${rest.replace('CONFIG', 'netfence.yaml')}expect:\n  connectivity:\n${connection}`));
    const { code, out, err } = await run(['test', dir]);
    expect(err).toBe('');
    expect(code).toBe(exit);
    if (exit === 1) expect(out).toMatch(/expected denied, got allowed\n {2}ALLOWED: team-a\/api-5b8c7d6f4-7tj2m -> 203\.0\.113\.10 on 443\/TCP\n {4}egress {2}of team-a\/api-5b8c7d6f4-7tj2m: allowed by team-a\/api-to-payments egress\[0\]/);
  });

  it('sees the workloads the manifests add, named as simulate names them, and does not list them as not asserted', async () => {
    const deployment = suiteDir({
      'worker.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: worker, namespace: team-a}\nspec:\n  selector: {matchLabels: {app: worker}}\n  template:\n    metadata: {labels: {app: worker}}\n    spec: {containers: [{name: main, image: worker:1, ports: [{containerPort: 9000, name: jobs}]}]}\n',
      'worker-from-api.yaml':
        'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: worker-from-api, namespace: team-a}\nspec:\n  podSelector: {matchLabels: {app: worker}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: jobs}]}]\n',
    });
    const connections = [reach(WEB, 'team-a/Deployment/worker', '9000', 'denied'), reach('team-a/deploy/worker', 'kube-system/coredns-5d78c9869d-4xk2p', '53/UDP', 'allowed')];
    const dir = suiteDir({
      'netfence-test.yaml': suite(`${manifests(join(deployment, 'worker.yaml'), join(deployment, 'worker-from-api.yaml'))}expect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-a, name: worker-from-api, result: allowed}\n  connectivity:\n${connections.join('\n')}`),
    });
    const { code, out } = await run(['test', dir]);
    expect(out).not.toContain('not asserted');
    expect(code).toBe(0);
    expect(rowOf(out, 'team-a/deploy/worker -> kube-system/coredns-5d78c9869d-4xk2p on 53/UDP')?.[0]).toBe('PASS');
  });

  it("answers a pod's connection to itself as simulate does: allowed, whatever the policies say", async () => {
    // team-a's default-deny isolates web for Ingress on 9999, but a pod cannot block access to itself.
    const dir = suiteDir({ 'netfence-test.yaml': suite(`expect:\n  connectivity:\n${reach(WEB, WEB, '9999', 'allowed')}`) });
    const { code, out } = await run(['test', dir]);
    expect(code).toBe(0);
    const simulated = await run(['simulate', '--state', EXAMPLE, '--from', WEB, '--to', WEB, '--port', '9999']);
    expect(simulated.code).toBe(0);
    expect(simulated.out).toContain("a pod's connection to itself is always allowed");
    expect(rowOf(out, `${WEB} -> ${WEB} on 9999/TCP`)?.[0]).toBe('PASS');
  });

  it('calls an endpoint the state does not hold a failure that names it', async () => {
    const dir = suiteDir({ 'netfence-test.yaml': suite(`expect:\n  connectivity:\n${reach('team-a/api', '203.0.113.10', '443', 'denied')}`) });
    const { code, out } = await run(['test', dir]);
    expect(code).toBe(1);
    expect(out).toContain('expected denied, got no such endpoint\n  expect.connectivity[0].from "team-a/api": no such pod in the state (pods in team-a: ');
  });
});

describe('netfence test with ClientIntents among the manifests', () => {
  const INTENTS = join(ROOT, 'examples', 'intents');
  const NS = 'otterize-tutorial-npol';

  it('holds a ClientIntents denied when its policies are not proven, and sees none of them written', async () => {
    // client calls server (in force); a canary with server's labels, which client-other calls: no policy can tell it from server.
    const server = readFileSync(join(INTENTS, 'tutorial.yaml'), 'utf8').split(/^---$/m).find((document) => /kind: Deployment/.test(document) && /name: server\n/.test(document)) ?? '';
    const dir = suiteDir({
      'state/cluster.yaml': ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml', 'client-intents.yaml'].map((file) => readFileSync(join(INTENTS, file), 'utf8')).join('\n---\n'),
      'state/canary.yaml': server.replace('name: server\n', 'name: server-canary\n'),
      'intents.yaml': `apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client-other, namespace: ${NS}}\nspec:\n  workload: {name: client-other}\n  targets: [{kubernetes: {name: server-canary}}]\n`,
      'netfence-test.yaml': [
        'apiVersion: netfence.io/v1alpha1',
        'kind: Test',
        'state: state',
        `namespace: ${NS}`,
        'manifests: [intents.yaml]',
        'expect:',
        '  objects:',
        '  - {kind: ClientIntents, name: client-other, result: denied}',
        '  - {kind: NetworkPolicy, name: netfence-intents-client-other, result: allowed}',
        '  connectivity:',
        `  - {name: "nothing written: client-other still reaches server", from: ${NS}/Deployment/client-other, to: ${NS}/Deployment/server, port: 80, result: allowed}`,
      ].join('\n'),
    });
    const { code, out, err } = await run(['test', dir]);
    expect(err).toBe('');
    expect(code).toBe(1);
    expect(rowOf(out, `ClientIntents ${NS}/client-other`)?.slice(3)).toEqual(['denied', 'denied (not proven: 1 failure(s))']);
    expect(rowOf(out, `ClientIntents ${NS}/client-other`)?.[0]).toBe('PASS');
    // The policy an expectation names is not in the manifests' outcome: nothing was written.
    const policyRow = rowOf(out, `NetworkPolicy ${NS}/netfence-intents-client-other`);
    expect([policyRow?.[0], policyRow?.[4]]).toEqual(['FAIL', 'not in the manifests']);
    expect(out).toContain(`the manifests hold no NetworkPolicy ${NS}/netfence-intents-client-other: they hold ClientIntents ${NS}/client-other`);
    expect(rowOf(out, 'nothing written: client-other still reaches server')?.[0]).toBe('PASS');
  });
});

describe('netfence test refuses bad input in one line (exit 2)', () => {
  const head = (state = `state: ${JSON.stringify(EXAMPLE)}\n`) => `apiVersion: netfence.io/v1alpha1\nkind: Test\n${state}`;
  const expectOne = 'expect:\n  objects:\n  - {kind: Namespace, name: team-a, result: allowed}';
  // [what, the suite file's text, the line on stderr after 'netfence test: <file>']
  const cases: Array<[string, string, string]> = [
    ['an unknown field', `${head()}manifest: [x.yaml]\n${expectOne}`, ':4: manifest: unknown field (allowed here: apiVersion, kind, metadata, state, config, namespace, manifests, requester, expect)'],
    ['an unknown field in an expectation', `${head()}expect:\n  objects:\n  - kind: Namespace\n    name: team-a\n    result: allowed\n    rule: [allow-all]`, ':9: expect.objects[0].rule: unknown field (allowed here: kind, namespace, name, operation, result, rules, warnings)'],
    ['no state', `${head('')}${expectOne}`, ':1: state: is required'],
    ['a state that does not exist', `${head('state: ../no-such-cluster\n')}${expectOne}`, ':3: state: "../no-such-cluster": no such file or directory (paths are relative to the suite file)'],
    ['a manifest that does not exist', `${head()}manifests: [a.yaml]\n${expectOne}`, ':4: manifests[0]: "a.yaml": no such file or directory (paths are relative to the suite file)'],
    ['another apiVersion', `apiVersion: kyverno.io/v1\nkind: Test\n${expectOne}`, ':1: apiVersion: must be netfence.io/v1alpha1 (got "kyverno.io/v1")'],
    ['a rule that does not exist', `${head()}expect:\n  objects:\n  - {kind: Namespace, name: team-a, result: denied, rules: [dns-missing]}`, ':6: expect.objects[0].rules[0]: unknown rule "dns-missing" (rules: essential-egress, '],
    ['denied without its rules', `${head()}expect:\n  objects:\n  - {kind: Namespace, name: team-a, result: denied}`, ':6: expect.objects[0].rules: is required for result denied: the rules that deny it'],
    [
      'rules on a ClientIntents',
      `${head()}expect:\n  objects:\n  - {kind: ClientIntents, namespace: team-a, name: api, result: denied, rules: [allow-all]}`,
      ':6: expect.objects[0].rules: not for a ClientIntents: no rule judges it (the proof of its policies does: denied when they are not proven); expect its policies as NetworkPolicies',
    ],
    ['a result that does not exist', `${head()}expect:\n  objects:\n  - {kind: Namespace, name: team-a, result: pass}`, ':6: expect.objects[0].result: must be one of allowed, denied, refused, skipped (got "pass")'],
    ['a policy without a namespace', `${head()}expect:\n  objects:\n  - {kind: NetworkPolicy, name: p, result: allowed}`, ':6: expect.objects[0].namespace: is required for a NetworkPolicy (or give the suite a namespace)'],
    ['a bad port', `${head()}expect:\n  connectivity:\n  - {from: ${API}, to: ${WEB}, port: 70000, result: allowed}`, ':6: expect.connectivity[0].port: "70000": expected PORT[/PROTO] with PORT 1-65535, e.g. 53/UDP'],
    ['no expectations', `${head()}expect: {}`, ':4: expect: expects nothing: list objects or connectivity (a suite that asserts nothing would pass on nothing)'],
    ['YAML that does not parse', `${head()}expect: [`, ':4: YAML error: '],
  ];
  it.each(cases)('%s', async (_what, text, message) => {
    const dir = suiteDir({ 'netfence-test.yaml': text });
    const { code, out, err } = await run(['test', dir]);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).not.toContain('\n');
    expect(err).toContain(`netfence test: ${join(dir, 'netfence-test.yaml')}${message}`);
  });

  it('refuses a bad suite before running any, and a command line without suites', async () => {
    const good = join(TESTS, 'platform-admin.netfence-test.yaml');
    const bad = suiteDir({ 'netfence-test.yaml': `${head('')}expect: {}` });
    const both = await run(['test', good, bad]);
    expect([both.code, both.out]).toEqual([2, '']);
    const none = await run(['test']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no suites to run: give DIR...');
    const empty = await run(['test', suiteDir({ 'other.yaml': 'a: 1' })]);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/: no netfence-test\.yaml \(or NAME\.netfence-test\.yaml\) below this directory$/);
    const format = await run(['test', TESTS, '--output', 'sarif']);
    expect(format.code).toBe(2);
    expect(format.err).toContain('--output "sarif": expected one of text, junit');
  });
});

describe('netfence test --output junit', () => {
  it('writes one test case per expectation, as CI test reporters parse it', async () => {
    const failing = suiteDir({
      'netfence-test.yaml': suite(`metadata: {name: failing}\n${manifests(NO_DNS)}expect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-b, name: db-to-backup, result: allowed}\n  connectivity:\n  - {from: ${WEB}, to: ${API}, port: 8080, result: denied}`),
    });
    const { code, out } = await run(['test', TESTS, failing, '--output', 'junit']);
    expect(code).toBe(1);
    expect(XMLValidator.validate(out)).toBe(true);
    const file = join(suiteDir({ 'report.xml': out }), 'report.xml');
    const parsed = parseTestResults({ type: 'junit', files: [file] });
    expect(parsed).toMatchObject({ total: 22, passed: 20, failed: 2 });
    const cases = parsed.suites.flatMap((each) => each.cases);
    expect(cases.filter((each) => each.status === 'FAIL').map((each) => each.name)).toEqual(['NetworkPolicy team-b/db-to-backup', `${WEB} -> ${API} on 8080/TCP`]);
    expect(cases.find((each) => each.status === 'FAIL')?.failure).toBe('expected allowed, got denied [essential-egress], warnings [default-deny-missing] (admitted: audit mode)');
    expect(out).toContain('classname="failing" file="');
    expect(out).toContain('type="mismatch"');
  });
});
