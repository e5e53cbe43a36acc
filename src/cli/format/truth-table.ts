import { endpointName } from '../../engine/connection.js';
import type { Endpoint } from '../../engine/connection.js';
import { isHostNetworkPod, isTemplatePod } from '../../model/pod.js';
import { formatPort } from '../../model/protocol.js';
import type { TruthTable } from '../../engine/truth-table.js';
import { HOST_NETWORK_NOTE, SELF_REASON, hostNetworkJson } from './connection.js';

/**
 * truthTableJson is the `simulate --json` object for a truth table: `allowed[from][to]`. A pod's
 * connection to itself is true: a pod can always reach itself. `hostNetwork`, when some row or
 * column is a pod with `hostNetwork: true`, names them.
 */
export function truthTableJson(table: TruthTable): { port: string; allowed: Record<string, Record<string, boolean>>; hostNetwork?: { pods: string[]; note: string } } {
  const allowed: Record<string, Record<string, boolean>> = {};
  table.sources.forEach((source, i) => {
    const row: Record<string, boolean> = {};
    table.targets.forEach((target, j) => {
      row[endpointName(target)] = table.self(i, j) || table.allowed(i, j);
    });
    allowed[endpointName(source)] = row;
  });
  return { port: formatPort(table.port), allowed, ...hostNetworkJson([...table.sources, ...table.targets]) };
}

/** TEMPLATE_LEGEND explains the rows and columns named `ns/Kind/name`. */
const TEMPLATE_LEGEND = "ns/Kind/name is a workload's pod template, standing for every pod it makes (no address, so no ipBlock peer matches it).";

/** HOST_NETWORK_MARK follows the name of a row or column that is a pod with `hostNetwork: true`. */
const HOST_NETWORK_MARK = ' (hostNetwork)';

/** HOST_NETWORK_LEGEND explains the rows and columns marked (hostNetwork). */
const HOST_NETWORK_LEGEND = `(hostNetwork) marks a pod with hostNetwork: true: ${HOST_NETWORK_NOTE}.`;

/** labelOf is a row's or column's name, marked when the pod has `hostNetwork: true`. */
function labelOf(endpoint: Endpoint): string {
  return endpoint.kind === 'pod' && isHostNetworkPod(endpoint.pod) ? `${endpointName(endpoint)}${HOST_NETWORK_MARK}` : endpointName(endpoint);
}

/**
 * formatTruthTable prints a grid a person can read at a glance: one row per source, one column
 * per target (numbered, with the legend beside the rows), `.` allowed, `X` denied, and `=` a pod
 * to itself (always allowed, whatever the policies say). A pod with `hostNetwork: true` is marked
 * `(hostNetwork)`: its cells assume an ordinary pod, and the legend says the network plugin decides.
 */
export function formatTruthTable(table: TruthTable): string {
  const sameSides = table.sources === table.targets;
  const targetNames = table.targets.map(labelOf);
  const sourceNames = table.sources.map(labelOf);
  const width = String(table.targets.length).length;
  const numberWidth = String(Math.max(table.sources.length, table.targets.length)).length;
  const rowLabel = (name: string, i: number): string =>
    sameSides ? `${String(i + 1).padStart(numberWidth)} ${name}` : name;
  const labelWidth = Math.max(...sourceNames.map((name, i) => rowLabel(name, i).length), 'from \\ to'.length);
  const cell = (text: string): string => text.padStart(width);
  let allowedCount = 0;
  let selfCount = 0;
  const lines = [
    `${'from \\ to'.padEnd(labelWidth)}  ${targetNames.map((_, j) => cell(String(j + 1))).join(' ')}`,
    ...sourceNames.map((name, i) => {
      const cells = targetNames.map((_, j) => {
        if (table.self(i, j)) {
          selfCount++;
          return cell('=');
        }
        const allowed = table.allowed(i, j);
        if (allowed) allowedCount++;
        return cell(allowed ? '.' : 'X');
      });
      return `${rowLabel(name, i).padEnd(labelWidth)}  ${cells.join(' ')}`;
    }),
  ];
  if (!sameSides) lines.push('', ...targetNames.map((name, j) => `${String(j + 1).padStart(width)} ${name}`));
  const total = table.sources.length * table.targets.length - selfCount;
  lines.push('', `${formatPort(table.port)}: ${allowedCount} of ${total} connections allowed ('.' allowed, 'X' denied)`);
  if (selfCount > 0) lines.push(`'=' is a pod's connection to itself: always allowed ("${SELF_REASON}"), not counted.`);
  if ([...table.sources, ...table.targets].some((endpoint) => endpoint.kind === 'pod' && isTemplatePod(endpoint.pod))) {
    lines.push(TEMPLATE_LEGEND);
  }
  if ([...table.sources, ...table.targets].some((endpoint) => endpoint.kind === 'pod' && isHostNetworkPod(endpoint.pod))) {
    lines.push(HOST_NETWORK_LEGEND);
  }
  return lines.join('\n');
}
