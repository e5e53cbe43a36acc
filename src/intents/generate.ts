import { INTENTS_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../guardrails/baseline.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import type { ClientIntents, IntentsTarget } from '../model/client-intents.js';
import { intentsId } from '../model/client-intents.js';
import type { ClusterState } from '../model/cluster-state.js';
import { cidrOfAddress } from '../model/ip.js';
import { formatLabels, labelsOf } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { METADATA_NAME_LABEL } from '../model/namespace.js';
import type { NetworkPolicy, Peer, PolicyPort, PolicyRule } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import type { LabelSelector } from '../model/selector.js';

/**
 * The policies ClientIntents call for, label-free and port-exact. A client's pods are its
 * workload's pod template labels; a server's, the target workload's template labels or the target
 * Service's selector. Each client gets one egress policy (its targets and the essential services it
 * needs), each server one ingress policy (every client that names it), in their own namespaces.
 * Ports: a Service target's target ports (a named one resolves per pod, as the Service does), a
 * workload target's declared container ports (every port only when it declares none), an internet
 * target's ports (TCP; every port when none). The same intents give the same policies, byte for byte.
 */

/** POLICY_PREFIX starts every generated policy's name: `netfence-intents-CLIENT`, `netfence-intents-to-SERVER`. */
export const POLICY_PREFIX = 'netfence-intents-';

/** Controllers add these labels to the pods they make: they are no part of a pod template. */
const CONTROLLER_LABELS = ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'controller-uid', 'job-name', 'batch.kubernetes.io/controller-uid', 'batch.kubernetes.io/job-name'];

/** PodGroup is a workload or a Service's pods in one namespace, selected by labels. */
export interface PodGroup {
  readonly namespace: string;
  /** name is how messages name it: `Deployment/server`, `Service/server`. */
  readonly name: string;
  readonly labels: Labels;
  readonly pods: readonly Pod[];
}

/** DeclaredConnection is one connection an intent declares: from a client's pods to a server's pods or addresses, on ports (null: every port). */
export interface DeclaredConnection {
  readonly intents: string;
  readonly field: string;
  readonly client: PodGroup;
  readonly to: { readonly kind: 'pods'; readonly server: PodGroup } | { readonly kind: 'addresses'; readonly peers: readonly Peer[]; readonly description: string };
  readonly ports: readonly PolicyPort[] | null;
}

/** GeneratedPolicies is what a set of ClientIntents calls for. */
export interface GeneratedPolicies {
  /** policies, in namespace and name order. */
  readonly policies: readonly NetworkPolicy[];
  readonly connections: readonly DeclaredConnection[];
  /** notices say what could not be generated, or was left out on purpose, and why: one line each. */
  readonly notices: readonly string[];
}

/** generateIntentPolicies writes the policies `intents` call for in `state`, with the essential egress each client keeps. */
export function generateIntentPolicies(state: ClusterState, intents: readonly ClientIntents[], essentials: EssentialServices): GeneratedPolicies {
  const notices: string[] = [];
  const connections: DeclaredConnection[] = [];
  for (const object of [...intents].sort((a, b) => compare(intentsId(a), intentsId(b)))) {
    const where = `ClientIntents ${intentsId(object)}`;
    const client = workloadGroup(state, object.namespace, object.client.name, object.client.kind);
    if (client === undefined) {
      notices.push(`${where}: its client ${describeWorkload(object.namespace, object.client.name, object.client.kind)} is not in the state: nothing is generated for it`);
      continue;
    }
    for (const target of object.targets) connections.push(...connectionsOf(state, object, where, client, target, notices));
  }
  const essentialEgress = essentials.services.filter((service) => service.direction === 'Egress').map((service) => service.fixRule);
  // A server that provides an essential service (CoreDNS) gets no ingress policy: it would admit only the
  // clients that name it and cut every other pod of the cluster off. Its clients' egress is written as usual.
  const essentialPods = new Set(essentials.services.flatMap((service) => service.alternatives.flat().flatMap((requirement) => (requirement.peer.kind === 'pod' ? [requirement.peer.pod] : []))));
  const protectedServers = connections.filter((connection) => connection.to.kind !== 'pods' || !connection.to.server.pods.some((pod) => essentialPods.has(pod)));
  for (const connection of connections) {
    if (protectedServers.includes(connection) || connection.to.kind !== 'pods') continue;
    const notice = `ClientIntents ${connection.intents} ${connection.field}: ${connection.to.server.namespace}/${connection.to.server.name} provides an essential service: no ingress policy is written for it (it would cut every other pod off); its clients' egress is`;
    if (!notices.includes(notice)) notices.push(notice);
  }
  const policies = [...egressPolicies(connections, essentialEgress), ...ingressPolicies(protectedServers)].sort((a, b) => compare(a.namespace, b.namespace) || compare(a.name, b.name));
  return { policies, connections, notices };
}

function connectionsOf(state: ClusterState, object: ClientIntents, where: string, client: PodGroup, target: IntentsTarget, notices: string[]): DeclaredConnection[] {
  const base = { intents: intentsId(object), field: target.field, client };
  switch (target.kind) {
    case 'ignored':
      notices.push(`${where} ${target.field}: a ${target.type} target (${target.name}) has nothing to do for the network: ignored`);
      return [];
    case 'internet': {
      if (target.domains.length > 0) notices.push(`${where} ${target.field}: domains (${target.domains.join(', ')}) cannot be resolved offline: not allowed; name their addresses under ips`);
      if (target.ips.length === 0) return [];
      const peers: Peer[] = target.ips.map((cidr) => ({ kind: 'ipBlock', block: { cidr, except: [] } }));
      const ports = target.ports.length === 0 ? null : target.ports.map((port): PolicyPort => ({ protocol: 'TCP', range: { kind: 'numbers', from: port, to: port } }));
      return [{ ...base, to: { kind: 'addresses', peers, description: target.ips.map((cidr) => cidr.text).join(', ') }, ports }];
    }
    case 'service': {
      if (target.name === 'kubernetes' && target.namespace === 'default') return apiServerConnection(state, base, where, notices);
      const service = state.services().find((candidate) => candidate.namespace === target.namespace && candidate.name === target.name);
      if (service === undefined) {
        notices.push(`${where} ${target.field}: Service ${target.namespace}/${target.name} is not in the state: nothing is generated for it`);
        return [];
      }
      if (service.selector === null || service.selector.size === 0) {
        notices.push(`${where} ${target.field}: Service ${target.namespace}/${target.name} has no selector (its endpoints are kept by hand): nothing is generated for it`);
        return [];
      }
      const selector = service.selector;
      const pods = state.podsIn(target.namespace).filter((pod) => [...selector].every(([key, value]) => pod.labels.get(key) === value));
      const ports = service.ports.map((port): PolicyPort => ({ protocol: port.protocol, range: typeof port.targetPort === 'string' ? { kind: 'named', name: port.targetPort } : { kind: 'numbers', from: port.targetPort, to: port.targetPort } }));
      return [{ ...base, to: { kind: 'pods', server: { namespace: target.namespace, name: `Service/${target.name}`, labels: selector, pods } }, ports: ports.length === 0 ? null : ports }];
    }
    case 'workload': {
      const server = workloadGroup(state, target.namespace, target.name, target.workloadKind);
      if (server === undefined) {
        notices.push(`${where} ${target.field}: ${describeWorkload(target.namespace, target.name, target.workloadKind)} is not in the state: nothing is generated for it`);
        return [];
      }
      const declared = new Map<string, PolicyPort>();
      for (const pod of server.pods) for (const port of pod.containerPorts) declared.set(`${port.port}/${port.protocol}`, { protocol: port.protocol, range: { kind: 'numbers', from: port.port, to: port.port } });
      if (declared.size === 0) notices.push(`${where} ${target.field}: ${server.namespace}/${server.name} declares no container port: every port is allowed to it`);
      const ports = [...declared.values()].sort((a, b) => compare(portKey(a), portKey(b)));
      return [{ ...base, to: { kind: 'pods', server }, ports: ports.length === 0 ? null : ports }];
    }
  }
}

/** apiServerConnection is `kubernetes.default`: the API server's real endpoints (EndpointSlices of default/kubernetes) on their real ports. */
function apiServerConnection(state: ClusterState, base: Pick<DeclaredConnection, 'intents' | 'field' | 'client'>, where: string, notices: string[]): DeclaredConnection[] {
  const slices = state.endpointSlices().filter((slice) => slice.namespace === 'default' && slice.serviceName === 'kubernetes');
  const addresses = [...new Map(slices.flatMap((slice) => slice.addresses).map((address) => [address.text, address])).values()];
  const ports = [...new Map(slices.flatMap((slice) => slice.ports).map((port) => [`${port.port}/${port.protocol}`, port])).values()];
  if (addresses.length === 0 || ports.length === 0) {
    notices.push(`${where} ${base.field}: the API server's endpoints (EndpointSlices of default/kubernetes) are not in the state: nothing is generated for it`);
    return [];
  }
  const peers: Peer[] = addresses.map((address) => ({ kind: 'ipBlock', block: { cidr: cidrOfAddress(address), except: [] } }));
  return [{ ...base, to: { kind: 'addresses', peers, description: `the API server (${addresses.map((address) => address.text).join(', ')})` }, ports: ports.map((port): PolicyPort => ({ protocol: port.protocol, range: { kind: 'numbers', from: port.port, to: port.port } })) }];
}

/**
 * workloadGroup finds a workload's pods (its real pods, or its pod template in a state from files)
 * and the labels its template gives them: those every pod has, less the ones controllers add.
 */
export function workloadGroup(state: ClusterState, namespace: string, name: string, kind: string | undefined): PodGroup | undefined {
  const pods = state.podsIn(namespace).filter((pod) => pod.workload !== undefined && pod.workload.name === name && (kind === undefined || pod.workload.kind === kind));
  const [first] = pods;
  if (first?.workload === undefined) return undefined;
  const workloadKind = first.workload.kind;
  const mine = pods.filter((pod) => pod.workload?.kind === workloadKind);
  const labels = labelsOf([...first.labels].filter(([key, value]) => !CONTROLLER_LABELS.includes(key) && mine.every((pod) => pod.labels.get(key) === value)));
  return { namespace, name: `${workloadKind}/${name}`, labels, pods: mine };
}

function describeWorkload(namespace: string, name: string, kind: string | undefined): string {
  return `${kind ?? 'workload'} ${namespace}/${name}`;
}

/** selectorOf is a label set as a selector that requires each of its labels. */
function selectorOf(labels: Labels): LabelSelector {
  return { matchLabels: labels, matchExpressions: [] };
}

function podsPeer(group: PodGroup): Peer {
  return { kind: 'pods', namespaceSelector: selectorOf(labelsOf([[METADATA_NAME_LABEL, group.namespace]])), podSelector: selectorOf(group.labels) };
}

/** egressPolicies: one per client, its targets' rules (deduplicated, in a stable order) and then the essential egress. */
function egressPolicies(connections: readonly DeclaredConnection[], essentialEgress: readonly PolicyRule[]): NetworkPolicy[] {
  return [...groupBy(connections, (connection) => groupKey(connection.client)).values()].map((ofClient) => {
    const client = ofClient[0]?.client;
    if (client === undefined) throw new Error('a client without connections');
    const rules = uniqueRules(ofClient.map((connection): PolicyRule => ({ peers: connection.to.kind === 'pods' ? [podsPeer(connection.to.server)] : connection.to.peers, ports: connection.ports })));
    return generatedPolicy(client.namespace, `${POLICY_PREFIX}${baseName(client)}`, 'client', client.labels, 'Egress', [...rules, ...essentialEgress]);
  });
}

/** ingressPolicies: one per server, a rule per client that names it, on the ports it declared. */
function ingressPolicies(connections: readonly DeclaredConnection[]): NetworkPolicy[] {
  const toPods = connections.flatMap((connection) => (connection.to.kind === 'pods' ? [{ connection, server: connection.to.server }] : []));
  const byServer = groupBy(toPods, ({ server }) => groupKey(server));
  const taken = new Map<string, string>();
  return [...byServer.values()].map((ofServer) => {
    const server = ofServer[0]?.server;
    if (server === undefined) throw new Error('a server without connections');
    // A Deployment and a Service may share a name with different selectors: the Service's policy says so.
    let name = `${POLICY_PREFIX}to-${baseName(server)}`;
    const key = `${server.namespace}/${name}`;
    if (taken.has(key) && taken.get(key) !== groupKey(server)) name = `${name}-${server.name.split('/')[0]?.toLowerCase() ?? 'pods'}`;
    taken.set(`${server.namespace}/${name}`, groupKey(server));
    const rules = uniqueRules(ofServer.map(({ connection }): PolicyRule => ({ peers: [podsPeer(connection.client)], ports: connection.ports })));
    return generatedPolicy(server.namespace, name, 'server', server.labels, 'Ingress', rules);
  });
}

function generatedPolicy(namespace: string, name: string, role: 'client' | 'server', labels: Labels, direction: 'Ingress' | 'Egress', rules: readonly PolicyRule[]): NetworkPolicy {
  return {
    namespace,
    name,
    labels: labelsOf([[MANAGED_BY_LABEL, MANAGED_BY_VALUE], [INTENTS_LABEL, role]]),
    podSelector: selectorOf(labels),
    policyTypes: new Set([direction]),
    policyTypesDefaulted: false,
    ingress: direction === 'Ingress' ? rules : [],
    egress: direction === 'Egress' ? rules : [],
  };
}

/** baseName is a pod group's name without its kind: `server` of `Deployment/server`. */
function baseName(group: PodGroup): string {
  return group.name.slice(group.name.indexOf('/') + 1);
}

function groupKey(group: PodGroup): string {
  return `${group.namespace}\u0000${formatLabels(group.labels)}\u0000${baseName(group)}`;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => compare(key(a), key(b)))) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

/** uniqueRules drops repeated rules and orders the rest by their text, so the output never depends on input order. */
function uniqueRules(rules: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map(rules.map((rule) => [ruleKey(rule), rule]));
  return [...byKey.keys()].sort(compare).flatMap((key) => byKey.get(key) ?? []);
}

function ruleKey(rule: PolicyRule): string {
  const peers = rule.peers === null ? '*' : rule.peers.map((peer) => (peer.kind === 'ipBlock' ? `ip:${peer.block.cidr.text}` : `pods:${formatLabels(peer.namespaceSelector?.matchLabels ?? new Map())}:${formatLabels(peer.podSelector.matchLabels)}`)).join('|');
  const ports = rule.ports === null ? '*' : rule.ports.map(portKey).join('|');
  return `${peers} ${ports}`;
}

function portKey(port: PolicyPort): string {
  const range = port.range.kind === 'any' ? '*' : port.range.kind === 'named' ? port.range.name : `${String(port.range.from).padStart(5, '0')}-${port.range.to}`;
  return `${port.protocol}/${range}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
