import { parseArgs } from 'node:util';
import type { ClusterState } from '../../model/cluster-state.js';
import { endpointName, evaluateConnection } from '../../engine/connection.js';
import type { Endpoint } from '../../engine/connection.js';
import { groupedAnswer } from '../../engine/grouped-reachability.js';
import { askedPorts } from '../../engine/port-query.js';
import type { PortQuery } from '../../engine/port-query.js';
import { allowedPorts, samePod } from '../../engine/reachability.js';
import { computeTruthTable } from '../../engine/truth-table.js';
import { loadState } from '../../state/load-state.js';
import type { Command, Io } from '../command.js';
import { connectionJson, formatConnection, formatPortsConnection, hostNetworkJson, portsAnswer, portsConnectionJson } from '../format/connection.js';
import { formatGrouped, groupedJson } from '../format/groups.js';
import { formatTruthTable, truthTableJson } from '../format/truth-table.js';
import { parsePortQuery } from '../args/parse-port.js';
import { everyPod, resolveSelection } from '../args/resolve-endpoint.js';
import type { Selection } from '../args/resolve-endpoint.js';
import { queryJson } from '../format/simulate-query.js';
import { UsageError } from '../usage-error.js';

/** EXIT_DENIED is simulate's exit code when something asked is denied (0: everything asked is allowed). */
export const EXIT_DENIED = 1;

const ENDPOINT_FORMS = 'NS|NS/POD|NS/KIND/NAME|NS:LABELS|IP';

/**
 * simulateCommand answers "may these pods reach those, on these ports?" from a state of YAML files.
 * Each side is a pod, a workload, a namespace, a label query or an address; the port one port, a
 * range, a named port or `any`. One pod to one pod is explained rule by rule; more pods are
 * answered as groups of connections answered alike. Leave out `--from` or `--to` with one port and
 * it prints the truth table for that port.
 */
export const simulateCommand: Command = {
  name: 'simulate',
  usage: `netfence simulate --state PATH [--from ${ENDPOINT_FORMS}] [--to ${ENDPOINT_FORMS}] --port PORT|FROM-TO|NAME|any[/PROTO] [--json] [--verbose]`,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        state: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        port: { type: 'string' },
        json: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.state === undefined) throw new UsageError('--state PATH is required (a directory or a YAML file)');
    if (values.port === undefined) throw new UsageError('--port is required: a port (53/UDP), a range (8080-8090), a named port (http) or any');
    const portText = values.port;
    const query = parsePortQuery(portText);
    const { state, notices } = await loadState(values.state, { listSkipped: values.verbose });
    for (const notice of notices) io.stderr(notice);

    const from = values.from === undefined ? everyPod(state) : resolveSelection(state, '--from', values.from);
    const to = values.to === undefined ? (values.from === undefined ? from : everyPod(state)) : resolveSelection(state, '--to', values.to);
    const echo = queryJson(from, to, portText, query);
    const json = values.json === true;

    if ((values.from === undefined || values.to === undefined) && query.kind === 'port') {
      // A truth table: a listing, not a question, so exit 0 whatever it shows.
      const port = { port: query.port, protocol: query.protocol };
      const table = computeTruthTable(state, from.endpoints, to.endpoints, port);
      io.stdout(json ? JSON.stringify({ ...truthTableJson(table), query: echo }) : formatTruthTable(table));
      return 0;
    }
    const [source] = from.endpoints;
    const [target] = to.endpoints;
    if (source !== undefined && target !== undefined && from.endpoints.length === 1 && to.endpoints.length === 1) {
      return oneConnection(state, source, target, query, portText, echo, json, io);
    }
    const answer = groupedAnswer(state, state.policies(), from.endpoints, to.endpoints, query);
    if (answer.groups.length === 0 && answer.self.length === 0) throw new UsageError(nothingAsked(query, portText, to));
    io.stdout(json ? JSON.stringify(groupedJson(answer, echo)) : formatGrouped(answer, from, to));
    return answer.totals.partly === 0 && answer.totals.denied === 0 ? 0 : EXIT_DENIED;
  },
};

/** nothingAsked says why a question had nothing to answer: the named port resolves on no destination. */
function nothingAsked(query: PortQuery, portText: string, to: Selection): string {
  const name = query.kind === 'named' ? query.name : portText;
  return `--port ${JSON.stringify(portText)}: no destination declares a container port named ${name} (${to.name})`;
}

/** oneConnection explains one pod (or address) to one: rule by rule for a port, port set by port set for a range or any. */
function oneConnection(state: ClusterState, from: Endpoint, to: Endpoint, query: PortQuery, portText: string, echo: ReturnType<typeof queryJson>, json: boolean, io: Io): number {
  const asked = askedPorts(query, to);
  if (asked === undefined) {
    const declared = to.kind === 'pod' ? to.pod.containerPorts.map((port) => `${port.name ?? '(unnamed)'} ${port.port}/${port.protocol}`) : [];
    const what = to.kind === 'pod' ? `its container ports: ${declared.length > 0 ? declared.join(', ') : 'none'}` : 'an address outside the cluster has no named ports';
    throw new UsageError(`--port ${JSON.stringify(portText)}: ${endpointName(to)} declares no container port named ${query.kind === 'named' ? query.name : portText} (${what})`);
  }
  if (query.kind === 'port' || query.kind === 'named') {
    const [range] = asked.ranges();
    if (range === undefined) throw new Error('a port query without its port');
    const port = { port: range.from, protocol: range.protocol };
    const verdict = evaluateConnection(state, from, to, port);
    const self = samePod(from, to);
    const allowed = verdict.allowed || self;
    if (json) {
      io.stdout(JSON.stringify({ ...connectionJson(verdict), allowed, query: echo, self, ports: allowed ? [`${port.port}/${port.protocol}`] : [], ...hostNetworkJson([from, to]) }));
    } else {
      const options = { self, ...(query.kind === 'named' ? { asked: `port ${query.name} (${port.port}/${port.protocol})` } : {}) };
      io.stdout(formatConnection(verdict, from, to, port, options));
    }
    return allowed ? 0 : EXIT_DENIED;
  }
  const answer = portsAnswer(allowedPorts(state, from, to), asked, query);
  io.stdout(json ? JSON.stringify({ ...portsConnectionJson(answer, query), query: echo, ...hostNetworkJson([from, to]) }) : formatPortsConnection(answer, from, to, query));
  return answer.outcome === 'allowed' ? 0 : EXIT_DENIED;
}
