import { endpointName } from '../../engine/connection.js';
import type { Endpoint } from '../../engine/connection.js';
import type { AnswerGroup, GroupedAnswer, SideAnswer } from '../../engine/grouped-reachability.js';
import type { JsonObject } from '../../model/manifest.js';
import { formatPortQuery } from '../../engine/port-query.js';
import type { Outcome, PortQuery } from '../../engine/port-query.js';
import { isTemplatePod } from '../../model/pod.js';
import { HOST_NETWORK_NOTE, SELF_REASON, hostNetworkJson, hostNetworkNames, outcomeWord, portsJson } from './connection.js';
import type { Selection } from '../args/resolve-endpoint.js';

/**
 * How `simulate` prints a question about many pods: one line per group of connections answered
 * alike (which pods, to which pods, how many connections, the ports allowed), each side's reason
 * under it, a line for the pods asked about themselves, and the totals. `--json` gives the same as
 * a list of groups.
 */

/** LISTED_NAMES is how many pods a group's end names before it counts the rest. */
const LISTED_NAMES = 3;

/** names lists the first few names and counts the rest. */
function names(list: readonly string[]): string {
  return list.length <= LISTED_NAMES ? list.join(', ') : `${list.slice(0, LISTED_NAMES - 1).join(', ')} and ${list.length - LISTED_NAMES + 1} more`;
}

/** answeredEndpoints are the endpoints a grouped answer is about: both ends of every group, and the pods asked about themselves. */
function answeredEndpoints(answer: GroupedAnswer): Endpoint[] {
  return [...answer.groups.flatMap((group) => [...group.sources, ...group.targets]), ...answer.self];
}

/**
 * describePods names one end of a group: the pod, all the pods the side stands for (`3 pods of
 * team-a/Deployment/web`, `2 pods of team-b:app=db`), the pods of one workload, or the first few
 * names and a count.
 */
export function describePods(endpoints: readonly Endpoint[], side: Selection): string {
  const [first] = endpoints;
  if (first === undefined) return 'nothing';
  if (endpoints.length === 1) return endpointName(first);
  if (endpoints.length === side.endpoints.length) return `${endpoints.length} pods of ${side.name}`;
  const pods = endpoints.flatMap((endpoint) => (endpoint.kind === 'pod' ? [endpoint.pod] : []));
  const workload = pods[0]?.workload;
  if (workload !== undefined && pods.length === endpoints.length && pods.every((pod) => !isTemplatePod(pod) && pod.workload?.kind === workload.kind && pod.workload.name === workload.name && pod.namespace === pods[0]?.namespace)) {
    return `${pods.length} pods of ${pods[0]?.namespace ?? ''}/${workload.kind}/${workload.name} (${names(pods.map((pod) => pod.name))})`;
  }
  const namespaces = new Set(pods.map((pod) => pod.namespace));
  const [namespace] = namespaces;
  if (namespace !== undefined && namespaces.size === 1 && pods.length === endpoints.length) return `${pods.length} pods in ${namespace} (${names(pods.map((pod) => pod.name))})`;
  return `${endpoints.length} pods (${names(endpoints.map(endpointName))})`;
}

function ruleList(side: SideAnswer, query: PortQuery): string {
  const direction = side.direction === 'Egress' ? 'egress' : 'ingress';
  const showPorts = query.kind === 'range' || query.kind === 'any';
  return side.grants.map((grant) => `${grant.rule.policy} ${direction}[${grant.rule.index}]${showPorts ? ` (${grant.ports.format()})` : ''}`).join(', ');
}

/** explainSide is one side of a group in words: why it lets the connections through, or not. */
function explainSide(side: SideAnswer, query: PortQuery, several: boolean): string {
  const direction = side.direction === 'Egress' ? 'egress' : 'ingress';
  const label = direction.padEnd('ingress'.length);
  if (!side.applies) return `${label} outside the cluster: no policy applies`;
  if (!side.isolated) return `${label} not isolated (no policy selects ${several ? 'these pods' : 'this pod'} for ${side.direction})`;
  if (side.grants.length === 0) {
    const other = side.direction === 'Egress' ? 'to the destination' : 'from the source';
    return `${label} DENIED: isolated by ${side.selectedBy.join(', ')}; no ${direction} rule of theirs allows ${other} on ${formatPortQuery(query)}`;
  }
  if (side.allowed) return `${label} allowed by ${ruleList(side, query)}`;
  return `${label} only ${side.ports.format()}, by ${ruleList(side, query)}; isolated by ${side.selectedBy.join(', ')}`;
}

function portsText(group: AnswerGroup, query: PortQuery): string {
  const { answer } = group;
  if (answer.ports.isEmpty()) return 'no port';
  if (answer.outcome === 'partly') return `${answer.ports.format()} only (denied: ${answer.asked.subtract(answer.ports).format()})`;
  if (query.kind === 'port' || query.kind === 'named') return `${answer.ports.format()}${query.kind === 'named' ? ` (port ${query.name})` : ''}`;
  return answer.ports.format();
}

/** formatGroupLine is one group: the outcome, the two ends, the connections they make, the ports, and each side's reason. */
export function formatGroupLine(group: AnswerGroup, from: Selection, to: Selection, query: PortQuery): string {
  const word = outcomeWord(group.answer.outcome).replace('PARTLY ALLOWED', 'PARTLY');
  const connections = group.pairs === 1 ? '' : ` (${group.pairs} connections)`;
  const indent = ' '.repeat(11);
  return [
    `  ${word.padEnd(8)} ${describePods(group.sources, from)} -> ${describePods(group.targets, to)}${connections}: ${portsText(group, query)}`,
    `${indent}${explainSide(group.answer.egress, query, group.sources.length > 1)}`,
    `${indent}${explainSide(group.answer.ingress, query, group.targets.length > 1)}`,
  ].join('\n');
}

function countText(count: number, outcome: Outcome, query: PortQuery): string {
  if (query.kind === 'any') return outcome === 'allowed' ? `${count} allowed on some port` : `${count} on no port`;
  return outcome === 'allowed' ? `${count} allowed` : outcome === 'partly' ? `${count} partly allowed` : `${count} denied`;
}

/** formatGrouped is the text answer for a question about many pods. */
export function formatGrouped(answer: GroupedAnswer, from: Selection, to: Selection): string {
  const { query, totals } = answer;
  const out = [`${describeSide(from)} -> ${describeSide(to)} on ${formatPortQuery(query)}:`];
  for (const group of answer.groups) out.push(formatGroupLine(group, from, to, query));
  const [onlySelf] = answer.self;
  if (onlySelf !== undefined) {
    const who = answer.self.length === 1 ? endpointName(onlySelf) : `each of ${describePods(answer.self, from)}`;
    out.push(`  ${'ALLOWED'.padEnd(8)} ${who} to itself: always ("${SELF_REASON}")`);
  }
  if (answer.unresolved.length > 0 && query.kind === 'named') {
    const verb = answer.unresolved.length === 1 ? 'declares' : 'declare';
    out.push(`  not asked: ${describePods(answer.unresolved, to)} ${verb} no container port named ${query.name}${query.protocol === undefined ? '' : ` of protocol ${query.protocol}`}`);
  }
  const hostNetwork = hostNetworkNames(answeredEndpoints(answer));
  if (hostNetwork.length > 0) {
    const verb = hostNetwork.length === 1 ? 'has' : 'have';
    out.push(`  note: ${names(hostNetwork)} ${verb} hostNetwork: true: ${HOST_NETWORK_NOTE}`);
  }
  const counts = [countText(totals.allowed, 'allowed', query), ...(totals.partly > 0 ? [countText(totals.partly, 'partly', query)] : []), countText(totals.denied, 'denied', query)];
  const self = totals.self > 0 ? `; and ${totals.self} ${totals.self === 1 ? 'pod' : 'pods'} to ${totals.self === 1 ? 'itself' : 'themselves'}, always allowed` : '';
  out.push('', `${totals.pairs} ${totals.pairs === 1 ? 'connection' : 'connections'} between different pods in ${answer.groups.length} ${answer.groups.length === 1 ? 'group' : 'groups'}: ${counts.join(', ')}${self}.`);
  return out.join('\n');
}

/** describeSide names a side in the heading: what was asked and how many pods it stands for. */
function describeSide(side: Selection): string {
  const pods = side.endpoints.length;
  switch (side.kind) {
    case 'ip':
      return `${side.name} (outside the cluster)`;
    case 'pod':
      return side.name;
    case 'all':
      return `every pod of the state (${pods})`;
    case 'namespace':
      return `namespace ${side.name} (${pods} ${pods === 1 ? 'pod' : 'pods'})`;
    case 'labels':
      return `${side.name} (${pods} ${pods === 1 ? 'pod' : 'pods'})`;
    case 'workload':
      return `${side.name} (${pods === 1 && side.endpoints[0]?.kind === 'pod' && isTemplatePod(side.endpoints[0].pod) ? 'its pod template' : `${pods} ${pods === 1 ? 'pod' : 'pods'}`})`;
  }
}

// --- JSON ---------------------------------------------------------------------------------------------

function endJson(endpoints: readonly Endpoint[]): JsonObject {
  const hostNetwork = hostNetworkNames(endpoints);
  return { count: endpoints.length, pods: endpoints.map(endpointName), ...(hostNetwork.length === 0 ? {} : { hostNetwork }) };
}

function sideJson(side: SideAnswer): JsonObject {
  return {
    allowed: side.allowed,
    isolated: side.isolated,
    policies: [...new Set(side.grants.map((grant) => grant.rule.policy))],
    rules: side.grants.map((grant): JsonObject => ({ policy: grant.rule.policy, direction: side.direction, index: grant.rule.index, ports: portsJson(grant.ports) })),
    ports: portsJson(side.ports),
    isolatedBy: [...side.selectedBy],
  };
}

/** groupJson is one group of `simulate --json`'s `groups`. */
export function groupJson(group: AnswerGroup): JsonObject {
  const { answer } = group;
  return {
    from: endJson(group.sources),
    to: endJson(group.targets),
    connections: group.pairs,
    allowed: answer.outcome === 'allowed',
    outcome: answer.outcome,
    asked: portsJson(answer.asked),
    ports: portsJson(answer.ports),
    egress: sideJson(answer.egress),
    ingress: sideJson(answer.ingress),
  };
}

/**
 * groupedJson is `simulate --json` for many pods: `allowed` is the exit code's answer (every
 * connection asked allowed); `hostNetwork`, when some pod answered for has `hostNetwork: true`,
 * names them (and each group's end lists its own).
 */
export function groupedJson(answer: GroupedAnswer, query: JsonObject): JsonObject {
  const { totals } = answer;
  return {
    query,
    allowed: totals.partly === 0 && totals.denied === 0,
    groups: answer.groups.map(groupJson),
    self: { count: answer.self.length, pods: answer.self.map(endpointName), reason: SELF_REASON },
    unresolved: answer.unresolved.map(endpointName),
    totals: { connections: totals.pairs, allowed: totals.allowed, partly: totals.partly, denied: totals.denied, self: totals.self },
    ...hostNetworkJson(answeredEndpoints(answer)),
  };
}
