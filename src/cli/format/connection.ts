import { endpointName } from '../../engine/connection.js';
import type { ConnectionVerdict, DirectionVerdict, Endpoint } from '../../engine/connection.js';
import { isHostNetworkPod } from '../../model/pod.js';
import { formatPortQuery, outcomeOf } from '../../engine/port-query.js';
import type { Outcome, PortQuery } from '../../engine/port-query.js';
import { formatRange } from '../../model/port-set.js';
import type { PortSet } from '../../model/port-set.js';
import { formatPort } from '../../model/protocol.js';
import type { Port } from '../../model/protocol.js';
import type { Reachability, SideAccess } from '../../engine/reachability.js';

/** VerdictJson is one side of `simulate --json`, as DESIGN.md fixes it. */
export interface VerdictJson {
  readonly allowed: boolean;
  readonly isolated: boolean;
  readonly policies: readonly string[];
}

/** connectionJson is the `simulate --json` object for one connection. */
export function connectionJson(verdict: ConnectionVerdict): {
  allowed: boolean;
  egress: VerdictJson;
  ingress: VerdictJson;
} {
  const side = (v: DirectionVerdict): VerdictJson => ({ allowed: v.allowed, isolated: v.isolated, policies: v.policies });
  return { allowed: verdict.allowed, egress: side(verdict.egress), ingress: side(verdict.ingress) };
}

/**
 * HOST_NETWORK_NOTE is what an answer about a pod with `hostNetwork: true` assumes: the API reference
 * leaves NetworkPolicy for such pods to the network plugin, and netfence does not guess which one runs.
 */
export const HOST_NETWORK_NOTE =
  "the answer treats such a pod as an ordinary one, but for hostNetwork pods the network plugin decides: most treat their traffic as the node's, so policies do not select them and pod-selector peers do not match them (ipBlock rules on node addresses may)";

/** hostNetworkNames names the endpoints that are pods with `hostNetwork: true`, once each, in order. */
export function hostNetworkNames(endpoints: readonly Endpoint[]): string[] {
  return [...new Set(endpoints.flatMap((endpoint) => (endpoint.kind === 'pod' && isHostNetworkPod(endpoint.pod) ? [endpointName(endpoint)] : [])))];
}

/** hostNetworkJson is the `hostNetwork` field of `simulate --json` (the pods with `hostNetwork: true`, and the note), absent when there are none. */
export function hostNetworkJson(endpoints: readonly Endpoint[]): { hostNetwork?: { pods: string[]; note: string } } {
  const pods = hostNetworkNames(endpoints);
  return pods.length === 0 ? {} : { hostNetwork: { pods, note: HOST_NETWORK_NOTE } };
}

/** SELF_REASON is why a pod's connection to itself is allowed, in the API reference's words. */
export const SELF_REASON = 'a pod cannot block access to itself';

/** ConnectionOptions say what formatConnection's answer is about beyond the verdict. */
export interface ConnectionOptions {
  /** self: the connection is a pod's to itself, allowed whatever the verdict (the sides then say what the policies alone would). */
  readonly self?: boolean;
  /** asked names the port as it was asked, when that is not the number: `port http (8080/TCP)`. */
  readonly asked?: string;
}

/**
 * formatConnection explains a verdict for people: the answer first, then each side: which
 * policies isolate the pod and which of their rules allow the traffic, or that none does.
 */
export function formatConnection(verdict: ConnectionVerdict, from: Endpoint, to: Endpoint, port: Port, options: ConnectionOptions = {}): string {
  const on = options.asked ?? formatPort(port);
  const allowed = verdict.allowed || options.self === true;
  const head = `${allowed ? 'ALLOWED' : 'DENIED'}: ${endpointName(from)} -> ${endpointName(to)} on ${on}`;
  return [
    options.self === true ? `${head}: a pod's connection to itself is always allowed ("${SELF_REASON}"); what the policies alone say:` : head,
    `  egress  ${explainSide(verdict.egress, from, to, port)}`,
    `  ingress ${explainSide(verdict.ingress, to, from, port)}`,
    ...notesOf(from, to),
  ].join('\n');
}

function notesOf(from: Endpoint, to: Endpoint): string[] {
  const notes = [from, to].flatMap((endpoint) => {
    const note = templateNote(endpoint);
    return note === undefined ? [] : [`  note: ${note}`];
  });
  if (from.kind === 'pod' && to.kind === 'pod' && from.pod === to.pod && templateNote(from) !== undefined) {
    notes.push(`  note: this is about different pods of ${from.pod.workload?.kind ?? 'the workload'} ${from.pod.workload?.name ?? ''}: each pod may always reach itself ("${SELF_REASON}")`);
  }
  for (const name of hostNetworkNames([from, to])) notes.push(`  note: ${name} has hostNetwork: true: ${HOST_NETWORK_NOTE}`);
  return [...new Set(notes)];
}

/**
 * templateNote says what a workload's pod template stands for, when the endpoint is one: the
 * verdict holds for every pod the workload makes, which have no address before they run, so no
 * ipBlock peer matches them here (policies rarely name pods by IP: their IPs change).
 */
export function templateNote(endpoint: Endpoint): string | undefined {
  const workload = endpoint.kind === 'pod' ? endpoint.pod.workload : undefined;
  if (workload?.template !== true) return undefined;
  const { kind, name } = workload;
  return `${endpointName(endpoint)} is the pod template of ${kind} ${name}: it stands for every pod the ${kind} makes (no address, so no ipBlock peer matches it)`;
}

function explainSide(verdict: DirectionVerdict, local: Endpoint, remote: Endpoint, port: Port): string {
  const direction = verdict.direction === 'Egress' ? 'egress' : 'ingress';
  const subject = `of ${endpointName(local)}`;
  if (!verdict.applies) return `${subject}: outside the cluster, no policy applies`;
  if (!verdict.isolated) return `${subject}: allowed (no policy selects this pod for ${verdict.direction})`;
  const isolatedBy = `isolated by ${verdict.selectedBy.join(', ')}`;
  if (!verdict.allowed) {
    const towards = verdict.direction === 'Egress' ? 'to' : 'from';
    return `${subject}: DENIED (${isolatedBy}; no ${direction} rule of theirs allows ${towards} ${endpointName(remote)} on ${formatPort(port)})`;
  }
  const rules = verdict.allowedBy.map((ref) => `${ref.policy} ${direction}[${ref.index}]`).join(', ');
  return `${subject}: allowed by ${rules} (${isolatedBy})`;
}

// --- one connection over a set of ports (a range, or any port) -----------------------------------

/** portsJson is a port set as JSON: its ranges, `PORT/PROTO` or `FROM-TO/PROTO`. */
export function portsJson(ports: PortSet): string[] {
  return ports.ranges().map(formatRange);
}

/** PortsAnswer is one connection's answer to a range or `any`: the ports asked, those allowed, the outcome. */
export interface PortsAnswer {
  readonly reach: Reachability;
  readonly asked: PortSet;
  readonly ports: PortSet;
  readonly outcome: Outcome;
}

/** portsAnswer cuts an exact answer (allowedPorts) to the ports asked; a pod to itself gets them all. */
export function portsAnswer(reach: Reachability, asked: PortSet, query: PortQuery): PortsAnswer {
  const ports = reach.self ? asked : reach.ports.intersect(asked);
  return { reach, asked, ports, outcome: reach.self ? 'allowed' : outcomeOf(query, asked, ports) };
}

const OUTCOME_WORD: Readonly<Record<Outcome, string>> = { allowed: 'ALLOWED', partly: 'PARTLY ALLOWED', denied: 'DENIED' };

/** outcomeWord is how the text output says an outcome. */
export function outcomeWord(outcome: Outcome): string {
  return OUTCOME_WORD[outcome];
}

/**
 * formatPortsConnection explains one connection over a range or any port: the ports allowed (of
 * those asked) first, then each side with the rules that open which ports.
 */
export function formatPortsConnection(answer: PortsAnswer, from: Endpoint, to: Endpoint, query: PortQuery): string {
  const { reach, asked, ports, outcome } = answer;
  const denied = asked.subtract(ports);
  const what = ports.isEmpty() ? 'no port' : ports.format();
  const rest = outcome === 'partly' ? ` (denied: ${denied.format()})` : '';
  const head = `${outcomeWord(outcome)}: ${endpointName(from)} -> ${endpointName(to)} on ${formatPortQuery(query)}: ${what}${rest}`;
  return [
    reach.self ? `${head}; a pod's connection to itself is always allowed ("${SELF_REASON}"); what the policies alone say:` : head,
    `  egress  ${explainSideAccess(reach.egress, from, to, asked)}`,
    `  ingress ${explainSideAccess(reach.ingress, to, from, asked)}`,
    ...notesOf(from, to),
  ].join('\n');
}

function explainSideAccess(side: SideAccess, local: Endpoint, remote: Endpoint, asked: PortSet): string {
  const direction = side.direction === 'Egress' ? 'egress' : 'ingress';
  const subject = `of ${endpointName(local)}`;
  if (!side.applies) return `${subject}: outside the cluster, no policy applies`;
  if (!side.isolated) return `${subject}: every port (no policy selects this pod for ${side.direction})`;
  const isolatedBy = `isolated by ${side.selectedBy.join(', ')}`;
  const grants = side.grants.map((grant) => ({ grant, ports: grant.ports.intersect(asked) })).filter(({ ports }) => !ports.isEmpty());
  if (grants.length === 0) {
    const towards = side.direction === 'Egress' ? 'to' : 'from';
    return `${subject}: no port (${isolatedBy}; no ${direction} rule of theirs allows ${towards} ${endpointName(remote)} on ${asked.format()})`;
  }
  const rules = grants.map(({ grant, ports }) => `${grant.rule.policy} ${direction}[${grant.rule.index}] (${ports.format()})`).join(', ');
  return `${subject}: ${side.ports.intersect(asked).format()}, by ${rules} (${isolatedBy})`;
}

/** SidePortsJson is one side of `simulate --json` over ports: the Verdict fields, and the ports this side allows of those asked. */
export interface SidePortsJson extends VerdictJson {
  readonly ports: readonly string[];
}

/**
 * portsConnectionJson is `simulate --json` for one connection over a range or any port: the
 * documented `{allowed, egress, ingress}` (a side allows when it allows every port asked, or some
 * port for `any`; its policies are those whose rules open some port asked), with the ports allowed.
 */
export function portsConnectionJson(answer: PortsAnswer, query: PortQuery): { allowed: boolean; self: boolean; ports: string[]; egress: SidePortsJson; ingress: SidePortsJson } {
  const side = (access: SideAccess): SidePortsJson => {
    const ports = access.ports.intersect(answer.asked);
    const policies = [...new Set(access.grants.filter((grant) => !grant.ports.intersect(answer.asked).isEmpty()).map((grant) => grant.rule.policy))];
    return { allowed: outcomeOf(query, answer.asked, ports) === 'allowed', isolated: access.isolated, policies: access.isolated ? policies : [], ports: portsJson(ports) };
  };
  return { allowed: answer.outcome === 'allowed', self: answer.reach.self, ports: portsJson(answer.ports), egress: side(answer.reach.egress), ingress: side(answer.reach.ingress) };
}
