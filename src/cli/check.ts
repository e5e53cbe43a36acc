import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load-config.js';
import type { Config } from '../core/config.js';
import type { Finding } from '../core/finding.js';
import { findingJson } from '../core/finding-json.js';
import { formatLabels } from '../core/labels.js';
import { networkPolicyManifest } from '../core/manifest.js';
import type { JsonObject } from '../core/manifest.js';
import { policyId } from '../core/network-policy.js';
import { remediateEssentialEgress } from '../core/remediation.js';
import type { EgressRemediation } from '../core/remediation.js';
import { resolveEssentialServices } from '../core/resolve-essential-services.js';
import { reviewChange } from '../core/review.js';
import type { Change, Requester } from '../core/rules/change.js';
import { EditableState } from '../state/editable-state.js';
import { loadObjects, loadState } from '../state/load-state.js';
import type { LoadedObject } from '../state/load-state.js';
import type { Command } from './command.js';
import { UsageError } from './usage-error.js';

/** EXIT_WOULD_DENY is check's exit code when a change would be denied in enforce mode. */
export const EXIT_WOULD_DENY = 1;

interface CheckedObject {
  readonly label: string;
  readonly change: Change;
  readonly findings: readonly Finding[];
  readonly skipped: string | undefined;
  /** remediation is what the mutating webhook would add before validation (remediation.essentialEgress). */
  readonly remediation: EgressRemediation | undefined;
}

function changeFor(loaded: LoadedObject, state: EditableState, requester: Requester): Change | undefined {
  const { object } = loaded;
  if (object.kind === 'NetworkPolicy') {
    const { policy } = object;
    const oldPolicy = state.policiesIn(policy.namespace).find((p) => p.name === policy.name);
    return { kind: 'NetworkPolicy', operation: oldPolicy === undefined ? 'CREATE' : 'UPDATE', namespace: policy.namespace, name: policy.name, policy, oldPolicy, requester };
  }
  if (object.kind === 'Namespace') {
    const old = state.namespace(object.namespace.name);
    return { kind: 'Namespace', operation: old === undefined ? 'CREATE' : 'UPDATE', name: object.namespace.name, labels: object.namespace.labels, oldLabels: old?.labels, requester };
  }
  return undefined;
}

function apply(change: Change, state: EditableState): void {
  if (change.kind === 'NetworkPolicy' && change.policy !== undefined) state.putPolicy(change.policy);
  else if (change.kind === 'Namespace' && change.labels !== undefined) state.putNamespace({ name: change.name, labels: change.labels });
}

/**
 * checkManifests applies manifests on top of a state one by one, as admission would see them
 * (CREATE, or UPDATE when the object exists): first the mutating webhook's remediation, when
 * configured, then every rule on the object as it would be stored.
 */
export function checkManifests(state: EditableState, objects: readonly LoadedObject[], config: Config, requester: Requester): CheckedObject[] {
  const checked: CheckedObject[] = [];
  for (const loaded of objects) {
    const submitted = changeFor(loaded, state, requester);
    if (submitted === undefined) continue;
    const context = { state, config, essentials: resolveEssentialServices(state, config) };
    const remediation = submitted.kind === 'NetworkPolicy' ? remediateEssentialEgress(submitted, context) : undefined;
    const change: Change = remediation === undefined || submitted.kind !== 'NetworkPolicy' ? submitted : { ...submitted, policy: remediation.policy };
    const review = reviewChange(change, context);
    checked.push({ label: loaded.label, change, findings: review.findings, skipped: review.skipped, remediation });
    apply(change, state);
  }
  return checked;
}

/** remediationJson is one remediated object in check's JSON: what was added, and the policy as stored. */
function remediationJson(entry: CheckedObject & { remediation: EgressRemediation }): JsonObject {
  const { policy } = entry.remediation;
  return { object: policyId(policy), services: [...entry.remediation.services], policy: networkPolicyManifest(policy, { labels: policy.labels }) };
}

function formatFinding(finding: Finding, fixesShown: Set<string>): string {
  const lines = [`  ${finding.severity.toUpperCase()} [${finding.rule}] ${finding.message}`];
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

/**
 * checkCommand runs the admission rules offline, for CI pipelines and GitOps repositories: exit 0
 * when every manifest would be admitted in enforce mode, 1 when one would be denied.
 */
export const checkCommand: Command = {
  name: 'check',
  summary: 'apply manifests on top of a state offline, as admission would, and print every finding',
  usage: 'netfence check --state PATH [FILE...] [--json] [--config F] [--user NAME] [--group G...]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        json: { type: 'boolean', default: false },
        config: { type: 'string' },
        user: { type: 'string', default: 'netfence-check' },
        group: { type: 'string', multiple: true, default: [] },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    const config = await loadConfig(values.config);
    const loaded = await loadState(values.state);
    const reads = [];
    for (const file of positionals) reads.push(await loadObjects(file));
    // flatMap, not push(...): some 150,000 objects spread as arguments overflow the stack.
    const notices = [...loaded.notices, ...reads.flatMap((read) => read.notices)];
    const objects: LoadedObject[] = reads.flatMap((read) => read.objects);
    for (const notice of notices) io.stderr(notice);
    const checked = checkManifests(new EditableState(loaded.state), objects, config, { username: values.user, groups: values.group });
    const findings = checked.flatMap((entry) => entry.findings);
    const denied = findings.some((finding) => finding.severity === 'deny');
    if (values.json) {
      const remediated = checked.filter((entry): entry is CheckedObject & { remediation: EgressRemediation } => entry.remediation !== undefined).map(remediationJson);
      io.stdout(JSON.stringify({ denied, findings: findings.map(findingJson), ...(remediated.length === 0 ? {} : { remediated }) }));
    } else {
      for (const entry of checked) {
        const verdict = entry.skipped !== undefined ? `skipped (${entry.skipped})` : entry.findings.some((f) => f.severity === 'deny') ? 'DENIED in enforce mode' : entry.findings.length > 0 ? 'allowed, with warnings' : 'ok';
        io.stdout(`${entry.label} (${entry.change.operation}): ${verdict}`);
        if (entry.remediation !== undefined) {
          const { policy, services } = entry.remediation;
          const stored = stringify(networkPolicyManifest(policy, { labels: policy.labels })).trimEnd();
          io.stdout(`  REMEDIATED: netfence adds egress to ${services.join(', ')} (remediation.essentialEgress); stored as:`);
          io.stdout(stored.split('\n').map((line) => `    ${line}`).join('\n'));
        }
        const fixesShown = new Set<string>();
        for (const finding of entry.findings) io.stdout(formatFinding(finding, fixesShown));
      }
      io.stdout(`\n${checked.length} object(s) checked, ${findings.length} finding(s): ${denied ? 'some would be DENIED' : 'all would be admitted'}.`);
    }
    return denied ? EXIT_WOULD_DENY : 0;
  },
};
