import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { run } from '../support/cli.js';

/**
 * The realistic corpus (test/fixtures/realistic/, see its README): policy sets in the shapes real
 * projects ship, each checked with `netfence check` in apply order against its state, in each
 * scenario, and compared policy by policy with the verdicts its expected.yaml gives.
 */

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'realistic');
const BASELINE_LABEL = 'netfence.io/baseline';

type Verdict = 'admit' | 'deny';

interface Expectation {
  readonly verdict: Verdict;
  readonly deny?: readonly string[];
  readonly reason: string;
}

interface ExpectedSet {
  readonly set: string;
  readonly adopt: readonly string[];
  readonly policies: ReadonlyArray<{ readonly policy: string; readonly adopted: Expectation; readonly notAdopted: Expectation }>;
}

interface JsonFinding {
  readonly rule: string;
  readonly severity: 'deny' | 'warn';
  readonly object: string;
  readonly message: string;
  readonly document?: number;
  readonly file?: string;
}

interface CheckJson {
  readonly denied: boolean;
  readonly findings: readonly JsonFinding[];
  readonly refused?: ReadonlyArray<{ readonly document: number; readonly message: string }>;
}

/**
 * Scenario is how a set's namespaces stand when its policies arrive. `adopted` labels them
 * `netfence.io/baseline: default` and nothing else: issue 19 judges a change there with the
 * baseline in place whether or not it is written yet. `adopted, baseline written` adds the
 * baseline policies (as `netfence baseline` prints them) too, and must give the same verdicts.
 * `notAdopted` is the state as it is: namespaces that predate netfence.
 */
const SCENARIOS = [
  { name: 'adopted', expectations: 'adopted', label: true, baseline: false },
  { name: 'adopted, baseline written', expectations: 'adopted', label: true, baseline: true },
  { name: 'notAdopted', expectations: 'notAdopted', label: false, baseline: false },
] as const;

type Scenario = (typeof SCENARIOS)[number];

const SETS = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

function readExpected(set: string): ExpectedSet {
  return parse(readFileSync(join(ROOT, set, 'expected.yaml'), 'utf8')) as ExpectedSet;
}

/** policyNames lists `namespace/name` of each document of policies.yaml, in order. */
function policyNames(set: string): string[] {
  const text = readFileSync(join(ROOT, set, 'policies.yaml'), 'utf8');
  return parseAllDocuments(text).map((document) => {
    const object = document.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } };
    if (object.kind !== 'NetworkPolicy') throw new Error(`${set}/policies.yaml: every document must be a NetworkPolicy (got ${String(object.kind)})`);
    return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
  });
}

/** labelNamespaces rewrites a state file, giving the named Namespaces the baseline label. */
function labelNamespaces(text: string, namespaces: readonly string[]): string {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as { kind?: string; metadata?: { name?: string; labels?: Record<string, string> } } | null)
    .filter((object) => object !== null)
    .map((object) => {
      if (object.kind === 'Namespace' && object.metadata?.name !== undefined && namespaces.includes(object.metadata.name)) {
        object.metadata.labels = { ...object.metadata.labels, [BASELINE_LABEL]: 'default' };
      }
      return `---\n${stringify(object)}`;
    })
    .join('');
}

/** stateFor is the set's state directory as the scenario has it (a copy, when it differs from the fixture). */
async function stateFor(set: string, expected: ExpectedSet, scenario: Scenario): Promise<string> {
  const state = join(ROOT, set, 'state');
  if (!scenario.label) return state;
  const dir = mkdtempSync(join(tmpdir(), 'netfence-realistic-'));
  scratch.push(dir);
  cpSync(state, dir, { recursive: true });
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    writeFileSync(path, labelNamespaces(readFileSync(path, 'utf8'), expected.adopt));
  }
  if (scenario.baseline) {
    const baselines: string[] = [];
    for (const namespace of expected.adopt) {
      const printed = await run('baseline', namespace);
      if (printed.code !== 0) throw new Error(`netfence baseline ${namespace} exited ${printed.code}: ${printed.err}`);
      baselines.push(printed.out);
    }
    writeFileSync(join(dir, 'netfence-baseline.yaml'), baselines.join('\n'));
  }
  return dir;
}

interface Got {
  readonly verdict: Verdict;
  readonly deny: readonly string[];
  readonly findings: readonly JsonFinding[];
  readonly refused: string | undefined;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((rule, index) => rule === y[index]);
}

function describeExpectation(expectation: { readonly verdict: Verdict; readonly deny?: readonly string[] }): string {
  return expectation.verdict === 'deny' ? `deny [${[...(expectation.deny ?? [])].sort().join(', ')}]` : 'admit';
}

function describeFindings(got: Got): string {
  const lines = got.findings.map((finding) => `      ${finding.severity.toUpperCase()} [${finding.rule}] ${finding.message}`);
  if (got.refused !== undefined) lines.unshift(`      REFUSED ${got.refused}`);
  return lines.length === 0 ? '      (no findings)' : lines.join('\n');
}

describe('the realistic corpus', () => {
  it('has its sets, each with a state, policies and one expectation per policy', () => {
    expect(SETS.length).toBeGreaterThanOrEqual(8);
    let policies = 0;
    for (const set of SETS) {
      const expected = readExpected(set);
      expect(expected.set).toBe(set);
      expect(expected.adopt.length).toBeGreaterThan(0);
      expect(expected.policies.map((entry) => entry.policy)).toEqual(policyNames(set));
      for (const entry of expected.policies) {
        for (const expectation of [entry.adopted, entry.notAdopted]) {
          expect(['admit', 'deny']).toContain(expectation.verdict);
          expect(expectation.reason.length).toBeGreaterThan(0);
          if (expectation.verdict === 'deny') expect(expectation.deny?.length ?? 0).toBeGreaterThan(0);
          else expect(expectation.deny).toBeUndefined();
        }
      }
      policies += expected.policies.length;
    }
    expect(policies).toBeGreaterThanOrEqual(60);
  });

  for (const scenario of SCENARIOS) {
    describe(scenario.name, () => {
      it.each(SETS)('%s: every policy gets its expected verdict, checked in apply order', async (set) => {
        const expected = readExpected(set);
        const names = policyNames(set);
        expect(expected.policies.map((entry) => entry.policy), `${set}/expected.yaml must list the documents of policies.yaml in order`).toEqual(names);
        const state = await stateFor(set, expected, scenario);
        const checked = await run('check', '--state', state, '--output', 'json', join(ROOT, set, 'policies.yaml'));
        if (checked.code !== 0 && checked.code !== 1) throw new Error(`netfence check exited ${checked.code}: ${checked.err}`);
        const result = JSON.parse(checked.out) as CheckJson;
        const differences: string[] = [];
        names.forEach((name, index) => {
          const document = index + 1;
          const findings = result.findings.filter((finding) => finding.document === document);
          const refused = result.refused?.find((entry) => entry.document === document)?.message;
          const deny = findings.filter((finding) => finding.severity === 'deny').map((finding) => finding.rule);
          const got: Got = { verdict: deny.length > 0 || refused !== undefined ? 'deny' : 'admit', deny: refused === undefined ? deny : [...deny, 'refused'], findings, refused };
          const want = expected.policies[index]?.[scenario.expectations];
          if (want === undefined) throw new Error(`${set}/expected.yaml: no ${scenario.expectations} expectation for ${name}`);
          const same = want.verdict === got.verdict && (want.verdict === 'admit' || sameRules(want.deny ?? [], got.deny));
          if (same) return;
          differences.push(
            `  ${name} (document ${document}, ${scenario.name}): expected ${describeExpectation(want)}, got ${describeExpectation(got)}\n` +
              `    expected because: ${want.reason}\n    findings:\n${describeFindings(got)}`,
          );
        });
        expect(differences.length, `${set}, ${scenario.name}: ${differences.length} difference(s)\n${differences.join('\n')}\n`).toBe(0);
      });
    });
  }
});
