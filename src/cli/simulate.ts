import { parseArgs } from 'node:util';
import { evaluateConnection } from '../core/connection.js';
import type { Endpoint } from '../core/connection.js';
import { computeTruthTable } from '../core/truth-table.js';
import { loadState } from '../state/load-state.js';
import type { Command } from './command.js';
import { connectionJson, formatConnection } from './format-connection.js';
import { formatTruthTable, truthTableJson } from './format-truth-table.js';
import { parsePort } from './parse-port.js';
import { resolveEndpoint } from './resolve-endpoint.js';
import { UsageError } from './usage-error.js';

/** EXIT_DENIED is simulate's exit code for a denied connection (0 is allowed). */
export const EXIT_DENIED = 1;

/**
 * simulateCommand answers "is this connection allowed?" from a state of YAML files, or prints the
 * truth table for a port when `--from` or `--to` is left out. A workload's pods are named
 * `NS/KIND/NAME` (`shop/Deployment/web`) when the state holds the workload and not its pods.
 */
export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'is a connection allowed by the NetworkPolicies of a state? (or a truth table for a port)',
  usage: 'netfence simulate --state PATH [--from NS/POD|NS/KIND/NAME|IP] [--to NS/POD|NS/KIND/NAME|IP] --port PORT[/PROTO] [--json]',
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    if (values.port === undefined) throw new UsageError('--port PORT[/PROTO] is required, e.g. --port 53/UDP');
    const port = parsePort(values.port);
    const { state, notices } = await loadState(values.state);
    for (const notice of notices) io.stderr(notice);

    const from = values.from === undefined ? undefined : resolveEndpoint(state, '--from', values.from);
    const to = values.to === undefined ? undefined : resolveEndpoint(state, '--to', values.to);
    if (from !== undefined && to !== undefined) {
      const verdict = evaluateConnection(state, from, to, port);
      io.stdout(values.json ? JSON.stringify(connectionJson(verdict)) : formatConnection(verdict, from, to, port));
      return verdict.allowed ? 0 : EXIT_DENIED;
    }
    const pods: Endpoint[] = state.pods().map((pod) => ({ kind: 'pod', pod }));
    const sources = from === undefined ? pods : [from];
    const targets = to === undefined ? pods : [to];
    const table = computeTruthTable(state, sources, targets, port);
    io.stdout(values.json ? JSON.stringify(truthTableJson(table)) : formatTruthTable(table));
    return 0;
  },
};
