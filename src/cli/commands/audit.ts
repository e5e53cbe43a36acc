import { parseArgs } from 'node:util';
import { writePolicyReports } from '../../cluster/policy-reports.js';
import { loadConfig } from '../../config/load-config.js';
import { adoptionOf } from '../../guardrails/adoption.js';
import { auditCluster, auditedNamespaces } from '../../guardrails/audit.js';
import type { ClusterState } from '../../model/cluster-state.js';
import type { Config } from '../../guardrails/config.js';
import type { Namespace } from '../../model/namespace.js';
import type { Finding } from '../../guardrails/finding.js';
import { findingJson } from '../../guardrails/finding-json.js';
import { formatLabels } from '../../model/labels.js';
import { resolveEssentialServices } from '../../guardrails/resolve-essential-services.js';
import { loadState } from '../../state/load-state.js';
import { generateIntentPolicies } from '../../intents/generate.js';
import { intentsGap } from '../../intents/gap.js';
import type { GapEntry } from '../../intents/gap.js';
import type { ClientIntents } from '../../model/client-intents.js';
import type { Command } from '../command.js';
import { junitXml, outputFormat, sarifLog } from '../format/ci-report.js';
import type { ReportEntry } from '../format/ci-report.js';
import { UsageError } from '../usage-error.js';

/** EXIT_FINDINGS is audit's exit code when a guardrail is broken (a deny-severity finding). */
export const EXIT_FINDINGS = 1;

/**
 * notAdopted picks the namespaces whose pods a live audit lists: those not adopted yet, so it can
 * say which pods adopting each would isolate.
 */
const notAdopted = (config: Config) => (state: ClusterState): Namespace[] => auditedNamespaces(state, config).filter((namespace) => adoptionOf(namespace, config).kind === 'not-adopted');

function table(findings: readonly Finding[]): string {
  const rows = findings.map((finding) => [
    finding.object.split('/')[0] ?? finding.object,
    finding.rule,
    finding.severity,
    finding.object,
    finding.counterexample === undefined ? '' : formatLabels(finding.counterexample.labels),
    finding.service ?? '',
  ]);
  const header = ['NAMESPACE', 'RULE', 'SEVERITY', 'OBJECT', 'EXAMPLE POD', 'SERVICE'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** namespaceEntry is one audited namespace as reports see it: a JUnit test case that fails on a broken guardrail. */
function namespaceEntry(namespace: string, findings: readonly Finding[]): ReportEntry {
  const own = findings.filter((finding) => finding.object === namespace || finding.object.startsWith(`${namespace}/`));
  return {
    name: `Namespace ${namespace}`,
    group: namespace,
    source: undefined,
    operation: undefined,
    outcome: own.some((finding) => finding.severity === 'deny') ? 'failed' : 'passed',
    reason: undefined,
    findings: own,
  };
}

/** adoptionNotes spells out, under the table, what adopting each namespace that is not adopted would do. */
function adoptionNotes(findings: readonly Finding[]): string {
  const notAdopted = findings.filter((finding) => finding.rule === 'namespace-not-adopted');
  return notAdopted.length === 0 ? '' : `\n\nNot adopted yet (netfence writes nothing there):\n${notAdopted.map((finding) => `- ${finding.message}`).join('\n')}`;
}

/** gapText lists the least-privilege gap: each undeclared access into a server ClientIntents protect. */
function gapText(gap: readonly GapEntry[]): string {
  if (gap.length === 0) return '';
  const lines = gap.map((entry) => `- ${entry.from} -> ${entry.server} on ${entry.ports}, opened by ${entry.openedBy.join(', ')}`);
  return `\n\nLeast-privilege gap (connections into servers ClientIntents protect that no intent declares):\n${lines.join('\n')}`;
}

/**
 * auditCommand scans a cluster with the same rules as admission: namespaces without default-deny,
 * pods cut off from DNS or another essential service, policies that break a rule. A table for
 * people, `--json` for machines, and PolicyReports where the wgpolicyk8s.io CRD is installed.
 */
export const auditCommand: Command = {
  name: 'audit',
  usage: 'netfence audit [--output text|json|sarif|junit] [--json] [--config F] [--kubeconfig F | --state PATH [--verbose]] [--dry-run]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        json: { type: 'boolean', default: false },
        output: { type: 'string', short: 'o' },
        config: { type: 'string' },
        kubeconfig: { type: 'string' },
        state: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.state !== undefined && values.kubeconfig !== undefined) throw new UsageError('--kubeconfig and --state exclude each other');
    const format = outputFormat(values.output, values.json);
    const config = await loadConfig(values.config);
    // The Kubernetes client is loaded only for a live cluster: an audit of files never loads it.
    const live = values.state === undefined ? await (await import('../input/live-cluster-state.js')).readLiveCluster(values.kubeconfig, config, io, 'audit', notAdopted(config)) : undefined;
    let state: ClusterState;
    let intents: readonly ClientIntents[] = [];
    if (live !== undefined) state = live.state;
    else {
      const loaded = await loadState(values.state ?? '', { listSkipped: values.verbose });
      for (const notice of loaded.notices) io.stderr(notice);
      state = loaded.state;
      intents = loaded.intents;
    }
    const essentials = resolveEssentialServices(state, config);
    const findings = auditCluster({ state, config, essentials });
    // The least-privilege gap of the servers ClientIntents protect: what still opens into them that no intent declares.
    const gap = intents.length === 0 ? [] : intentsGap(state, generateIntentPolicies(state, intents, essentials));
    if (live !== undefined && !values['dry-run']) {
      const written = await writePolicyReports(live.client, auditedNamespaces(state, config), findings);
      if (written > 0) io.stderr(`netfence audit: wrote ${written} PolicyReport(s) (wgpolicyk8s.io/v1alpha2)`);
    }
    const entries = (): ReportEntry[] => auditedNamespaces(state, config).map((namespace) => namespaceEntry(namespace.name, findings));
    switch (format) {
      case 'text':
        io.stdout(`${findings.length === 0 ? 'No broken guardrail found.' : `${table(findings)}\n\n${findings.length} finding(s).${adoptionNotes(findings)}`}${gapText(gap)}`);
        break;
      case 'json':
        io.stdout(JSON.stringify({ findings: findings.map(findingJson), ...(gap.length === 0 ? {} : { intentsGap: gap }) }));
        break;
      case 'sarif':
        io.stdout(JSON.stringify(sarifLog(entries()), null, 2));
        break;
      case 'junit':
        io.stdout(junitXml('netfence audit', entries()));
        break;
    }
    return findings.some((finding) => finding.severity === 'deny') ? EXIT_FINDINGS : 0;
  },
};
