import type { PolicyLookup } from './cluster-state.js';
import { ruleAllows } from './connection.js';
import type { Endpoint } from './connection.js';
import type { Labels } from './labels.js';
import type { Direction, NetworkPolicy, Peer, PolicyPort } from './network-policy.js';
import { rulesFor } from './network-policy.js';
import type { Port } from './protocol.js';

/**
 * Essential services: what tenant pods must always reach (cluster DNS, the API server) or be
 * reached by (a metrics scraper, the ingress controller). Each service is a set of alternatives:
 * a pod is served when, for one alternative, its policies allow every endpoint of that alternative
 * on every required port (e.g. all CoreDNS pods on 53/UDP, or else the NodeLocal DNSCache address).
 */

/** EssentialEndpoint is one concrete peer of a service, with its namespace's labels (it may be symbolic). */
export interface EssentialEndpoint {
  readonly endpoint: Endpoint;
  readonly namespaceLabels: Labels | undefined;
}

/** EssentialService is one service tenants depend on. */
export interface EssentialService {
  readonly name: string;
  /** direction: Egress when tenant pods must reach it, Ingress when it must reach tenant pods. */
  readonly direction: Direction;
  /** ports are the ports that must be allowed, after a Service's port translation. */
  readonly ports: readonly Port[];
  /** alternatives: any one of them, fully allowed, serves a pod. */
  readonly alternatives: readonly (readonly EssentialEndpoint[])[];
  /** fixRule is the rule (peers and ports) a suggested fix adds to allow this service. */
  readonly fixPeers: readonly Peer[];
  readonly fixPorts: readonly PolicyPort[];
}

/** Requirement is one (endpoint, port) pair that an alternative needs allowed. */
export interface ServiceRequirement {
  readonly endpoint: EssentialEndpoint;
  readonly port: Port;
}

/** requirementsOfAlternative lists every (endpoint, port) pair one alternative needs. */
export function requirementsOfAlternative(service: EssentialService, alternative: readonly EssentialEndpoint[]): ServiceRequirement[] {
  return alternative.flatMap((endpoint) => service.ports.map((port) => ({ endpoint, port })));
}

/**
 * policyAllowsRequirement says whether one policy, selecting a tenant pod in the service's
 * direction, allows that pod to reach (or be reached by) one endpoint on one port. For ingress the
 * tenant pod is the destination: its named ports are unknown for a pod that may not exist yet, so a
 * named port in the policy matches only a required port given by the same name.
 */
export function policyAllowsRequirement(
  policy: NetworkPolicy,
  direction: Direction,
  requirement: ServiceRequirement,
  lookup: Pick<PolicyLookup, 'namespaceLabels'>,
): boolean {
  if (!policy.policyTypes.has(direction)) return false;
  const { endpoint, port } = requirement;
  const namespaceLabels = (namespace: string): Labels | undefined =>
    endpoint.endpoint.kind === 'pod' && endpoint.endpoint.pod.namespace === namespace
      ? endpoint.namespaceLabels ?? lookup.namespaceLabels(namespace)
      : lookup.namespaceLabels(namespace);
  // For egress the essential endpoint is the destination. For ingress the destination is the
  // tenant pod, which is symbolic: resolve named ports against nothing.
  const destination: Endpoint =
    direction === 'Egress' ? endpoint.endpoint : { kind: 'pod', pod: { namespace: policy.namespace, name: '', labels: new Map(), ips: [], containerPorts: [] } };
  return rulesFor(policy, direction).some((rule) => ruleAllows(rule, policy.namespace, endpoint.endpoint, port, destination, namespaceLabels));
}
