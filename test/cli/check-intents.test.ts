import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseTestResults } from 'test-results-parser';
import { describe, expect, it } from 'vitest';
import { run } from '../support/cli.js';

/**
 * `netfence check` with ClientIntents among its manifests, on Otterize's tutorial
 * (examples/intents): the ClientIntents is validated, the policies generated for every ClientIntents
 * in force are proven and compared with the generated policies of the state, and each one written,
 * replaced or deleted is judged as netfence's own write and applied when admitted, with an entry of
 * its own in every output. A ClientIntents whose policies cannot be proven is denied (exit 1).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const INTENTS = join(ROOT, 'examples', 'intents');
const TUTORIAL_INTENTS = join(INTENTS, 'client-intents.yaml');
const NS = 'otterize-tutorial-npol';

/** stateDir writes a state: the tutorial's files named (from examples/intents), and more files (name -> text). */
function stateDir(files: readonly string[], more: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-check-intents-'));
  for (const file of files) writeFileSync(join(dir, file), readFileSync(join(INTENTS, file), 'utf8'));
  for (const [name, text] of Object.entries(more)) writeFileSync(join(dir, name), text);
  return dir;
}

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'netfence-check-intents-')), name);
  writeFileSync(path, text);
  return path;
}

const CLUSTER = ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml'];

/** clientIntents is a v2beta1 ClientIntents of the tutorial's namespace; targets as YAML flow items. */
const clientIntents = (name: string, client: string, targets: readonly string[], namespace = NS): string =>
  `apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: ${name}, namespace: ${namespace}}\nspec:\n  workload: {name: ${client}}\n  targets: [${targets.join(', ')}]\n`;

/** generatedPolicies is what `netfence intents generate` prints for the tutorial: the policies in place once its ClientIntents is. */
async function generatedPolicies(): Promise<string> {
  const { code, out } = await run('intents', 'generate', '--state', INTENTS);
  expect(code).toBe(0);
  return out;
}

/** twinsState is the tutorial with a canary of server that has the same template labels (no policy can tell them apart). */
function twinsState(): string {
  const tutorial = readFileSync(join(INTENTS, 'tutorial.yaml'), 'utf8');
  const server = tutorial.split(/^---$/m).find((document) => /kind: Deployment/.test(document) && /name: server\n/.test(document)) ?? '';
  return stateDir([...CLUSTER, 'client-intents.yaml'], { 'canary.yaml': server.replace('name: server\n', 'name: server-canary\n') });
}
const TO_CANARY = clientIntents('client-other', 'client-other', ['{kubernetes: {name: server-canary}}']);

/** verdicts are check's object lines without the file prefix: `ClientIntents ns/client (UPDATE): ok`. */
function verdicts(out: string): string[] {
  return out
    .split('\n')
    .filter((line) => /^\S.* \((CREATE|UPDATE|DELETE)[,)]/.test(line))
    .map((line) => line.replace(/^.*\(document \d+\) /, ''));
}

interface IntentsJson {
  object: string;
  operation: string;
  file: string;
  line?: number;
  applied: boolean;
  denied: boolean;
  failures: string[];
  preexisting?: string[];
  notices: string[];
  policies: Array<{ object: string; operation: string; applied: boolean; denied: boolean }>;
}

describe('check puts a ClientIntents of the manifests in force', () => {
  it('writes the tutorial policies: the ClientIntents, then each policy as netfence writes it, judged and applied', async () => {
    const { code, out, err } = await run('check', '--state', INTENTS, TUTORIAL_INTENTS);
    expect(err).toBe('');
    expect(code).toBe(0);
    // The state holds the ClientIntents (so this is an UPDATE) and none of its policies yet.
    expect(verdicts(out)).toEqual([
      `ClientIntents ${NS}/client (UPDATE): ok`,
      `NetworkPolicy ${NS}/netfence-intents-client (CREATE, from ClientIntents ${NS}/client): allowed, with warnings`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (CREATE, from ClientIntents ${NS}/client): allowed, with warnings`,
    ]);
    // The tutorial's namespace never had a default-deny: that predates the writes, which only warn.
    expect(out).toMatch(/^ {2}WARN \[default-deny-missing\] predates this change: /m);
    expect(out).not.toContain('without a judgement');
    expect(out).not.toContain('not applied');
    expect(out.split('\n').at(-1)).toBe('3 object(s) checked, 2 finding(s): all would be admitted.');
    const created = await run('check', '--state', stateDir(CLUSTER), TUTORIAL_INTENTS);
    expect(verdicts(created.out)[0]).toBe(`ClientIntents ${NS}/client (CREATE): ok`);
  });

  it('writes nothing when the policies are in place; replaces and deletes what the ClientIntents no longer call for', async () => {
    const generated = await generatedPolicies();
    expect(verdicts((await run('check', '--state', stateDir([...CLUSTER, 'client-intents.yaml'], { 'generated.yaml': generated }), TUTORIAL_INTENTS)).out)).toEqual([`ClientIntents ${NS}/client (UPDATE): ok`]);
    // Adopted, with its baseline (default-deny and DNS) in place: taking a policy away leaves the pods isolated.
    const adopted = stateDir(['kube-system.yaml', 'tutorial.yaml', 'client-intents.yaml'], {
      'namespaces.yaml': readFileSync(join(INTENTS, 'namespaces.yaml'), 'utf8').replace(`name: ${NS}`, `name: ${NS}\n    labels: {netfence.io/baseline: default}`),
      'generated.yaml': generated,
    });
    const manifests = tempFile('intents.yaml', `${clientIntents('client-other', 'client-other', ['{kubernetes: {name: server}}'])}---\n${clientIntents('client', 'client', [])}`);
    const { code, out } = await run('check', '--state', adopted, manifests);
    expect(verdicts(out)).toEqual([
      `ClientIntents ${NS}/client-other (CREATE): ok`,
      `NetworkPolicy ${NS}/netfence-intents-client-other (CREATE, from ClientIntents ${NS}/client-other): ok`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (UPDATE, from ClientIntents ${NS}/client-other): ok`,
      `ClientIntents ${NS}/client (UPDATE): ok`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (UPDATE, from ClientIntents ${NS}/client): ok`,
      `NetworkPolicy ${NS}/netfence-intents-client (DELETE, from ClientIntents ${NS}/client): ok`,
    ]);
    expect(code).toBe(0);
    const json = JSON.parse((await run('check', '--state', adopted, manifests, '--output', 'json')).out) as { denied: boolean; intents: IntentsJson[] };
    expect(json.denied).toBe(false);
    expect(json.intents.map((intents) => [intents.object, intents.operation, intents.applied, intents.policies.map((policy) => `${policy.operation} ${policy.object} ${policy.applied}`)])).toEqual([
      [`ClientIntents ${NS}/client-other`, 'CREATE', true, [`CREATE NetworkPolicy ${NS}/netfence-intents-client-other true`, `UPDATE NetworkPolicy ${NS}/netfence-intents-to-server true`]],
      [`ClientIntents ${NS}/client`, 'UPDATE', true, [`UPDATE NetworkPolicy ${NS}/netfence-intents-to-server true`, `DELETE NetworkPolicy ${NS}/netfence-intents-client true`]],
    ]);
  });

  it('deletes what the ClientIntents no longer call for, though it opens the pods again: their owner asked for it', async () => {
    // Not adopted, no default-deny: deleting the client's egress policy leaves its pods open, as they were before the intents.
    const state = stateDir([...CLUSTER, 'client-intents.yaml'], { 'generated.yaml': await generatedPolicies() });
    const { code, out } = await run('check', '--state', state, tempFile('no-targets.yaml', clientIntents('client', 'client', [])));
    expect(code).toBe(0);
    expect(verdicts(out)).toEqual([
      `ClientIntents ${NS}/client (UPDATE): ok`,
      `NetworkPolicy ${NS}/netfence-intents-client (DELETE, from ClientIntents ${NS}/client): ok`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (DELETE, from ClientIntents ${NS}/client): ok`,
    ]);
    expect(out).toContain(`  NOTE ${NS}/netfence-intents-client is a policy netfence keeps for ClientIntents: deleting it is judged by no rule (netfence writes it again while ClientIntents call for it)`);
    // A tenant deleting it is another matter: managed-policy-change (the webhook test holds that).
  });

  it("prints the generator's notices under the ClientIntents, and leaves alone generated policies no ClientIntents in force called for", async () => {
    // The state holds generated policies but not the ClientIntents behind them (a dump without the CRD's objects).
    const state = stateDir(CLUSTER, { 'generated.yaml': await generatedPolicies() });
    const manifest = tempFile('other.yaml', clientIntents('client-other', 'client-other', ['{service: {name: server}}', '{service: {name: ledger}}', '{kafka: {name: orders}}']));
    const { code, out } = await run('check', '--state', state, manifest);
    expect(code).toBe(0);
    expect(out).toContain(`ClientIntents ${NS}/client-other (CREATE): ok\n  NOTE ClientIntents ${NS}/client-other spec.targets[1]: Service ${NS}/ledger is not in the state: nothing is generated for it\n  NOTE ClientIntents ${NS}/client-other spec.targets[2]: a kafka target (orders) has nothing to do for the network: ignored\n`);
    expect(verdicts(out).slice(1)).toEqual([
      `NetworkPolicy ${NS}/netfence-intents-client-other (CREATE, from ClientIntents ${NS}/client-other): allowed, with warnings`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (UPDATE, from ClientIntents ${NS}/client-other): allowed, with warnings`,
    ]);
    const json = JSON.parse((await run('check', '--state', state, manifest, '--output', 'json')).out) as { intents: IntentsJson[] };
    expect(json.intents[0]?.notices).toHaveLength(2);
    expect(json.intents[0]).toMatchObject({ file: expect.stringMatching(/other\.yaml$/), line: 1, failures: [] });
  });

  it('never overwrites a policy netfence does not manage that holds a generated name', async () => {
    const handWritten = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: netfence-intents-client, namespace: ${NS}}\nspec: {podSelector: {matchLabels: {app: client}}, policyTypes: [Egress], egress: [{}]}\n`;
    const { out } = await run('check', '--state', stateDir(CLUSTER, { 'hand-written.yaml': handWritten }), TUTORIAL_INTENTS);
    expect(out).toContain(`  NOTE ${NS}/netfence-intents-client is a policy netfence does not manage: the generated policy of that name is not written\n`);
    expect(verdicts(out).map((line) => line.replace(/:.*$/, ''))).toEqual([`ClientIntents ${NS}/client (CREATE)`, `NetworkPolicy ${NS}/netfence-intents-to-server (CREATE, from ClientIntents ${NS}/client)`]);
  });

  it('refuses a ClientIntents whose namespace does not exist, and skips one in an exempt namespace', async () => {
    const ghost = await run('check', '--state', INTENTS, tempFile('ghost.yaml', clientIntents('client', 'client', [], 'ghost')));
    expect(ghost.code).toBe(1);
    expect(verdicts(ghost.out)).toEqual(['ClientIntents ghost/client (CREATE): REFUSED: namespaces "ghost" not found: the namespace is in neither the state nor an earlier manifest (add it, or name another with -n)']);
    const exempt = await run('check', '--state', INTENTS, tempFile('exempt.yaml', clientIntents('coredns', 'coredns', [], 'kube-system')));
    expect(exempt.code).toBe(0);
    expect(verdicts(exempt.out)[0]).toBe('ClientIntents kube-system/coredns (CREATE): skipped (namespace kube-system is exempt)');
  });
});

describe('check denies a ClientIntents whose policies cannot be proven', () => {
  it('says what the proof finds, writes none of its policies, and exits 1', async () => {
    const state = twinsState();
    const manifest = tempFile('canary.yaml', `${TO_CANARY}---\n${readFileSync(TUTORIAL_INTENTS, 'utf8')}`);
    const { code, out } = await run('check', '--state', state, manifest);
    expect(code).toBe(1);
    expect(verdicts(out)).toEqual([
      `ClientIntents ${NS}/client-other (CREATE): DENIED in enforce mode: the policies it calls for are not proven, so netfence writes none`,
      // Not in force, so the next ClientIntents is judged without it; the state's own intents (client -> server)
      // already open the canary too (its pods share server's labels): that predates it, and holds the writes back.
      `ClientIntents ${NS}/client (UPDATE): ok`,
    ]);
    expect(out).toContain('  NOTE netfence writes none of the policies while ClientIntents in force are not proven (2 write(s) held back)');
    expect(out).toMatch(
      /^ {2}NOT PROVEN otterize-tutorial-npol\/Deployment\/client-other -> otterize-tutorial-npol\/Deployment\/server \(with otterize-tutorial-npol\/Deployment\/server-canary, which no policy can tell apart from it\): the generated policies open 80\/TCP that no intent declares$/m,
    );
    expect(out.split('\n').at(-1)).toBe('2 object(s) checked, 0 finding(s): some would be DENIED.');
  });

  it('reports the denial in JSON, SARIF and JUnit as its own object', async () => {
    const state = twinsState();
    const manifest = tempFile('canary.yaml', TO_CANARY);
    const json = await run('check', '--state', state, manifest, '--output', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as { denied: boolean; findings: unknown[]; intents: IntentsJson[] };
    expect(report.denied).toBe(true);
    expect(report.findings).toEqual([]);
    expect(report.intents).toHaveLength(1);
    expect(report.intents[0]).toMatchObject({ object: `ClientIntents ${NS}/client-other`, operation: 'CREATE', line: 1, applied: false, denied: true, policies: [] });
    expect(report.intents[0]?.failures.length).toBeGreaterThan(0);

    const sarif = await run('check', '--state', state, manifest, '--output', 'sarif');
    expect(sarif.code).toBe(1);
    const log = JSON.parse(sarif.out) as { runs: Array<{ results: Array<Record<string, any>> }> };
    const sarifSchema = JSON.parse(readFileSync(join(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/package.json'), '..', 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    ajvFormats.default(ajv);
    const validateSarif = ajv.compile(sarifSchema);
    expect(validateSarif(log), JSON.stringify(validateSarif.errors)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((result) => `${String(result['ruleId'])} ${String(result['level'])}`)).toEqual(['intents-not-proven error']);
    expect(results[0]?.['message'].text).toContain('the generated policies open 80/TCP that no intent declares');
    expect(results[0]?.['locations'][0]).toMatchObject({ physicalLocation: { artifactLocation: { uri: expect.stringMatching(/canary\.yaml$/) }, region: { startLine: 1 } } });
    expect(results[0]?.['properties']).toEqual({ object: `ClientIntents ${NS}/client-other`, operation: 'CREATE', document: 1 });

    const junit = await run('check', '--state', state, manifest, '--output', 'junit');
    expect(junit.code).toBe(1);
    expect(XMLValidator.validate(junit.out)).toBe(true);
    const file = tempFile('report.xml', junit.out);
    const parsed = parseTestResults({ type: 'junit', files: [file] });
    expect(parsed).toMatchObject({ total: 1, passed: 0, failed: 1 });
    expect(junit.out).toContain(`name="ClientIntents ${NS}/client-other" classname="${NS}"`);
    expect(junit.out).toContain('type="intents-not-proven"');
  });

  it('holds against a ClientIntents only what it brings: a failure of those in force already predates it, and holds every write back', async () => {
    const state = twinsState();
    writeFileSync(join(state, 'other.yaml'), TO_CANARY);
    const { code, out } = await run('check', '--state', state, TUTORIAL_INTENTS);
    expect(code).toBe(0);
    // Admitted, and nothing written: the policies of the ClientIntents in force are not proven.
    expect(verdicts(out)).toEqual([`ClientIntents ${NS}/client (UPDATE): ok`]);
    expect(out).toMatch(/^ {2}WARN predates this change: not proven: otterize-tutorial-npol\/Deployment\/client-other -> /m);
    expect(out).toContain('  NOTE netfence writes none of the policies while ClientIntents in force are not proven (4 write(s) held back)');
    expect(out).not.toContain('NOT PROVEN');
    const json = JSON.parse((await run('check', '--state', state, TUTORIAL_INTENTS, '--output', 'json')).out) as { denied: boolean; intents: IntentsJson[] };
    expect(json.denied).toBe(false);
    expect(json.intents[0]).toMatchObject({ applied: true, denied: false, failures: [], policies: [] });
    expect(json.intents[0]?.preexisting?.length).toBeGreaterThan(0);
    // Mending what fails: without the canary (whose pods share server's labels), the tutorial's policies are
    // written, proven (client-other's target is gone: nothing is generated for it).
    rmSync(join(state, 'canary.yaml'));
    const mended = await run('check', '--state', state, TUTORIAL_INTENTS);
    expect(verdicts(mended.out).map((line) => line.replace(/:.*$/, ''))).toEqual([
      `ClientIntents ${NS}/client (UPDATE)`,
      `NetworkPolicy ${NS}/netfence-intents-client (CREATE, from ClientIntents ${NS}/client)`,
      `NetworkPolicy ${NS}/netfence-intents-to-server (CREATE, from ClientIntents ${NS}/client)`,
    ]);
  });
});
