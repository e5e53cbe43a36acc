import { DEFAULT_SEVERITY, RULE_IDS } from '../../guardrails/finding.js';
import type { Finding, RuleId } from '../../guardrails/finding.js';
import { findingJson } from '../../guardrails/finding-json.js';
import type { JsonObject } from '../../model/manifest.js';
import type { Source } from '../../state/load-state.js';
import { UsageError } from '../usage-error.js';
import { packageVersion } from '../version.js';

/**
 * Reports for CI systems: what `check`, `audit` and `test` found, as JSON, SARIF 2.1.0 (code
 * scanning) or JUnit XML (test reports). One model feeds every format: a ReportEntry is one object
 * checked, or one namespace audited, and becomes one JUnit test case; its findings carry where they
 * were found (file, line, document) and the operation.
 */

/** OUTPUT_FORMATS are the values of `--output`. */
export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** outputFormat reads `--output` (and the older `--json`), refusing anything else by name. */
export function outputFormat(output: string | undefined, json: boolean, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  if (json && output !== undefined && output !== 'json') throw new UsageError(`--json and --output ${output} contradict each other`);
  const format = output ?? (json ? 'json' : 'text');
  const known = allowed.find((candidate) => candidate === format);
  if (known === undefined) throw new UsageError(`--output ${JSON.stringify(format)}: expected one of ${allowed.join(', ')}`);
  return known;
}

/** Outcome is what became of an entry: admitted, denied (or refused by the API server), or not checked. */
export type Outcome = 'passed' | 'failed' | 'skipped';

/** ReportEntry is one object checked or one namespace audited. */
export interface ReportEntry {
  /** name says what the entry is: `NetworkPolicy team-b/reports-to-db`, or `Namespace team-b`. */
  readonly name: string;
  /** group is what JUnit calls the class: the namespace. */
  readonly group: string;
  readonly source: Source | undefined;
  readonly operation: string | undefined;
  readonly outcome: Outcome;
  /** reason says why an entry was skipped, or refused before any rule ran. */
  readonly reason: string | undefined;
  readonly findings: readonly Finding[];
  /** failure, when set, is what JUnit reports for a failed entry instead of its denials (`test`: an expectation that did not hold). */
  readonly failure?: ReportFailure;
}

/** ReportFailure is a JUnit failure: its one-line message, its type, and the full text. */
export interface ReportFailure {
  readonly message: string;
  readonly type: string;
  readonly text: string;
}

/** reportFindingJson is a finding as the JSON report prints it: DESIGN's shape, plus where and how it was found. */
export function reportFindingJson(finding: Finding, entry: ReportEntry): JsonObject {
  const json = findingJson(finding);
  if (entry.source !== undefined) {
    json['file'] = entry.source.file;
    if (entry.source.line !== undefined) json['line'] = entry.source.line;
    json['document'] = entry.source.document;
  }
  if (entry.operation !== undefined) json['operation'] = entry.operation;
  return json;
}

/** VERSION is netfence's version, for reports that name their tool. */
const VERSION = packageVersion();

/** RULE_DESCRIPTIONS say in one line what each rule catches (SARIF rule metadata; docs/rules.md's table says the same). */
export const RULE_DESCRIPTIONS: Readonly<Record<RuleId, string>> = {
  'essential-egress': 'After the change, a pod that a policy selects for Egress can no longer reach an essential service (cluster DNS first).',
  'essential-ingress': 'After the change, an essential source (a scraper, an ingress controller) can no longer reach the pods it must.',
  'default-deny-missing': 'After the change, not every pod of the namespace is isolated in each required direction.',
  'allow-all': 'A rule allows everything (every address, pod and namespace on every port and protocol, however written) to or from every pod of the namespace, undoing its default-deny.',
  'unrestricted-peers': 'A rule allows everything to or from some pods of the namespace (to pods a NodePort or LoadBalancer Service exposes: more than the ports it targets).',
  'managed-policy-change': 'Someone other than netfence edits or deletes a policy netfence manages.',
  'baseline-opt-out': 'A namespace is opted out of its baseline, un-adopted or its mode lowered by someone not allowed to.',
  'dns-tcp-missing': 'DNS is allowed on UDP 53 but not TCP 53.',
  'namespace-selector-all': 'A peer namespaceSelector: {} matches every namespace, kube-system included.',
  'peer-split': 'A rule lists a namespaceSelector-only peer and a podSelector-only peer side by side (OR), where one peer with both (AND) was most likely meant.',
  'baseline-pending': 'A pod is created in a namespace whose baseline policies do not exist yet.',
  'namespace-not-adopted': 'A namespace has no netfence.io/baseline label, so netfence provisions and repairs nothing there.',
};

/** RULES_PAGE is where each rule is explained, with an example: docs/rules.md, one section per rule id. */
const RULES_PAGE = 'https://github.com/netfence/netfence/blob/main/docs/rules.md';

/** physicalLocation is where an entry was read, as SARIF locates it (undefined when it was read from nowhere). */
function physicalLocation(entry: ReportEntry): JsonObject | undefined {
  if (entry.source === undefined) return undefined;
  return { physicalLocation: { artifactLocation: { uri: entry.source.file.split('\\').join('/') }, ...(entry.source.line === undefined ? {} : { region: { startLine: entry.source.line } }) } };
}

/**
 * sarifLog is the report as a SARIF 2.1.0 log: one run, netfence's rules with metadata, one result
 * per finding; and one error result per entry that fails with no finding to say why (a
 * ClientIntents whose policies are not proven: its `failure.type` is the result's ruleId).
 */
export function sarifLog(entries: readonly ReportEntry[]): JsonObject {
  const rules = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)([a-z])/g, (_match: string, _dash: string, letter: string) => letter.toUpperCase()),
    shortDescription: { text: RULE_DESCRIPTIONS[id] },
    fullDescription: { text: RULE_DESCRIPTIONS[id] },
    helpUri: `${RULES_PAGE}#${id}`,
    defaultConfiguration: { level: DEFAULT_SEVERITY[id] === 'deny' ? 'error' : 'warning' },
  }));
  const results: JsonObject[] = entries.flatMap((entry) =>
    entry.findings.map((finding): JsonObject => {
      const physical = physicalLocation(entry);
      const logical = { logicalLocations: [{ name: finding.object, fullyQualifiedName: entry.name, kind: 'resource' }] };
      return {
        ruleId: finding.rule,
        ruleIndex: RULE_IDS.indexOf(finding.rule),
        level: finding.severity === 'deny' ? 'error' : 'warning',
        message: { text: finding.message },
        locations: [{ ...physical, ...logical }],
        properties: {
          object: finding.object,
          ...(entry.operation === undefined ? {} : { operation: entry.operation }),
          ...(entry.source === undefined ? {} : { document: entry.source.document }),
          ...(finding.fix === undefined ? {} : { fix: finding.fix }),
        },
      };
    }),
  );
  for (const entry of entries) {
    if (entry.outcome !== 'failed' || entry.failure === undefined || entry.findings.some((finding) => finding.severity === 'deny')) continue;
    results.push({
      ruleId: entry.failure.type,
      level: 'error',
      message: { text: entry.failure.text },
      locations: [{ ...physicalLocation(entry), logicalLocations: [{ name: entry.name, fullyQualifiedName: entry.name, kind: 'resource' }] }],
      properties: {
        object: entry.name,
        ...(entry.operation === undefined ? {} : { operation: entry.operation }),
        ...(entry.source === undefined ? {} : { document: entry.source.document }),
      },
    });
  }
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'netfence', version: VERSION, semanticVersion: VERSION, informationUri: 'https://github.com/netfence/netfence', rules } }, results }],
  };
}

/** escapeXml escapes text for an XML attribute or element; characters XML 1.0 cannot hold at all are dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * junitXml is the report as JUnit XML, the shape Jenkins, GitLab, GitHub test reporters and Azure
 * read: one test suite, one test case per entry (class: its namespace), a `<failure>` for an entry
 * that would be denied (every deny finding in its text), `<skipped>` for one not checked, and the
 * warnings as the case's system-out.
 */
export function junitXml(suite: string, entries: readonly ReportEntry[]): string {
  const failures = entries.filter((entry) => entry.outcome === 'failed').length;
  const skipped = entries.filter((entry) => entry.outcome === 'skipped').length;
  const cases = entries.map((entry) => {
    const attributes = `name="${escapeXml(entry.name)}" classname="${escapeXml(entry.group)}"${entry.source === undefined ? '' : ` file="${escapeXml(entry.source.file)}"${entry.source.line === undefined ? '' : ` line="${entry.source.line}"`}`} time="0"`;
    const denials = entry.findings.filter((finding) => finding.severity === 'deny');
    const warnings = entry.findings.filter((finding) => finding.severity === 'warn');
    const body: string[] = [];
    if (entry.outcome === 'failed') {
      const first = denials[0];
      const failure = entry.failure ?? {
        message: first?.summary ?? entry.reason ?? 'denied',
        type: first?.rule ?? 'refused',
        text: denials.length > 0 ? denials.map((finding) => `[${finding.rule}] ${finding.message}`).join('\n') : (entry.reason ?? ''),
      };
      body.push(`      <failure message="${escapeXml(failure.message)}" type="${escapeXml(failure.type)}">${escapeXml(failure.text)}</failure>`);
    }
    if (entry.outcome === 'skipped') body.push(`      <skipped message="${escapeXml(entry.reason ?? 'not checked')}"/>`);
    if (warnings.length > 0) body.push(`      <system-out>${escapeXml(warnings.map((finding) => `[${finding.rule}] ${finding.message}`).join('\n'))}</system-out>`);
    return body.length === 0 ? `    <testcase ${attributes}/>` : `    <testcase ${attributes}>\n${body.join('\n')}\n    </testcase>`;
  });
  const counts = `tests="${entries.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netfence" ${counts}>`,
    `  <testsuite name="${escapeXml(suite)}" ${counts}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
  ].join('\n');
}
