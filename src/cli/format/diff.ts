import type { Adoption } from '../../guardrails/adoption.js';
import { labelsToRecord } from '../../model/labels.js';
import type { JsonObject, JsonValue } from '../../model/manifest.js';
import { formatRange } from '../../model/port-set.js';
import type { PortSet } from '../../model/port-set.js';
import { hasChanges } from '../../engine/reachability-diff.js';
import type { ChangedNamespace, ChangedPolicy, ConnectionChange, EndpointGroup, PodPair, ReachabilityDiff } from '../../engine/reachability-diff.js';
import type { AppliedManifests, AppliedStep } from '../input/diff-change.js';

/**
 * How `netfence diff` prints its answer: text for people (namespace pair by namespace pair, one
 * line per group of pods that the change treats alike), and JSON for machines (docs/commands.md
 * documents the shape).
 */

/** DiffSource says what the state was compared with. */
export type DiffSource =
  | { readonly kind: 'manifests'; readonly applied: AppliedManifests }
  | { readonly kind: 'after'; readonly path: string }
  | { readonly kind: 'adopt'; readonly namespace: string; readonly profile: string | undefined; readonly adoption: Adoption; readonly policies: readonly string[] };

/** LISTED_NAMES is how many pods a line names before it counts the rest. */
const LISTED_NAMES = 3;

/** formatGroup names one end of a line: its pods, every pod of a namespace, or the first few and a count. */
export function formatGroup(group: EndpointGroup): string {
  const { names } = group;
  if (group.wholeNamespace && names.length > 1) return `every pod in ${group.namespace} (${names.length})`;
  if (names.length <= LISTED_NAMES) return names.join(', ');
  return `${names.slice(0, LISTED_NAMES - 1).join(', ')} and ${names.length - LISTED_NAMES + 1} more (${names.length} pods)`;
}

function formatCauses(line: ConnectionChange): string {
  const causes = [
    ...line.policies.map((policy) => `${policy.id} (${policy.change})`),
    ...line.namespaces.map((namespace) => `the labels of namespace ${namespace.name}`),
    ...(line.podChanged ? ['the pods themselves (labels, ports or addresses)'] : []),
  ];
  return causes.join(', ');
}

/** formatLine is one line of the text output: what opens, what closes, before and after, and why. */
export function formatLine(line: ConnectionChange): string {
  const sign = line.closed.isEmpty() ? '+' : line.opened.isEmpty() ? '-' : '~';
  const what = [line.opened.isEmpty() ? '' : `opens ${line.opened.format()}`, line.closed.isEmpty() ? '' : `closes ${line.closed.format()}`].filter((part) => part !== '').join('; ');
  return [`  ${sign} ${formatGroup(line.from)} -> ${formatGroup(line.to)}`, `      ${what} (was ${line.before.format()}, now ${line.after.format()})`, `      by ${formatCauses(line)}`].join('\n');
}

function verdictOfStep(step: AppliedStep): string {
  if (step.kind === 'deleted') {
    const { outcome } = step;
    if (outcome.refused !== undefined) return `NOT APPLIED, refused: ${outcome.refused}`;
    return verdictText(outcome.applied, outcome.skipped, outcome.findings.map((finding) => ({ severity: finding.severity, summary: finding.summary })));
  }
  const { checked } = step;
  if (checked.refused !== undefined) return `NOT APPLIED, refused: ${checked.refused}`;
  // A ClientIntents whose policies cannot be proven is not put in force, in any mode: netfence writes none of them.
  const [failure, ...more] = checked.intents?.failures ?? [];
  if (failure !== undefined) return `NOT APPLIED, its policies are not proven${checked.skipped === undefined ? '' : ` (not checked: ${checked.skipped})`}: ${failure}${more.length > 0 ? ` (and ${more.length} more)` : ''}`;
  return verdictText(checked.applied, checked.skipped, checked.findings.map((finding) => ({ severity: finding.severity, summary: finding.summary })));
}

function verdictText(applied: boolean, skipped: string | undefined, findings: readonly { severity: string; summary: string }[]): string {
  const denial = findings.find((finding) => finding.severity === 'deny');
  if (!applied) return `NOT APPLIED, denied in enforce mode: ${denial?.summary ?? 'denied'}`;
  if (skipped !== undefined) return `applied (not checked: ${skipped})`;
  if (denial !== undefined) return `applied (its namespace is not in enforce mode; enforce would deny it: ${denial.summary})`;
  return findings.length > 0 ? 'applied, with warnings' : 'applied';
}

/** stepName names a step's object and operation; `from` names the ClientIntents a generated policy is written or deleted for. */
function stepName(step: AppliedStep): { name: string; operation: string; label: string; from: string | undefined } {
  if (step.kind === 'deleted') {
    const { deletion } = step.outcome;
    return { name: `${deletion.kind} ${deletion.namespace === '' ? '' : `${deletion.namespace}/`}${deletion.name}`, operation: 'DELETE', label: deletion.label, from: undefined };
  }
  const { change, label, from } = step.checked;
  return { name: change.kind === 'Namespace' ? `Namespace ${change.name}` : `${change.kind} ${change.namespace}/${change.name}`, operation: change.operation, label, from };
}

function sourceText(source: DiffSource): string[] {
  switch (source.kind) {
    case 'after':
      return [`Compared with the state in ${source.path}.`];
    case 'adopt': {
      const { namespace, adoption, profile } = source;
      if (adoption.kind === 'exempt') return [`Namespace ${namespace} is exempt: netfence never provisions a baseline there, so adopting it changes nothing.`];
      const what = `Adopting namespace ${namespace} with baseline profile "${profile ?? ''}" (label netfence.io/baseline=${profile ?? ''}; policies ${source.policies.join(', ')}).`;
      if (adoption.kind === 'adopted') return [what, `${namespace} is already adopted (profile ${adoption.profile}): this is what provisioning its baseline again would change (nothing, when it is in place).`];
      if (adoption.kind === 'opted-out') return [what, `${namespace} is opted out (netfence.io/baseline: none): adopting it means relabelling it, which only a privileged user may do.`];
      return [what];
    }
    case 'manifests': {
      const { steps, unjudged } = source.applied;
      const lines = steps.flatMap((step) => {
        const { name, operation, from } = stepName(step);
        const notices = step.kind === 'checked' ? (step.checked.intents?.notices ?? []) : [];
        return [`  ${name} (${operation}${from === undefined ? '' : `, from ${from}`}): ${verdictOfStep(step)}`, ...notices.map((notice) => `    NOTE ${notice}`)];
      });
      if (unjudged.length > 0) lines.push(`  ${unjudged.length} object(s) applied without a judgement (pods, workloads and Services: netfence judges NetworkPolicies and Namespaces)`);
      return ['Manifests applied on top of the state, as admission would apply them:', ...lines];
    }
  }
}

function deltaText(diff: ReachabilityDiff): string[] {
  const { delta } = diff;
  const lines: string[] = [];
  if (delta.policies.length > 0) lines.push(`Policies: ${delta.policies.map((policy) => `${policy.id} (${policy.change})`).join(', ')}`);
  if (delta.namespaces.length > 0) lines.push(`Namespaces: ${delta.namespaces.map((namespace) => `${namespace.name} (${namespace.change === 'changed' ? 'relabelled' : namespace.change})`).join(', ')}`);
  const names = (pods: readonly { namespace: string; name: string }[]): string => {
    const all = pods.map((pod) => `${pod.namespace}/${pod.name}`);
    return all.length <= 5 ? all.join(', ') : `${all.slice(0, 5).join(', ')} and ${all.length - 5} more`;
  };
  if (delta.addedPods.length > 0) lines.push(`Pods only after the change (their connections are not compared): ${names(delta.addedPods)}`);
  if (delta.removedPods.length > 0) lines.push(`Pods only before the change (their connections are not compared): ${names(delta.removedPods)}`);
  if (delta.changedPods.length > 0) lines.push(`Pods changed: ${changedPodNames(delta.changedPods).join(', ')}`);
  return lines;
}

/** changedPodNames names each changed pod once, with the pods it stands for where a workload's template replaced them. */
function changedPodNames(pairs: readonly PodPair[]): string[] {
  const standsFor = new Map<string, string[]>();
  for (const { before, after } of pairs) {
    const name = `${after.namespace}/${after.name}`;
    const list = standsFor.get(name) ?? [];
    if (before.name !== after.name) list.push(before.name);
    standsFor.set(name, list);
  }
  return [...standsFor].map(([name, olds]) => (olds.length === 0 ? name : `${name} (in place of ${olds.join(', ')})`));
}

/** formatDiff is the text output. */
export function formatDiff(diff: ReachabilityDiff, source: DiffSource): string {
  const out = [...sourceText(source), ...deltaText(diff)];
  for (const pair of diff.namespacePairs) {
    out.push('', `${pair.from} -> ${pair.to}`);
    for (const line of pair.connections) out.push(formatLine(line));
  }
  const lines = diff.namespacePairs.flatMap((pair) => pair.connections);
  const opening = lines.filter((line) => !line.opened.isEmpty()).length;
  const closing = lines.filter((line) => !line.closed.isEmpty()).length;
  out.push(
    '',
    hasChanges(diff)
      ? `${lines.length} change(s) in ${diff.namespacePairs.length} namespace pair(s): ${opening} opening ports, ${closing} closing ports.`
      : 'No connection opens or closes.',
  );
  return out.join('\n');
}

// --- JSON ---------------------------------------------------------------------------------------------

/** portsJson is a port set as JSON: its ranges, `PORT/PROTO` or `FROM-TO/PROTO`. */
export function portsJson(ports: PortSet): string[] {
  return ports.ranges().map(formatRange);
}

function groupJson(group: EndpointGroup): JsonObject {
  return { namespace: group.namespace, pods: [...group.names], wholeNamespace: group.wholeNamespace };
}

function lineJson(line: ConnectionChange): JsonObject {
  return {
    from: groupJson(line.from),
    to: groupJson(line.to),
    opened: portsJson(line.opened),
    closed: portsJson(line.closed),
    before: portsJson(line.before),
    after: portsJson(line.after),
    policies: line.policies.map((policy) => policy.id),
    namespaces: line.namespaces.map((namespace) => namespace.name),
    podChanged: line.podChanged,
  };
}

function stepJson(step: AppliedStep): JsonObject {
  const { name, operation, from } = stepName(step);
  const source = step.kind === 'deleted' ? step.outcome.deletion.source : step.checked.source;
  const refused = step.kind === 'deleted' ? step.outcome.refused : step.checked.refused;
  const applied = step.kind === 'deleted' ? step.outcome.applied : step.checked.applied;
  const findings = step.kind === 'deleted' ? step.outcome.findings : step.checked.findings;
  const json: JsonObject = { object: name, operation, file: source.file, document: source.document, applied, message: verdictOfStep(step) };
  if (source.line !== undefined) json['line'] = source.line;
  if (refused !== undefined) json['refused'] = refused;
  if (findings.length > 0) json['rules'] = [...new Set(findings.map((finding) => finding.rule))];
  if (from !== undefined) json['from'] = from;
  const intents = step.kind === 'checked' ? step.checked.intents : undefined;
  if (intents !== undefined) {
    json['failures'] = [...intents.failures];
    json['notices'] = [...intents.notices];
  }
  return json;
}

function sourceJson(source: DiffSource): JsonObject {
  switch (source.kind) {
    case 'after':
      return { kind: 'after', state: source.path };
    case 'adopt': {
      const json: JsonObject = { kind: 'adopt', namespace: source.namespace, adoption: source.adoption.kind, policies: [...source.policies] };
      if (source.profile !== undefined) json['profile'] = source.profile;
      return json;
    }
    case 'manifests':
      return { kind: 'manifests', objects: source.applied.steps.map(stepJson), unjudged: source.applied.unjudged.length };
  }
}

function policyJson(policy: ChangedPolicy): JsonObject {
  return { policy: policy.id, change: policy.change };
}

function namespaceJson(namespace: ChangedNamespace): JsonObject {
  const json: JsonObject = { namespace: namespace.name, change: namespace.change };
  if (namespace.after !== undefined) json['labels'] = labelsToRecord(namespace.after);
  return json;
}

/** diffJson is the `--json` document. */
export function diffJson(diff: ReachabilityDiff, source: DiffSource): JsonObject {
  const names = (pods: readonly { namespace: string; name: string }[]): JsonValue[] => pods.map((pod) => `${pod.namespace}/${pod.name}`);
  const connections = diff.namespacePairs.reduce((count, pair) => count + pair.connections.length, 0);
  return {
    changed: hasChanges(diff),
    change: sourceJson(source),
    policies: diff.delta.policies.map(policyJson),
    namespaces: diff.delta.namespaces.map(namespaceJson),
    pods: { added: names(diff.delta.addedPods), removed: names(diff.delta.removedPods), changed: [...new Set(diff.delta.changedPods.map((pair) => `${pair.after.namespace}/${pair.after.name}`))] },
    namespacePairs: diff.namespacePairs.map((pair) => ({ from: pair.from, to: pair.to, connections: pair.connections.map(lineJson) })),
    summary: { namespacePairs: diff.namespacePairs.length, connections },
  };
}
