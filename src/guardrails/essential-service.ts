import type { PolicyLookup } from '../model/cluster-state.js';
import { peersAdmit, portMatches } from '../engine/connection.js';
import type { Endpoint } from '../engine/connection.js';
import type { Labels } from '../model/labels.js';
import type { Direction, NetworkPolicy, PolicyRule } from '../model/network-policy.js';
import { rulesFor } from '../model/network-policy.js';
import type { Port } from '../model/protocol.js';
import type { LabelSelector } from '../model/selector.js';

/**
 * Essential services: what tenant pods must always reach (cluster DNS, the API server) or be
 * reached by (a metrics scraper, the ingress controller). A service is a list of alternatives; a
 * pod is served when its policies allow every requirement of one alternative (all CoreDNS pods on
 * their DNS port, or else NodeLocal DNSCache's address on 53).
 */

/** ServiceRequirement is one peer and port that an alternative needs allowed. */
export interface ServiceRequirement {
  readonly peer: Endpoint;
  /** peerNamespaceLabels are the labels of a pod peer's namespace (which may not be in the state). */
  readonly peerNamespaceLabels: Labels | undefined;
  readonly port: Port;
}

/** EssentialService is one service tenants depend on, resolved against the cluster's state. */
export interface EssentialService {
  readonly name: string;
  /** direction: Egress when tenant pods must reach it, Ingress when it must reach tenant pods. */
  readonly direction: Direction;
  readonly alternatives: readonly (readonly ServiceRequirement[])[];
  /** targets limits an Ingress service to the tenant pods it must reach (undefined: all). */
  readonly targets: LabelSelector | undefined;
  /** fixRule is the rule a suggested fix adds to allow this service. */
  readonly fixRule: PolicyRule;
  /** describe is how messages name what must be reachable, e.g. `kube-system/kube-dns pods on 53/UDP`. */
  readonly describe: string;
}

/**
 * policyAllowsRequirement says whether one policy, if it selects a tenant pod in the service's
 * direction, allows that pod to reach (or be reached by) the requirement's peer on its port. For
 * ingress the tenant pod is the destination: its container ports are unknown for a pod that may
 * not exist yet, so a named port in the policy cannot be counted on.
 */
export function policyAllowsRequirement(
  policy: NetworkPolicy,
  direction: Direction,
  requirement: ServiceRequirement,
  lookup: Pick<PolicyLookup, 'namespaceLabels'>,
): boolean {
  if (!policy.policyTypes.has(direction)) return false;
  const { peer, port, peerNamespaceLabels } = requirement;
  const destination = direction === 'Egress' ? peer : UNKNOWN_TENANT_POD;
  let namespaceLabels: ((namespace: string) => Labels | undefined) | undefined;
  for (const rule of rulesFor(policy, direction)) {
    // Ports first: most rules are for other ports, and that answer costs nothing to find.
    if (!portMatches(rule.ports, port, destination)) continue;
    namespaceLabels ??= (namespace) =>
      peer.kind === 'pod' && peer.pod.namespace === namespace && peerNamespaceLabels !== undefined ? peerNamespaceLabels : lookup.namespaceLabels(namespace);
    if (peersAdmit(rule, policy.namespace, peer, namespaceLabels)) return true;
  }
  return false;
}

/** UNKNOWN_TENANT_POD is the destination of an ingress requirement: a tenant pod whose labels and container ports are unknown. */
const UNKNOWN_TENANT_POD: Endpoint = { kind: 'pod', pod: { namespace: '', name: '', labels: new Map(), ips: [], containerPorts: [] } };

/**
 * servedBy says whether a pod whose isolating policies (in the service's direction) are `policies`
 * can use the service: some alternative has each requirement allowed by one of them.
 */
export function servedBy(
  service: EssentialService,
  policies: readonly NetworkPolicy[],
  lookup: Pick<PolicyLookup, 'namespaceLabels'>,
): boolean {
  return service.alternatives.some((alternative) =>
    alternative.every((requirement) => policies.some((policy) => policyAllowsRequirement(policy, service.direction, requirement, lookup))),
  );
}
