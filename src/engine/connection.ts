import type { PolicyLookup } from '../model/cluster-state.js';
import { cidrContains } from '../model/ip.js';
import type { IpAddress } from '../model/ip.js';
import type { Labels } from '../model/labels.js';
import { policyId, rulesFor } from '../model/network-policy.js';
import type { Direction, NetworkPolicy, Peer, PolicyPort, PolicyRule } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { Port } from '../model/protocol.js';
import { matchesSelector } from '../model/selector.js';

/**
 * Connection verdicts: is traffic from one endpoint to another on one port allowed by the
 * NetworkPolicies? Pod to pod needs the source's egress AND the target's ingress; an IP endpoint is
 * outside the cluster, so only the pod side's policies apply.
 */

/** Endpoint is one side of a connection: a pod, or an address outside the cluster. */
export type Endpoint = { readonly kind: 'pod'; readonly pod: Pod } | { readonly kind: 'ip'; readonly ip: IpAddress };

/** RuleRef names one rule of one policy: `team-a/allow-dns`, egress rule 0. */
export interface RuleRef {
  readonly policy: string;
  readonly direction: Direction;
  readonly index: number;
}

/**
 * DirectionVerdict is one side's answer. `applies` is false for an IP endpoint (no policy can select
 * it). `isolated`: some policy selects the pod in this direction (`selectedBy`). When isolated, the
 * traffic is allowed only by the rules in `allowedBy` (from the `policies` listed).
 */
export interface DirectionVerdict {
  readonly direction: Direction;
  readonly applies: boolean;
  readonly allowed: boolean;
  readonly isolated: boolean;
  readonly selectedBy: readonly string[];
  readonly policies: readonly string[];
  readonly allowedBy: readonly RuleRef[];
}

/** ConnectionVerdict is the answer for a connection: allowed only if both sides allow it. */
export interface ConnectionVerdict {
  readonly allowed: boolean;
  readonly egress: DirectionVerdict;
  readonly ingress: DirectionVerdict;
}

/** endpointName prints an endpoint: `ns/pod`, `ns/Kind/name` for a workload's pod template (its name is `Kind/name`), or the address. */
export function endpointName(endpoint: Endpoint): string {
  return endpoint.kind === 'pod' ? `${endpoint.pod.namespace}/${endpoint.pod.name}` : endpoint.ip.text;
}

/** selectsPod says whether a policy isolates a pod in a direction. */
export function selectsPod(policy: NetworkPolicy, direction: Direction, pod: Pod): boolean {
  return policy.namespace === pod.namespace && policy.policyTypes.has(direction) && matchesSelector(policy.podSelector, pod.labels);
}

/**
 * peerMatches says whether a rule peer admits an endpoint. A pod peer needs a pod in the right
 * namespace with the right labels; an ipBlock matches any endpoint whose address lies in the block
 * and in none of its exceptions (pods by their pod IPs, as the e2e suite expects).
 */
export function peerMatches(
  peer: Peer,
  policyNamespace: string,
  endpoint: Endpoint,
  namespaceLabels: (namespace: string) => Labels | undefined,
): boolean {
  if (peer.kind === 'ipBlock') {
    const ips = endpoint.kind === 'pod' ? endpoint.pod.ips : [endpoint.ip];
    const { cidr, except } = peer.block;
    return ips.some((ip) => cidrContains(cidr, ip) && !except.some((block) => cidrContains(block, ip)));
  }
  if (endpoint.kind !== 'pod') return false;
  const pod = endpoint.pod;
  if (peer.namespaceSelector === null) {
    if (pod.namespace !== policyNamespace) return false;
  } else {
    const labels = namespaceLabels(pod.namespace);
    if (labels === undefined || !matchesSelector(peer.namespaceSelector, labels)) return false;
  }
  return matchesSelector(peer.podSelector, pod.labels);
}

/**
 * portMatches says whether a rule's ports admit a connection to `port`. Named ports resolve against
 * the destination pod's container ports; against an address outside the cluster they match nothing.
 */
export function portMatches(ports: readonly PolicyPort[] | null, port: Port, destination: Endpoint): boolean {
  if (ports === null) return true;
  return ports.some((entry) => {
    if (entry.protocol !== port.protocol) return false;
    const range = entry.range;
    switch (range.kind) {
      case 'any':
        return true;
      case 'numbers':
        return port.port >= range.from && port.port <= range.to;
      case 'named':
        return (
          destination.kind === 'pod' &&
          destination.pod.containerPorts.some(
            (container) =>
              container.name === range.name && container.protocol === port.protocol && container.port === port.port,
          )
        );
    }
  });
}

/** ruleAllows says whether one rule admits the peer endpoint on the port (ports first: the cheaper question). */
export function ruleAllows(
  rule: PolicyRule,
  policyNamespace: string,
  peer: Endpoint,
  port: Port,
  destination: Endpoint,
  namespaceLabels: (namespace: string) => Labels | undefined,
): boolean {
  return portMatches(rule.ports, port, destination) && peersAdmit(rule, policyNamespace, peer, namespaceLabels);
}

/** peersAdmit says whether one of a rule's peers (or its absence of any: every peer) admits the endpoint. */
export function peersAdmit(rule: PolicyRule, policyNamespace: string, peer: Endpoint, namespaceLabels: (namespace: string) => Labels | undefined): boolean {
  return rule.peers === null || rule.peers.some((p) => peerMatches(p, policyNamespace, peer, namespaceLabels));
}

const NOT_APPLICABLE = (direction: Direction): DirectionVerdict => ({
  direction,
  applies: false,
  allowed: true,
  isolated: false,
  selectedBy: [],
  policies: [],
  allowedBy: [],
});

/**
 * directionVerdict evaluates one side: the egress of `local` towards `remote`, or the ingress of
 * `local` from `remote`. `destination` is whichever of the two receives the connection.
 */
function directionVerdict(
  lookup: PolicyLookup,
  direction: Direction,
  local: Endpoint,
  remote: Endpoint,
  port: Port,
): DirectionVerdict {
  if (local.kind !== 'pod') return NOT_APPLICABLE(direction);
  const pod = local.pod;
  const destination = direction === 'Egress' ? remote : local;
  const namespaceLabels = (namespace: string): Labels | undefined => lookup.namespaceLabels(namespace);
  const selecting = lookup.policiesIn(pod.namespace).filter((policy) => selectsPod(policy, direction, pod));
  const allowedBy: RuleRef[] = [];
  for (const policy of selecting) {
    rulesFor(policy, direction).forEach((rule, index) => {
      if (ruleAllows(rule, policy.namespace, remote, port, destination, namespaceLabels)) {
        allowedBy.push({ policy: policyId(policy), direction, index });
      }
    });
  }
  const isolated = selecting.length > 0;
  return {
    direction,
    applies: true,
    allowed: !isolated || allowedBy.length > 0,
    isolated,
    selectedBy: selecting.map(policyId),
    policies: [...new Set(allowedBy.map((ref) => ref.policy))],
    allowedBy,
  };
}

/** evaluateConnection decides whether `from` may open a connection to `to` on `port`, and why. */
export function evaluateConnection(lookup: PolicyLookup, from: Endpoint, to: Endpoint, port: Port): ConnectionVerdict {
  const egress = directionVerdict(lookup, 'Egress', from, to, port);
  const ingress = directionVerdict(lookup, 'Ingress', to, from, port);
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}
