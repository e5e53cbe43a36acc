import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { RULE_IDS, isRuleId } from '../../guardrails/finding.js';
import type { RuleId } from '../../guardrails/finding.js';
import type { Port } from '../../model/protocol.js';
import type { Requester } from '../../guardrails/rules/change.js';
import { DecodeError, Fields, decodeString, describe } from '../../k8s/decode.js';
import type { Path } from '../../k8s/decode.js';
import { StateError } from '../../state/load-state.js';
import { parsePort } from '../args/parse-port.js';
import { UsageError } from '../usage-error.js';

/**
 * Test-suite files for `netfence test` (like `kyverno-test.yaml` or gator's suites): a state, the
 * manifests to apply on it, and what admission should say of each object and which connections
 * should be open afterwards. Read strictly: an unknown field, a missing state or a rule that does
 * not exist is one line naming the file, the line and the field.
 */

/** SUITE_API_VERSION and SUITE_KIND identify a test-suite document. */
export const SUITE_API_VERSION = 'netfence.io/v1alpha1';
export const SUITE_KIND = 'Test';

/** SUITE_FILE_NAME is what `netfence test DIR` looks for (also `NAME.netfence-test.yaml`, and `.yml`). */
export const SUITE_FILE_NAME = 'netfence-test.yaml';
const SUITE_FILE = /(^|\.)netfence-test\.ya?ml$/;

/** DEFAULT_TEST_USER is who submits a suite's manifests when it names no requester. */
export const DEFAULT_TEST_USER = 'netfence-test';

/** OBJECT_RESULTS: admitted (warnings allowed), denied by the rules, refused by the API server before any webhook, or not checked (exempt, mode off). */
export const OBJECT_RESULTS = ['allowed', 'denied', 'refused', 'skipped'] as const;
export type ObjectResult = (typeof OBJECT_RESULTS)[number];

/** CONNECTIVITY_RESULTS are what a connection can be. */
export const CONNECTIVITY_RESULTS = ['allowed', 'denied'] as const;
export type ConnectivityResult = (typeof CONNECTIVITY_RESULTS)[number];

/** OBJECT_KINDS an expectation may name: a generated policy is a NetworkPolicy, named as the generator names it. */
const OBJECT_KINDS = ['NetworkPolicy', 'Namespace', 'ClientIntents'] as const;
const OPERATIONS = ['CREATE', 'UPDATE'] as const;

/** ObjectExpectation is what admission should say of one object of the manifests. */
export interface ObjectExpectation {
  /** title is the case's name: `NetworkPolicy ns/name`, and the operation when one is given. */
  readonly title: string;
  readonly kind: (typeof OBJECT_KINDS)[number];
  /** namespace is the object's namespace (undefined for a Namespace). */
  readonly namespace: string | undefined;
  readonly name: string;
  /** operation narrows the expectation to the CREATE or the UPDATE of an object the manifests hold twice. */
  readonly operation: (typeof OPERATIONS)[number] | undefined;
  readonly result: ObjectResult;
  /** rules (result denied) is exactly the set of rules that deny it (none for a ClientIntents: the proof of its policies denies it). */
  readonly rules: readonly RuleId[] | undefined;
  /** warnings, when given, is exactly the set of rules that only warn about it. */
  readonly warnings: readonly RuleId[] | undefined;
  readonly line: number | undefined;
}

/** ConnectivityExpectation is a connection that should be allowed or denied once the admitted manifests are applied. */
export interface ConnectivityExpectation {
  /** title is the case's name: the suite's own (`name`), else `from -> to on port`. */
  readonly title: string;
  /** from and to are as `simulate --from/--to` takes them; resolved against the state when the suite runs. */
  readonly from: string;
  readonly to: string;
  readonly port: Port;
  readonly result: ConnectivityResult;
  /** path is the expectation's place in the suite (`expect.connectivity[0]`), for messages about its endpoints. */
  readonly path: string;
  readonly line: number | undefined;
}

/** TestSuite is one suite file, its paths resolved against the file's directory. */
export interface TestSuite {
  /** file is the suite's path as found (below a DIR given, or as given). */
  readonly file: string;
  readonly name: string;
  readonly state: string;
  readonly config: string | undefined;
  /** namespace is given to manifests that name none, as `check -n`. */
  readonly namespace: string | undefined;
  readonly manifests: readonly string[];
  readonly requester: Requester;
  readonly objects: readonly ObjectExpectation[];
  readonly connectivity: readonly ConnectivityExpectation[];
}

/**
 * findSuiteFiles lists the suites of each argument: a file is a suite whatever its name; a
 * directory holds every `netfence-test.yaml` (or `NAME.netfence-test.yaml`) below it, in name
 * order, hidden directories and node_modules left out. A directory without one is an error.
 */
export async function findSuiteFiles(paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) throw new UsageError(`no suites to run: give DIR... (directories holding ${SUITE_FILE_NAME} files) or suite files`);
  const found: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new StateError(`${path}: no such file or directory`);
    const files = info.isFile() ? [path] : await suitesBelow(path);
    if (files.length === 0) throw new StateError(`${path}: no ${SUITE_FILE_NAME} (or NAME.${SUITE_FILE_NAME}) below this directory`);
    for (const file of files) if (!found.some((seen) => resolve(seen) === resolve(file))) found.push(file);
  }
  return found;
}

async function suitesBelow(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(directory, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') files.push(...(await suitesBelow(path)));
    else if (entry.isFile() && SUITE_FILE.test(entry.name)) files.push(path);
  }
  return files;
}

/** readSuite reads and validates one suite file; every mistake is a StateError naming the file, line and field. */
export async function readSuite(path: string): Promise<TestSuite> {
  const shown = path; // as found below a DIR, or as given
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new StateError(`${shown}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
  });
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const list = Array.isArray(documents) ? documents : [];
  const [document, second] = list;
  const yamlError = list.flatMap((doc) => doc.errors)[0];
  if (yamlError !== undefined) throw new StateError(`${shown}:${lineCounter.linePos(yamlError.pos[0]).line}: YAML error: ${yamlError.message.split('\n')[0] ?? ''}`);
  if (document === undefined || document.contents === null) throw new StateError(`${shown}: empty: expected a ${SUITE_KIND} (apiVersion: ${SUITE_API_VERSION})`);
  if (second !== undefined) throw new StateError(`${shown}: holds more than one document: one ${SUITE_KIND} per file`);
  const lineAt = (at: string): number | undefined => lineOf(document, lineCounter, at);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new StateError(`${shown}: YAML error: ${error instanceof Error ? error.message : String(error)}`);
  }
  let suite: Omit<TestSuite, 'file'>;
  try {
    suite = decodeSuite(value, lineAt);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const line = lineAt(error.path);
    throw new StateError(`${shown}${line === undefined ? '' : `:${line}`}: ${error.message}`);
  }
  const base = dirname(path);
  const located = async (field: string, target: string): Promise<string> => {
    const full = resolve(base, target);
    const exists = await stat(full).then(
      () => true,
      () => false,
    );
    if (!exists) {
      const line = lineAt(field);
      throw new StateError(`${shown}${line === undefined ? '' : `:${line}`}: ${field}: ${JSON.stringify(target)}: no such file or directory (paths are relative to the suite file)`);
    }
    return shownPath(full);
  };
  const state = await located('state', suite.state);
  const config = suite.config === undefined ? undefined : await located('config', suite.config);
  const manifests: string[] = [];
  for (const [index, manifest] of suite.manifests.entries()) manifests.push(await located(`manifests[${index}]`, manifest));
  return { ...suite, name: suite.name === '' ? shown : suite.name, file: shown, state, config, manifests };
}

const SUITE_FIELDS = ['apiVersion', 'kind', 'metadata', 'state', 'config', 'namespace', 'manifests', 'requester', 'expect'];

/** shownPath is how a path the suite names is shown: relative to the working directory when below it, else absolute. */
function shownPath(full: string): string {
  const below = relative(process.cwd(), full);
  return below === '' || below.startsWith('..') || isAbsolute(below) ? full : below;
}

/** decodeSuite checks a suite document's fields; its paths are still as written (relative to the file). */
function decodeSuite(value: unknown, lineAt: (path: string) => number | undefined): Omit<TestSuite, 'file'> {
  const fields = Fields.of(value, '');
  onlyFields(fields, SUITE_FIELDS);
  const apiVersion = fields.requiredString('apiVersion');
  if (apiVersion !== SUITE_API_VERSION) throw new DecodeError(fields.child('apiVersion'), `must be ${SUITE_API_VERSION} (got ${describe(apiVersion)})`);
  const kind = fields.requiredString('kind');
  if (kind !== SUITE_KIND) throw new DecodeError(fields.child('kind'), `must be ${SUITE_KIND} (got ${describe(kind)})`);
  // Fields in the order a suite is written, so that the first mistake is the one reported.
  const metadata = fields.object('metadata');
  if (metadata !== undefined) onlyFields(metadata, ['name']);
  const name = metadata?.string('name') ?? '';
  const state = fields.requiredString('state');
  const config = fields.string('config');
  const defaultNamespace = fields.string('namespace');
  const manifests = fields.array('manifests', decodeString) ?? [];
  const requester = fields.object('requester');
  if (requester !== undefined) onlyFields(requester, ['user', 'groups']);
  const requestedBy = { username: requester?.string('user') ?? DEFAULT_TEST_USER, groups: requester?.array('groups', decodeString) ?? [] };
  const expect = fields.requiredObject('expect');
  onlyFields(expect, ['objects', 'connectivity']);
  const objects = expect.array('objects', (item, path) => decodeObjectExpectation(item, path, defaultNamespace, lineAt)) ?? [];
  const connectivity = expect.array('connectivity', (item, path) => decodeConnectivity(item, path, lineAt)) ?? [];
  if (objects.length + connectivity.length === 0) throw new DecodeError(fields.child('expect'), 'expects nothing: list objects or connectivity (a suite that asserts nothing would pass on nothing)');
  return { name, state, config, namespace: defaultNamespace, manifests, requester: requestedBy, objects, connectivity };
}

function decodeObjectExpectation(value: unknown, path: Path, defaultNamespace: string | undefined, lineAt: (path: string) => number | undefined): ObjectExpectation {
  const fields = Fields.of(value, path);
  onlyFields(fields, ['kind', 'namespace', 'name', 'operation', 'result', 'rules', 'warnings']);
  const kind = fields.requiredOneOf('kind', OBJECT_KINDS);
  const name = fields.requiredString('name');
  const given = fields.string('namespace');
  if (kind === 'Namespace' && given !== undefined) throw new DecodeError(fields.child('namespace'), 'a Namespace has none: it is named by name');
  const namespace = kind === 'Namespace' ? undefined : (given ?? defaultNamespace);
  if (kind !== 'Namespace' && namespace === undefined) throw new DecodeError(fields.child('namespace'), `is required for a ${kind} (or give the suite a namespace)`);
  const operation = fields.oneOf('operation', OPERATIONS);
  const result = fields.requiredOneOf('result', OBJECT_RESULTS);
  const rules = fields.array('rules', decodeRule);
  const warnings = fields.array('warnings', decodeRule);
  if (kind === 'ClientIntents') {
    const ruled = rules !== undefined ? 'rules' : warnings !== undefined ? 'warnings' : undefined;
    if (ruled !== undefined) throw new DecodeError(fields.child(ruled), 'not for a ClientIntents: no rule judges it (the proof of its policies does: denied when they are not proven); expect its policies as NetworkPolicies');
  } else if (result === 'denied' && (rules === undefined || rules.length === 0)) throw new DecodeError(fields.child('rules'), 'is required for result denied: the rules that deny it');
  if (result !== 'denied' && rules !== undefined) throw new DecodeError(fields.child('rules'), `only for result denied (rules that only warn go under warnings)`);
  if ((result === 'refused' || result === 'skipped') && warnings !== undefined) throw new DecodeError(fields.child('warnings'), `not for result ${result}: no rule runs on such an object`);
  const title = `${kind} ${namespace === undefined ? '' : `${namespace}/`}${name}${operation === undefined ? '' : ` (${operation})`}`;
  return { title, kind, namespace, name, operation, result, rules, warnings, line: lineAt(fields.path) };
}

function decodeRule(value: unknown, path: Path): RuleId {
  const rule = decodeString(value, path);
  if (!isRuleId(rule)) throw new DecodeError(path, `unknown rule "${rule}" (rules: ${RULE_IDS.join(', ')})`);
  return rule;
}

function decodeConnectivity(value: unknown, path: Path, lineAt: (path: string) => number | undefined): ConnectivityExpectation {
  const fields = Fields.of(value, path);
  onlyFields(fields, ['name', 'from', 'to', 'port', 'result']);
  const from = fields.requiredString('from');
  const to = fields.requiredString('to');
  const rawPort = fields.raw('port');
  if (rawPort === undefined) throw new DecodeError(fields.child('port'), 'is required: PORT[/PROTO], e.g. 53/UDP');
  if (typeof rawPort !== 'string' && typeof rawPort !== 'number') throw new DecodeError(fields.child('port'), `must be PORT[/PROTO], e.g. 53/UDP (got ${describe(rawPort)})`);
  let port: Port;
  try {
    port = parsePort(String(rawPort));
  } catch (error) {
    // parsePort speaks of the flag `--port`; here the field is named by the path.
    if (error instanceof UsageError) throw new DecodeError(fields.child('port'), error.message.replace(/^--port /, ''));
    throw error;
  }
  const result = fields.requiredOneOf('result', CONNECTIVITY_RESULTS);
  const title = fields.string('name') ?? `${from} -> ${to} on ${port.port}/${port.protocol}`;
  return { title, from, to, port, result, path: fields.path, line: lineAt(fields.path) };
}

/** onlyFields refuses a field the suite format does not have, naming it and what is allowed there. */
function onlyFields(fields: Fields, allowed: readonly string[]): void {
  for (const name of fields.names()) {
    if (!allowed.includes(name)) throw new DecodeError(fields.child(name), `unknown field (allowed here: ${allowed.join(', ')})`);
  }
}

/**
 * lineOf finds the line of a decoder path (`expect.objects[1].rules`) in the parsed document: a
 * field's key, a list's item; a field that is missing is reported at the closest object that holds it.
 */
function lineOf(document: Document, lineCounter: LineCounter, path: string): number | undefined {
  let node: unknown = document.contents;
  let line = isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
  for (const step of pathSteps(path)) {
    if (typeof step === 'string' && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === step);
      if (pair === undefined) break;
      if (isNode(pair.key) && pair.key.range) line = lineCounter.linePos(pair.key.range[0]).line;
      node = pair.value;
    } else if (typeof step === 'number' && isSeq(node)) {
      node = node.items[step];
      if (!isNode(node) || !node.range) break;
      line = lineCounter.linePos(node.range[0]).line;
    } else {
      break;
    }
  }
  return line;
}

/** pathSteps splits a decoder path into field names and list indexes. */
function pathSteps(path: string): Array<string | number> {
  const steps: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) steps.push(Number(match[2]));
    else if (match[1] !== undefined) steps.push(match[1]);
  }
  return steps;
}
