import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load-config.js';
import { evaluateConnection } from '../../engine/connection.js';
import { samePod } from '../../engine/reachability.js';
import type { Endpoint } from '../../engine/connection.js';
import type { Finding, RuleId } from '../../guardrails/finding.js';
import { RULE_IDS } from '../../guardrails/finding.js';
import { EditableState } from '../../state/editable-state.js';
import { StateError, loadObjects, loadState, skippedNotices } from '../../state/load-state.js';
import type { LoadedObject } from '../../state/load-state.js';
import { checkManifests, notProven, objectName } from './check.js';
import type { CheckedObject } from './check.js';
import { intentsInForce } from '../input/client-intents-manifest.js';
import type { Command, Io } from '../command.js';
import { formatConnection } from '../format/connection.js';
import { junitXml, outputFormat } from '../format/ci-report.js';
import type { ReportEntry } from '../format/ci-report.js';
import { resolveEndpoint } from '../args/resolve-endpoint.js';
import { findSuiteFiles, readSuite } from '../input/test-suite-file.js';
import type { ConnectivityExpectation, ObjectExpectation, ObjectResult, TestSuite } from '../input/test-suite-file.js';
import { UsageError } from '../usage-error.js';

/**
 * `netfence test`: runs test suites (see test-suite-file.ts) as `kyverno test` and `gator verify`
 * do. Each suite's manifests are applied on its state by checkManifests, exactly as `check`
 * applies them (a denied object is not applied; a ClientIntents puts the policies it calls for in
 * place, each an object an expectation may name), then every expectation is compared with what
 * admission said and with the connections of the state that results.
 */

/** EXIT_MISMATCH is test's exit code when an expectation does not hold. */
export const EXIT_MISMATCH = 1;

/** CaseResult is one expectation of one suite, held against what happened. */
export interface CaseResult {
  readonly title: string;
  readonly expected: string;
  readonly got: string;
  readonly passed: boolean;
  /** details explain what was got: each finding's summary, the refusal, the connection's verdict. */
  readonly details: readonly string[];
  readonly findings: readonly Finding[];
  readonly operation: string | undefined;
  /** line is where the expectation is written in the suite file. */
  readonly line: number | undefined;
}

/** NotAsserted is an object of the manifests that no expectation is about, and what admission said of it. */
export interface NotAsserted {
  readonly title: string;
  readonly got: string;
}

/** SuiteResult is one suite run. */
export interface SuiteResult {
  readonly suite: TestSuite;
  readonly cases: readonly CaseResult[];
  readonly notAsserted: readonly NotAsserted[];
}

/**
 * runSuite applies a suite's manifests on its state as `check` would, then holds each expectation
 * against the result: objects against what admission said of them, connections against the state
 * with the admitted manifests applied.
 */
export async function runSuite(suite: TestSuite, io: Io, options: { readonly listSkipped?: boolean } = {}): Promise<SuiteResult> {
  const config = await loadConfig(suite.config);
  const loaded = await loadState(suite.state, options);
  const manifests = await readSuiteManifests(suite, options.listSkipped === true);
  for (const notice of [...loaded.notices, ...manifests.notices]) io.stderr(notice);
  const state = new EditableState(loaded.state);
  const checked = checkManifests(state, manifests.objects, config, suite.requester, intentsInForce(loaded.intents));
  const cases = [...suite.objects.map((expectation) => objectCase(expectation, checked)), ...suite.connectivity.map((expectation) => connectivityCase(expectation, state))];
  const notAsserted = checked
    .filter((entry) => !suite.objects.some((expectation) => matches(expectation, entry, true)))
    .map((entry) => ({ title: `${objectName(entry)}${entry.change.operation === 'CREATE' ? '' : ` (${entry.change.operation})`}`, got: gotOf(entry).text }));
  return { suite, cases, notAsserted };
}

/** readSuiteManifests reads a suite's manifests strictly, as `check` reads its FILEs; a notice for each path that skips objects (or for each object skipped, `listSkipped`). */
async function readSuiteManifests(suite: TestSuite, listSkipped: boolean): Promise<{ objects: LoadedObject[]; notices: string[] }> {
  const objects: LoadedObject[] = [];
  const notices: string[] = [];
  for (const [index, path] of suite.manifests.entries()) {
    const read = await loadObjects(path, { strict: true, ...(suite.namespace === undefined ? {} : { namespace: suite.namespace }) });
    if (read.files === 0) throw new StateError(`${suite.file}: manifests[${index}]: ${path}: no .yaml, .yml or .json file in this directory`);
    objects.push(...read.objects);
    notices.push(...skippedNotices(path, read.skipped, listSkipped));
  }
  return { objects, notices };
}

function matches(expectation: ObjectExpectation, entry: CheckedObject, anyOperation = false): boolean {
  const { change } = entry;
  if (change.kind !== expectation.kind || change.name !== expectation.name) return false;
  if (change.kind !== 'Namespace' && change.namespace !== expectation.namespace) return false;
  return anyOperation || expectation.operation === undefined || expectation.operation === change.operation;
}

/** Got is what admission said of one object, in the terms a suite expects. */
interface Got {
  readonly result: ObjectResult;
  readonly denying: readonly RuleId[];
  readonly warning: readonly RuleId[];
  readonly text: string;
  readonly details: readonly string[];
}

function rulesOf(findings: readonly Finding[], severity: Finding['severity']): RuleId[] {
  return RULE_IDS.filter((rule) => findings.some((finding) => finding.severity === severity && finding.rule === rule));
}

const list = (rules: readonly RuleId[]): string => `[${rules.join(', ')}]`;

function gotOf(entry: CheckedObject): Got {
  const denying = rulesOf(entry.findings, 'deny');
  const warning = rulesOf(entry.findings, 'warn');
  const details = entry.findings.map((finding) => `${finding.severity.toUpperCase()} ${finding.summary}`);
  if (entry.refused !== undefined) return { result: 'refused', denying: [], warning: [], text: 'refused by the API server', details: [entry.refused] };
  if (entry.skipped !== undefined) return { result: 'skipped', denying: [], warning: [], text: `skipped (${entry.skipped})`, details: [] };
  // A ClientIntents is denied by the proof of its policies, not by a rule.
  const failures = entry.intents?.failures ?? [];
  if (notProven(entry)) return { result: 'denied', denying: [], warning: [], text: `denied (not proven: ${failures.length} failure(s))`, details: failures.map((failure) => `NOT PROVEN ${failure}`) };
  if (entry.intents !== undefined) return { result: 'allowed', denying: [], warning: [], text: 'allowed', details: entry.intents.notices.map((notice) => `NOTE ${notice}`) };
  const warnings = warning.length === 0 ? '' : `, warnings ${list(warning)}`;
  if (denying.length === 0) return { result: 'allowed', denying, warning, text: `allowed${warnings}`, details };
  // A namespace in audit mode admits what enforce would deny: said, as `check` says it.
  const admitted = entry.applied ? ' (admitted: audit mode)' : '';
  return { result: 'denied', denying, warning, text: `denied ${list(denying)}${warnings}${admitted}`, details };
}

function expectedText(expectation: ObjectExpectation): string {
  const rules = expectation.rules === undefined ? '' : ` ${list(expectation.rules)}`;
  const warnings = expectation.warnings === undefined ? '' : expectation.warnings.length === 0 ? ', no warnings' : `, warnings ${list(expectation.warnings)}`;
  return `${expectation.result}${rules}${warnings}`;
}

const sameSet = (a: readonly RuleId[], b: readonly RuleId[]): boolean => a.length === b.length && a.every((rule) => b.includes(rule)) && b.every((rule) => a.includes(rule));

function holds(expectation: ObjectExpectation, got: Got): boolean {
  if (expectation.result !== got.result) return false;
  if (expectation.rules !== undefined && !sameSet(expectation.rules, got.denying)) return false;
  return expectation.warnings === undefined || sameSet(expectation.warnings, got.warning);
}

function objectCase(expectation: ObjectExpectation, checked: readonly CheckedObject[]): CaseResult {
  const base = { title: expectation.title, expected: expectedText(expectation), operation: expectation.operation, line: expectation.line };
  const occurrences = checked.filter((entry) => matches(expectation, entry));
  if (occurrences.length === 0) {
    const held = [...new Set(checked.map(objectName))];
    const holding = held.length === 0 ? 'they hold no NetworkPolicy, Namespace or ClientIntents' : `they hold ${held.slice(0, 10).join(', ')}${held.length > 10 ? ', ...' : ''}`;
    const asOther = expectation.operation !== undefined && checked.some((entry) => matches(expectation, entry, true)) ? ` as ${expectation.operation}` : '';
    return { ...base, got: `not in the manifests${asOther}`, passed: false, details: [`the manifests hold no ${expectation.title}${asOther}: ${holding}`], findings: [] };
  }
  const gots = occurrences.map(gotOf);
  // An object the manifests hold more than once (CREATE, then UPDATE) must meet the expectation each time.
  const got = gots.length === 1 ? (gots[0]?.text ?? '') : occurrences.map((entry, index) => `${entry.change.operation}: ${gots[index]?.text ?? ''}`).join('; ');
  return {
    ...base,
    got,
    passed: gots.every((each) => holds(expectation, each)),
    details: gots.flatMap((each) => each.details),
    findings: occurrences.flatMap((entry) => entry.findings),
  };
}

function connectivityCase(expectation: ConnectivityExpectation, state: EditableState): CaseResult {
  const base = { title: expectation.title, expected: expectation.result, operation: undefined, line: expectation.line, findings: [] };
  let from: Endpoint;
  let to: Endpoint;
  try {
    from = resolveEndpoint(state, `${expectation.path}.from`, expectation.from);
    to = resolveEndpoint(state, `${expectation.path}.to`, expectation.to);
  } catch (error) {
    // An endpoint the state does not hold is a failed expectation, as an object the manifests lack is.
    if (!(error instanceof UsageError)) throw error;
    return { ...base, got: 'no such endpoint', passed: false, details: [error.message] };
  }
  const verdict = evaluateConnection(state, from, to, expectation.port);
  // As simulate answers it: a pod's connection to itself is allowed whatever the policies say.
  const self = samePod(from, to);
  const got = verdict.allowed || self ? 'allowed' : 'denied';
  return { ...base, got, passed: got === expectation.result, details: formatConnection(verdict, from, to, expectation.port, { self }).split('\n') };
}

/** formatResults is the text report: one row a case (and one for each object not asserted), each failure explained, then the totals. */
export function formatResults(results: readonly SuiteResult[]): string {
  // The verdict first, where the eye looks; the got column last, as it is the longest.
  const rows: string[][] = [['RESULT', 'SUITE', 'CASE', 'EXPECTED', 'GOT']];
  for (const { suite, cases, notAsserted } of results) {
    for (const each of cases) rows.push([each.passed ? 'PASS' : 'FAIL', suite.name, each.title, each.expected, each.got]);
    for (const each of notAsserted) rows.push(['-', suite.name, each.title, '(not asserted)', each.got]);
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const lines = rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  '));
  for (const { suite, cases } of results) {
    for (const each of cases.filter((candidate) => !candidate.passed)) {
      const where = `${suite.file}${each.line === undefined ? '' : `:${each.line}`}${suite.name === suite.file ? '' : ` (${suite.name})`}`;
      lines.push('', `FAIL ${where}: ${each.title}`, `  expected ${each.expected}, got ${each.got}`);
      lines.push(...each.details.map((detail) => `  ${detail}`));
    }
  }
  const all = results.flatMap((result) => result.cases);
  const failed = all.filter((each) => !each.passed).length;
  const unasserted = results.reduce((count, result) => count + result.notAsserted.length, 0);
  const notAsserted = unasserted === 0 ? '' : `; ${unasserted} object(s) not asserted`;
  lines.push('', `${all.length} case(s) in ${results.length} suite(s): ${all.length - failed} passed, ${failed} failed${notAsserted}.`);
  return lines.join('\n');
}

/** reportEntries are the cases as JUnit test cases: one per expectation, classed by suite, located in the suite file. */
export function reportEntries(results: readonly SuiteResult[]): ReportEntry[] {
  return results.flatMap(({ suite, cases }) =>
    cases.map((each): ReportEntry => ({
      name: each.title,
      group: suite.name,
      source: { file: suite.file, line: each.line, document: 1 },
      operation: each.operation,
      outcome: each.passed ? 'passed' : 'failed',
      reason: undefined,
      findings: each.findings,
      ...(each.passed ? {} : { failure: { message: `expected ${each.expected}, got ${each.got}`, type: 'mismatch', text: each.details.join('\n') } }),
    })),
  );
}

/**
 * testCommand runs every suite found below each argument: exit 0 when every expectation holds,
 * 1 on any mismatch, 2 on a bad suite, state or manifest (one line naming the file and field).
 */
export const testCommand: Command = {
  name: 'test',
  usage: 'netfence test (DIR | FILE)... [--output text|junit] [--verbose]',
  async run(args, io) {
    const { values, positionals } = parseArgs({ args: [...args], options: { output: { type: 'string', short: 'o' }, verbose: { type: 'boolean', default: false } }, strict: true, allowPositionals: true });
    const format = outputFormat(values.output, false, ['text', 'junit']);
    const files = await findSuiteFiles(positionals);
    // Every suite is read before any runs: a bad one stops the command before it prints half a report.
    const suites: TestSuite[] = [];
    for (const file of files) suites.push(await readSuite(file));
    const results: SuiteResult[] = [];
    for (const suite of suites) results.push(await runSuite(suite, io, { listSkipped: values.verbose }));
    io.stdout(format === 'junit' ? junitXml('netfence test', reportEntries(results)) : formatResults(results));
    return results.some((result) => result.cases.some((each) => !each.passed)) ? EXIT_MISMATCH : 0;
  },
};
