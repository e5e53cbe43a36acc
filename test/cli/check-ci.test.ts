import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseTestResults } from 'test-results-parser';
import { describe, expect, it } from 'vitest';
import { netfence as run } from '../support/cli.js';
import { escapeXml } from '../../src/cli/format/ci-report.js';

/**
 * `netfence check` as a CI pipeline runs it: manifests from files, directories or standard input,
 * judged in order as admission would (a denied object is not applied; a namespace that does not
 * exist refuses its objects; unknown fields are refused as by strict field validation), and
 * reports CI systems read: SARIF 2.1.0 valid against the official schema, JUnit XML as CI test
 * reporters parse it.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cluster');
const NO_DNS = join(ROOT, 'examples', 'manifests', 'db-egress-no-dns.yaml');
const ALLOW_ALL = join(ROOT, 'examples', 'manifests', 'allow-all-ingress.yaml');

function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-check-ci-'));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

const policy = (namespace: string, name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec: ${spec}\n`;

interface FindingJson {
  rule: string;
  severity: string;
  object: string;
  file?: string;
  line?: number;
  document?: number;
  operation?: string;
}

describe('check reads what a pipeline gives it', () => {
  it('reads standard input as -, so kustomize build | netfence check --state S - works', async () => {
    const { code, out } = await run(['check', '--state', EXAMPLE, '-', '--json'], readFileSync(NO_DNS, 'utf8'));
    expect(code).toBe(1);
    const findings = (JSON.parse(out) as { findings: FindingJson[] }).findings;
    expect(findings[0]).toMatchObject({ rule: 'essential-egress', file: '<stdin>', line: 3, document: 1, operation: 'CREATE' });
  });

  it('refuses no input at all (exit 2) instead of calling it all admitted', async () => {
    const none = await run(['check', '--state', EXAMPLE]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no manifests to check');
    const glob = await run(['check', '--state', EXAMPLE, join(ROOT, 'no-such-dir', '*.yaml')]);
    expect(glob.code).toBe(2);
    expect(glob.err).toContain('no such file or directory');
    const empty = await run(['check', '--state', EXAMPLE, mkdtempSync(join(tmpdir(), 'netfence-empty-'))]);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain('no .yaml, .yml or .json file in this directory');
  });

  it('gives manifests without a namespace the one of -n, as kubectl does', async () => {
    const { code, out } = await run(['check', '--state', EXAMPLE, '-n', 'team-a', ALLOW_ALL, '--json']);
    expect(code).toBe(1);
    expect((JSON.parse(out) as { findings: FindingJson[] }).findings.map((finding) => `${finding.object} ${finding.rule}`)).toEqual(['team-a/allow-all-ingress allow-all']);
  });

  it('refuses an object whose namespace is in neither the state nor the manifests', async () => {
    const file = tempFile('ghost.yaml', policy('ghost', 'p', '{podSelector: {}, policyTypes: [Ingress, Egress]}'));
    const { code, out } = await run(['check', '--state', EXAMPLE, file]);
    expect(code).toBe(1);
    expect(out).toContain('NetworkPolicy ghost/p (CREATE): REFUSED: namespaces "ghost" not found');
    const json = JSON.parse((await run(['check', '--state', EXAMPLE, file, '--json'])).out) as { denied: boolean; refused: Array<{ object: string; message: string }> };
    expect(json.denied).toBe(true);
    expect(json.refused).toEqual([expect.objectContaining({ object: 'NetworkPolicy ghost/p', line: 1, document: 1 })]);
    // Created by an earlier document, it exists for the later ones.
    const withNamespace = tempFile('ns.yaml', `apiVersion: v1\nkind: Namespace\nmetadata: {name: ghost}\n---\n${readFileSync(file, 'utf8')}`);
    expect((await run(['check', '--state', EXAMPLE, withNamespace])).out).not.toContain('REFUSED');
  });

  it('refuses unknown fields, naming every one as the API server does under strict field validation', async () => {
    const typo = tempFile('typo.yaml', policy('team-a', 'typo', '{podSelecter: {}, policyTypes: [Ingress], ingress: [{form: [{podSelector: {}}]}]}'));
    const { code, err } = await run(['check', '--state', EXAMPLE, typo]);
    expect(code).toBe(2);
    const expected = JSON.parse(readFileSync(join(ROOT, '..', 'shared', 'fixtures', 'apiserver', 'networkpolicy-unknown-fields-strict.json'), 'utf8')) as { response: { body: { message: string } } };
    // The recorded message ends with the same list: strict decoding error: unknown field "spec.podSelecter", unknown field "spec.ingress[0].form".
    const list = expected.response.body.message.slice(expected.response.body.message.indexOf('strict decoding error'));
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/typo\.yaml:1 \(document 1\) /);
    expect(err).toContain(`NetworkPolicy team-a/typo: ${list}`);
  });

  it('judges later documents without an object that admission denied', async () => {
    // team-a is in enforce mode: the allow-all policy is denied, so a later UPDATE of it is a CREATE.
    const file = tempFile('two.yaml', `${policy('team-a', 'open', '{podSelector: {}, policyTypes: [Ingress], ingress: [{}]}')}---\n${policy('team-a', 'open', '{podSelector: {}, policyTypes: [Ingress], ingress: [{from: [{podSelector: {}}]}]}')}`);
    const { out } = await run(['check', '--state', EXAMPLE, file]);
    expect(out).toMatch(/NetworkPolicy team-a\/open \(CREATE\): DENIED in enforce mode\n[\s\S]*NetworkPolicy team-a\/open \(CREATE\): /);
    // team-b is in audit mode: admitted there, so the second document updates it.
    const audit = tempFile('audit.yaml', readFileSync(file, 'utf8').replaceAll('team-a', 'team-b'));
    expect((await run(['check', '--state', EXAMPLE, audit])).out).toMatch(/NetworkPolicy team-b\/open \(UPDATE\)/);
  });
});

describe('reports for CI systems', () => {
  const sarifSchema = JSON.parse(readFileSync(join(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/package.json'), '..', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
  // CommonJS modules: their classes are the default exports' `default`. The schema's language pattern is not a valid unicode RegExp.
  const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  ajvFormats.default(ajv);
  const validateSarif = ajv.compile(sarifSchema);

  it('writes SARIF 2.1.0 that the official schema accepts, with rule metadata and each finding where it was found', async () => {
    const manifests = tempFile('pr.yaml', `${readFileSync(NO_DNS, 'utf8')}---\n${readFileSync(ALLOW_ALL, 'utf8').replace('name: allow-all-ingress', 'name: allow-all-ingress\n  namespace: team-a')}`);
    const { code, out } = await run(['check', '--state', EXAMPLE, manifests, '--output', 'sarif']);
    expect(code).toBe(1);
    const log = JSON.parse(out) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string; defaultConfiguration: { level: string } }> } }; results: Array<Record<string, any>> }> };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const [runLog] = log.runs;
    expect(runLog?.tool.driver.rules.find((rule) => rule.id === 'essential-egress')?.defaultConfiguration.level).toBe('error');
    expect(runLog?.tool.driver.rules.find((rule) => rule.id === 'dns-tcp-missing')?.defaultConfiguration.level).toBe('warning');
    const results = runLog?.results ?? [];
    expect(results.map((result) => `${String(result['ruleId'])} ${String(result['level'])}`)).toEqual(['essential-egress error', 'default-deny-missing warning', 'allow-all error']);
    expect(results[0]?.['locations'][0].physicalLocation).toEqual({ artifactLocation: { uri: expect.stringMatching(/pr\.yaml$/) }, region: { startLine: 3 } });
    expect(results[2]?.['locations'][0].physicalLocation.region).toEqual({ startLine: expect.any(Number) });
    expect(results[2]?.['properties']).toMatchObject({ object: 'team-a/allow-all-ingress', operation: 'CREATE', document: 2 });
    // A log that breaks the schema is refused: the validation is not vacuous.
    expect(validateSarif({ ...log, version: '2.0.0' })).toBe(false);
  });

  it('writes JUnit XML that CI test reporters parse: one test case per object, a failure for each that would be denied', async () => {
    const manifests = tempFile('pr.yaml', `${readFileSync(NO_DNS, 'utf8')}---\n${policy('team-a', 'web-to-api-9090', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 9090}]}]}')}`);
    const { code, out } = await run(['check', '--state', EXAMPLE, manifests, '--output', 'junit']);
    expect(code).toBe(1);
    expect(XMLValidator.validate(out)).toBe(true);
    const file = tempFile('report.xml', out);
    const parsed = parseTestResults({ type: 'junit', files: [file] });
    expect(parsed).toMatchObject({ total: 2, passed: 1, failed: 1 });
    const cases = parsed.suites.flatMap((suite) => suite.cases);
    expect(cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
      ['NetworkPolicy team-b/db-to-backup', 'FAIL'],
      ['NetworkPolicy team-a/web-to-api-9090', 'PASS'],
    ]);
    expect(cases[0]?.failure).toContain('[essential-egress]');
  });

  it('audit writes the same formats: SARIF the schema accepts, and JUnit with one test case per audited namespace', async () => {
    const sarif = await run(['audit', '--state', EXAMPLE, '--output', 'sarif']);
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.out) as { runs: Array<{ results: Array<{ ruleId: string; level: string; locations: Array<{ logicalLocations: Array<{ name: string }> }> }> }> };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results.find((result) => result.ruleId === 'essential-egress')).toMatchObject({ level: 'error', locations: [{ logicalLocations: [{ name: 'team-b' }] }] });
    expect(results.filter((result) => result.ruleId === 'namespace-not-adopted').map((result) => result.level)).toEqual(['warning', 'warning', 'warning']);
    const junit = await run(['audit', '--state', EXAMPLE, '--output', 'junit']);
    const parsed = parseTestResults({ type: 'junit', files: [tempFile('audit.xml', junit.out)] });
    const cases = parsed.suites.flatMap((suite) => suite.cases);
    expect(cases.map((testCase) => [testCase.name, testCase.status])).toEqual([
      ['Namespace ingress-nginx', 'FAIL'],
      ['Namespace monitoring', 'FAIL'],
      ['Namespace team-a', 'PASS'],
      ['Namespace team-b', 'FAIL'],
    ]);
  });

  it('escapes what XML cannot hold as it is', () => {
    expect(escapeXml('a<b & "c" \'d\' \u0001e')).toBe('a&lt;b &amp; &quot;c&quot; &apos;d&apos; e');
    expect(XMLValidator.validate(`<x a="${escapeXml('<&"\u0000')}">${escapeXml(']]> <tag>')}</x>`)).toBe(true);
  });

  it('refuses an output format it does not know, by name', async () => {
    const { code, err } = await run(['check', '--state', EXAMPLE, NO_DNS, '--output', 'xml']);
    expect(code).toBe(2);
    expect(err).toContain('--output "xml": expected one of text, json, sarif, junit');
  });
});
