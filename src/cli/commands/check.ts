import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../../config/load-config.js';
import type { Config } from '../../guardrails/config.js';
import { profileForNewNamespace } from '../../guardrails/adoption.js';
import { BASELINE_LABEL } from '../../guardrails/baseline.js';
import type { Finding } from '../../guardrails/finding.js';
import { formatLabels } from '../../model/labels.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import type { JsonObject } from '../../model/manifest.js';
import { policyId } from '../../model/network-policy.js';
import { remediateEssentialEgress } from '../../guardrails/remediation.js';
import type { EgressRemediation } from '../../guardrails/remediation.js';
import { resolveEssentialServices } from '../../guardrails/resolve-essential-services.js';
import { reviewChange } from '../../guardrails/review.js';
import type { Change, Requester } from '../../guardrails/rules/change.js';
import { EditableState } from '../../state/editable-state.js';
import { STDIN_NAME, StateError, loadObjects, loadObjectsFromText, loadState, skippedNotices } from '../../state/load-state.js';
import type { LoadOptions, LoadedObject, Source } from '../../state/load-state.js';
import type { Command, Io } from '../command.js';
import { junitXml, outputFormat, reportFindingJson, sarifLog } from '../format/ci-report.js';
import type { ReportEntry } from '../format/ci-report.js';
import { checkClientIntents, intentsInForce } from '../input/client-intents-manifest.js';
import type { IntentsInForce, IntentsOutcome } from '../input/client-intents-manifest.js';
import { readStdin } from '../input/stdin.js';
import { UsageError } from '../usage-error.js';

/** EXIT_WOULD_DENY is check's exit code when a change would be denied in enforce mode. */
export const EXIT_WOULD_DENY = 1;

/**
 * ClientIntentsChange is a ClientIntents submitted: CREATE, or UPDATE of one in force. No rule
 * judges it: the proof of the policies it calls for does (see client-intents-manifest.ts).
 */
export interface ClientIntentsChange {
  readonly kind: 'ClientIntents';
  readonly operation: 'CREATE' | 'UPDATE';
  readonly namespace: string;
  readonly name: string;
}

/** CheckedChange is what a checked entry submits: a change admission reviews, or a ClientIntents. */
export type CheckedChange = Change | ClientIntentsChange;

/**
 * CheckedObject is one manifest judged as admission would judge it, and what became of it; or one
 * policy netfence writes (or deletes) for a ClientIntents of the manifests, judged likewise.
 */
export interface CheckedObject {
  readonly label: string;
  readonly source: Source;
  readonly change: CheckedChange;
  readonly findings: readonly Finding[];
  readonly skipped: string | undefined;
  /** remediation is what the mutating webhook would add before validation (remediation.essentialEgress). */
  readonly remediation: EgressRemediation | undefined;
  /** refused says why the API server would refuse the object before any webhook (its namespace does not exist). */
  readonly refused: string | undefined;
  /** applied: the object was admitted (in its namespace's mode) and later documents see it. */
  readonly applied: boolean;
  /** notes say what is no finding but worth knowing (a policy for host-network pods only). */
  readonly notes?: readonly string[];
  /** from names the ClientIntents a generated policy is written or deleted for (`ClientIntents ns/name`); its source is the ClientIntents'. */
  readonly from?: string;
  /** intents is, for a ClientIntents, what became of its policies: the generator's notices and the proof. */
  readonly intents?: IntentsOutcome;
}

function changeFor(loaded: LoadedObject, state: EditableState, config: Config, requester: Requester): Change | undefined {
  const { object } = loaded;
  if (object.kind === 'NetworkPolicy') {
    const { policy } = object;
    const oldPolicy = state.policiesIn(policy.namespace).find((p) => p.name === policy.name);
    return { kind: 'NetworkPolicy', operation: oldPolicy === undefined ? 'CREATE' : 'UPDATE', namespace: policy.namespace, name: policy.name, policy, oldPolicy, requester };
  }
  if (object.kind === 'Namespace') {
    const { name, labels } = object.namespace;
    const old = state.namespace(name);
    if (old !== undefined) return { kind: 'Namespace', operation: 'UPDATE', name, labels, oldLabels: old.labels, requester };
    // Created: with the label the mutating webhook would add, so its baseline is judged in place.
    const profile = profileForNewNamespace(name, labels, config);
    const created = profile === undefined ? labels : new Map([...labels, [BASELINE_LABEL, profile]]);
    return { kind: 'Namespace', operation: 'CREATE', name, labels: created, oldLabels: undefined, requester };
  }
  return undefined;
}

/**
 * applyUnjudged applies an object that admission does not judge (pods, workloads, Services) to the
 * state, so later documents see its pods: their labels, named ports, DNS backends. A workload that
 * another workload controls (a Deployment's ReplicaSet) stands for no pods of its own.
 */
function applyUnjudged(loaded: LoadedObject, state: EditableState): void {
  const { object } = loaded;
  switch (object.kind) {
    case 'Pod':
      state.putPod(object.pod);
      break;
    case 'Workload':
      if (object.workload.controller === undefined) state.putWorkload(object.workload);
      break;
    case 'Service':
      state.putService(object.service);
      break;
    case 'Namespace':
    case 'NetworkPolicy':
    case 'EndpointSlice':
    case 'ClientIntents':
      break;
  }
}

function apply(change: Change, state: EditableState): void {
  if (change.kind === 'NetworkPolicy' && change.policy !== undefined) state.putPolicy(change.policy);
  else if (change.kind === 'Namespace' && change.labels !== undefined) state.putNamespace({ name: change.name, labels: change.labels });
}

/**
 * checkManifests applies manifests on top of a state one by one, as admission would see them
 * (CREATE, or UPDATE when the object exists): refused when its namespace exists neither in the
 * state nor in an earlier manifest; else the mutating webhook's remediation first, when
 * configured, then every rule on the object as it would be stored. An object that admission
 * denies (in its namespace's mode) is not applied: later documents are judged without it. Pods,
 * workloads and Services are applied without a judgement, and have no entry. A ClientIntents is
 * put in force with the policies generated for every ClientIntents in force (`intents`: the
 * state's, and those of earlier manifests; updated as they are admitted), each policy written
 * judged as netfence's own write (checkClientIntents): its entry, then one entry a policy.
 */
export function checkManifests(state: EditableState, objects: readonly LoadedObject[], config: Config, requester: Requester, intents: IntentsInForce = intentsInForce([])): CheckedObject[] {
  const checked: CheckedObject[] = [];
  for (const loaded of objects) {
    if (loaded.object.kind === 'ClientIntents') {
      checked.push(...checkClientIntents(loaded.object.intents, loaded.label, loaded.source, state, config, requester, intents));
      continue;
    }
    const submitted = changeFor(loaded, state, config, requester);
    if (submitted === undefined) {
      applyUnjudged(loaded, state);
      continue;
    }
    const base = { label: loaded.label, source: loaded.source };
    if (submitted.kind === 'NetworkPolicy' && state.namespace(submitted.namespace) === undefined) {
      const refused = `namespaces "${submitted.namespace}" not found: the namespace is in neither the state nor an earlier manifest (add it, or name another with -n)`;
      checked.push({ ...base, change: submitted, findings: [], skipped: undefined, remediation: undefined, refused, applied: false });
      continue;
    }
    const context = { state, config, essentials: resolveEssentialServices(state, config) };
    const remediation = submitted.kind === 'NetworkPolicy' ? remediateEssentialEgress(submitted, context) : undefined;
    const change: Change = remediation === undefined || submitted.kind !== 'NetworkPolicy' ? submitted : { ...submitted, policy: remediation.policy };
    const review = reviewChange(change, context);
    checked.push({ ...base, change, findings: review.findings, skipped: review.skipped, remediation, refused: undefined, applied: review.allowed, ...(review.notes === undefined ? {} : { notes: review.notes }) });
    if (review.allowed) apply(change, state);
  }
  return checked;
}

/** notProven: a ClientIntents whose policies the proof finds wrong (in a namespace netfence judges), which enforce mode denies. */
export function notProven(entry: CheckedObject): boolean {
  return entry.skipped === undefined && (entry.intents?.failures.length ?? 0) > 0;
}

/** wouldDeny: the object would be refused, or denied in enforce mode. */
function wouldDeny(entry: CheckedObject): boolean {
  return entry.refused !== undefined || entry.findings.some((finding) => finding.severity === 'deny') || notProven(entry);
}

/** objectName names a checked entry's object: `Namespace team-a`, `NetworkPolicy team-a/web`, `ClientIntents ns/client`. */
export function objectName(entry: CheckedObject): string {
  const { change } = entry;
  return change.kind === 'Namespace' ? `Namespace ${change.name}` : `${change.kind} ${change.namespace}/${change.name}`;
}

/** NOT_PROVEN is the failure type a ClientIntents whose policies cannot be proven gets in reports (no rule judges it). */
const NOT_PROVEN = 'intents-not-proven';

/** reportEntry is a checked object as reports see it. */
function reportEntry(entry: CheckedObject): ReportEntry {
  const { change } = entry;
  const failures = entry.intents?.failures ?? [];
  return {
    name: objectName(entry),
    group: change.kind === 'Namespace' ? change.name : change.namespace,
    source: entry.source,
    operation: change.operation,
    outcome: wouldDeny(entry) ? 'failed' : entry.skipped !== undefined ? 'skipped' : 'passed',
    reason: entry.refused ?? entry.skipped,
    findings: entry.findings,
    ...(notProven(entry) ? { failure: { message: `not proven: ${failures[0] ?? ''}`, type: NOT_PROVEN, text: failures.join('\n') } } : {}),
  };
}

function formatFinding(finding: Finding, fixesShown: Set<string>): string {
  // The first line says what and why (the one-line summary); the explanation, example and fix follow.
  const lines = [`  ${finding.severity.toUpperCase()} ${finding.summary}`, `    ${finding.message}`];
  if (finding.counterexample !== undefined) {
    lines.push(`    example pod: namespace ${finding.counterexample.namespace}, labels ${formatLabels(finding.counterexample.labels)}`);
  }
  const fix = finding.fix === undefined ? undefined : stringify(finding.fix).trimEnd();
  if (fix !== undefined && !fixesShown.has(fix)) {
    fixesShown.add(fix);
    lines.push('    fix (kubectl apply -f -):', ...fix.split('\n').map((line) => `      ${line}`));
  }
  return lines.join('\n');
}

function verdictOf(entry: CheckedObject): string {
  if (entry.refused !== undefined) return `REFUSED: ${entry.refused}`;
  const unproven = (entry.intents?.failures.length ?? 0) > 0;
  if (entry.skipped !== undefined) return `skipped (${entry.skipped})${unproven ? '; its policies are not proven, so netfence writes none' : ''}`;
  if (unproven) return 'DENIED in enforce mode: the policies it calls for are not proven, so netfence writes none';
  if (entry.findings.some((finding) => finding.severity === 'deny')) return entry.applied ? 'DENIED in enforce mode (admitted here: its namespace is not in enforce mode)' : 'DENIED in enforce mode';
  return entry.findings.length > 0 ? 'allowed, with warnings' : 'ok';
}

/** intentsLines are what a ClientIntents' entry says under its verdict: what the proof finds wrong, what predates it, the generator's notices. */
function intentsLines(outcome: IntentsOutcome): string[] {
  return [
    ...outcome.failures.map((failure) => `  NOT PROVEN ${failure}`),
    ...outcome.preexisting.map((failure) => `  WARN predates this change: not proven: ${failure}`),
    ...outcome.notices.map((notice) => `  NOTE ${notice}`),
    ...outcome.openedElsewhere.map((opened) => `  NOTE ${opened}`),
  ];
}

/** operationText is an entry's operation, and for a generated policy the ClientIntents it is written for. */
function operationText(entry: CheckedObject): string {
  return entry.from === undefined ? entry.change.operation : `${entry.change.operation}, from ${entry.from}`;
}

function printText(io: Io, checked: readonly CheckedObject[], objects: readonly LoadedObject[]): void {
  const judged = new Set(checked.map((entry) => entry.label));
  const unjudged = objects.filter((loaded) => !judged.has(loaded.label));
  if (unjudged.length > 0) {
    const listed = unjudged.slice(0, 5).map((loaded) => loaded.label).join('; ');
    const more = unjudged.length > 5 ? `; and ${unjudged.length - 5} more` : '';
    io.stdout(`${unjudged.length} object(s) applied to the state without a judgement (netfence judges NetworkPolicies and Namespaces; pods, workloads and Services count for them): ${listed}${more}`);
  }
  for (const entry of checked) {
    io.stdout(`${entry.label} (${operationText(entry)}): ${verdictOf(entry)}`);
    if (entry.remediation !== undefined) {
      const { policy, services } = entry.remediation;
      const stored = stringify(networkPolicyManifest(policy, { labels: policy.labels })).trimEnd();
      io.stdout(`  REMEDIATED: netfence adds egress to ${services.join(', ')} (remediation.essentialEgress); stored as:`);
      io.stdout(stored.split('\n').map((line) => `    ${line}`).join('\n'));
    }
    const fixesShown = new Set<string>();
    for (const finding of entry.findings) io.stdout(formatFinding(finding, fixesShown));
    for (const note of entry.notes ?? []) io.stdout(`  NOTE ${note.replace(/^netfence: /, '')}`);
    if (entry.intents !== undefined) for (const line of intentsLines(entry.intents)) io.stdout(line);
  }
  const findings = checked.reduce((count, entry) => count + entry.findings.length, 0);
  const refused = checked.filter((entry) => entry.refused !== undefined).length;
  const verdict = checked.some(wouldDeny) ? `some would be DENIED${refused > 0 ? ` (${refused} refused by the API server)` : ''}` : 'all would be admitted';
  io.stdout(`\n${checked.length} object(s) checked, ${findings} finding(s): ${verdict}.`);
}

/** remediationJson is one remediated object in check's JSON: what was added, and the policy as stored. */
function remediationJson(remediation: EgressRemediation): JsonObject {
  const { policy } = remediation;
  return { object: policyId(policy), services: [...remediation.services], policy: networkPolicyManifest(policy, { labels: policy.labels }) };
}

/** sourceJson is where an entry was read, as check's JSON says it. */
function sourceJson(source: Source): JsonObject {
  return { file: source.file, ...(source.line === undefined ? {} : { line: source.line }), document: source.document };
}

/**
 * intentsJson is one ClientIntents of the manifests in check's JSON: whether it is put in force,
 * the proof's failures (it brings) and those that predate it, the generator's notices, and each
 * generated policy written or deleted for it, with the operation and whether admission let it through.
 */
function intentsJson(entry: CheckedObject & { readonly intents: IntentsOutcome }, checked: readonly CheckedObject[]): JsonObject {
  const name = objectName(entry);
  const policies = checked
    .filter((other) => other.from === name)
    .map((other): JsonObject => ({ object: objectName(other), operation: other.change.operation, applied: other.applied, denied: wouldDeny(other) }));
  const { intents } = entry;
  return {
    object: name,
    operation: entry.change.operation,
    ...sourceJson(entry.source),
    applied: entry.applied,
    denied: wouldDeny(entry),
    ...(entry.skipped === undefined ? {} : { skipped: entry.skipped }),
    failures: [...intents.failures],
    ...(intents.preexisting.length === 0 ? {} : { preexisting: [...intents.preexisting] }),
    notices: [...intents.notices, ...intents.openedElsewhere],
    policies,
  };
}

function checkJson(checked: readonly CheckedObject[]): JsonObject {
  const findings = checked.flatMap((entry) => entry.findings.map((finding) => reportFindingJson(finding, reportEntry(entry))));
  const intents = checked.flatMap((entry) => (entry.intents === undefined ? [] : [intentsJson({ ...entry, intents: entry.intents }, checked)]));
  const remediated = checked.flatMap((entry) => (entry.remediation === undefined ? [] : [remediationJson(entry.remediation)]));
  const refused = checked.flatMap((entry) =>
    entry.refused === undefined ? [] : [{ object: reportEntry(entry).name, ...sourceJson(entry.source), message: entry.refused }],
  );
  return { denied: checked.some(wouldDeny), findings, ...(remediated.length === 0 ? {} : { remediated }), ...(refused.length === 0 ? {} : { refused }), ...(intents.length === 0 ? {} : { intents }) };
}

/**
 * readManifests reads every FILE (a file, a directory, or `-` for standard input), strictly, as
 * kubectl apply sends them. Its notices say what each FILE skipped (skippedNotices).
 */
async function readManifests(paths: readonly string[], options: LoadOptions & { readonly listSkipped?: boolean }, io: Io): Promise<{ objects: LoadedObject[]; notices: string[] }> {
  if (paths.length === 0) throw new UsageError('no manifests to check: give FILE..., a directory, or - for standard input');
  const reads = [];
  for (const path of paths) {
    if (path === '-') {
      const read = loadObjectsFromText(await readStdin(io), STDIN_NAME, options);
      reads.push({ objects: read.objects, notices: skippedNotices(STDIN_NAME, read.skipped, options.listSkipped === true) });
      continue;
    }
    const read = await loadObjects(path, options);
    // A shell glob that matched nothing arrives as the pattern itself, and is no such file.
    if (read.files === 0) throw new StateError(`${path}: no .yaml, .yml or .json file in this directory`);
    reads.push({ objects: read.objects, notices: skippedNotices(path, read.skipped, options.listSkipped === true) });
  }
  // flatMap, not push(...): some 150,000 objects spread as arguments overflow the stack.
  return { objects: reads.flatMap((read) => read.objects), notices: reads.flatMap((read) => read.notices) };
}

/**
 * checkCommand runs the admission rules offline, for CI pipelines and GitOps repositories: exit 0
 * when every manifest would be admitted in enforce mode, 1 when one would be denied or refused, 2
 * on bad or no input.
 */
export const checkCommand: Command = {
  name: 'check',
  usage: 'netfence check --state PATH (FILE... | -) [-n NS] [--output text|json|sarif|junit] [--json] [--config F] [--user NAME] [--group G...] [--verbose]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
        output: { type: 'string', short: 'o' },
        namespace: { type: 'string', short: 'n' },
        config: { type: 'string' },
        user: { type: 'string', default: 'netfence-check' },
        group: { type: 'string', multiple: true, default: [] },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    const format = outputFormat(values.output, values.json);
    const config = await loadConfig(values.config);
    const loaded = await loadState(values.state, { listSkipped: values.verbose });
    const manifests = await readManifests(positionals, { strict: true, listSkipped: values.verbose, ...(values.namespace === undefined ? {} : { namespace: values.namespace }) }, io);
    for (const notice of [...loaded.notices, ...manifests.notices]) io.stderr(notice);
    const checked = checkManifests(new EditableState(loaded.state), manifests.objects, config, { username: values.user, groups: values.group }, intentsInForce(loaded.intents));
    switch (format) {
      case 'text':
        printText(io, checked, manifests.objects);
        break;
      case 'json':
        io.stdout(JSON.stringify(checkJson(checked)));
        break;
      case 'sarif':
        io.stdout(JSON.stringify(sarifLog(checked.map(reportEntry)), null, 2));
        break;
      case 'junit':
        io.stdout(junitXml('netfence check', checked.map(reportEntry)));
        break;
    }
    return checked.some(wouldDeny) ? EXIT_WOULD_DENY : 0;
  },
};
