import { endpointName } from '../core/connection.js';
import type { ConnectionVerdict, DirectionVerdict, Endpoint } from '../core/connection.js';
import { formatPort } from '../core/protocol.js';
import type { Port } from '../core/protocol.js';

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
 * formatConnection explains a verdict for people: the answer first, then each side: which
 * policies isolate the pod and which of their rules allow the traffic, or that none does.
 */
export function formatConnection(verdict: ConnectionVerdict, from: Endpoint, to: Endpoint, port: Port): string {
  const head = `${verdict.allowed ? 'ALLOWED' : 'DENIED'}: ${endpointName(from)} -> ${endpointName(to)} on ${formatPort(port)}`;
  const notes = [from, to].flatMap((endpoint) => {
    const note = templateNote(endpoint);
    return note === undefined ? [] : [`  note: ${note}`];
  });
  return [
    head,
    `  egress  ${explainSide(verdict.egress, from, to, port)}`,
    `  ingress ${explainSide(verdict.ingress, to, from, port)}`,
    ...new Set(notes),
  ].join('\n');
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
