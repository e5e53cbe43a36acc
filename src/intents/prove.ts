import { peersAdmit, selectsPod } from '../engine/connection.js';
import type { Endpoint } from '../engine/connection.js';
import { ReachabilityMap, classifyPods, rulePorts } from '../engine/reachability.js';
import type { PodClass } from '../engine/reachability.js';
import type { Config } from '../guardrails/config.js';
import type { EssentialServices } from '../guardrails/resolve-essential-services.js';
import { reviewChange } from '../guardrails/review.js';
import type { Requester } from '../guardrails/rules/change.js';
import { findCutOff, policySetOf } from '../guardrails/rules/essential-access.js';
import { podName } from '../guardrails/affected-pods.js';
import { withPolicies } from '../model/cluster-state.js';
import type { ClusterState, PolicyLookup } from '../model/cluster-state.js';
import { policyId } from '../model/network-policy.js';
import { matchesSelector } from '../model/selector.js';
import type { NetworkPolicy, PolicyRule } from '../model/network-policy.js';
import type { Pod } from '../model/pod.js';
import { PortSet } from '../model/port-set.js';
import type { DeclaredConnection, GeneratedPolicies } from './generate.js';

/**
 * The proof that generated policies do what the intents say, from netfence's own engine, before
 * anything is written or printed. Over the pods the intents govern (every client's and server's):
 * - the generated policies alone open, from each client to each governed pod, exactly the ports
 *   its intents declare there (nothing more, nothing less);
 * - with the cluster's own policies as well, every declared connection is open; what else is open
 *   between governed pods is opened by another policy, reported with its name;
 * - every client keeps its essential services (cluster DNS);
 * - every generated policy passes the guardrails, applied one by one as netfence applies them.
 */

/** OpenedElsewhere is a connection between governed pods that no intent declares, and the policies that open it. */
export interface OpenedElsewhere {
  readonly from: string;
  readonly to: string;
  readonly ports: string;
  readonly policies: readonly string[];
}

/** IntentsProof is the outcome: what was checked, what other policies open, and every failure (none: proven). */
export interface IntentsProof {
  readonly connections: number;
  readonly governedPods: number;
  readonly pairs: number;
  readonly policies: number;
  readonly openedElsewhere: readonly OpenedElsewhere[];
  readonly failures: readonly string[];
}

/** proveIntentPolicies checks generated policies against the state they will be applied to. */
export function proveIntentPolicies(state: ClusterState, generated: GeneratedPolicies, config: Config, essentials: EssentialServices): IntentsProof {
  const failures: string[] = [];
  const full = withPolicies(state, generated.policies);
  const governed = governedPods(state, generated, essentials);
  const classes = classifyPods(governed, full.policies());
  const classOf = new Map<Pod, number>();
  classes.forEach((podClass, index) => podClass.pods.forEach((pod) => classOf.set(pod, index)));
  const generatedIn = new Map<string, NetworkPolicy[]>();
  for (const policy of generated.policies) generatedIn.set(policy.namespace, [...(generatedIn.get(policy.namespace) ?? []), policy]);
  const onlyGenerated: PolicyLookup = {
    policiesIn: (namespace) => generatedIn.get(namespace) ?? [],
    namespaceLabels: (namespace) => state.namespaceLabels(namespace),
  };
  const generatedMap = new ReachabilityMap(onlyGenerated, classes);
  const fullMap = new ReachabilityMap(full, classes);
  const generatedIds = new Set(generated.policies.map(policyId));
  const declared = declaredPorts(generated.connections, classes, classOf, (index) => fullMap.endpoint(index));
  const openedElsewhere: OpenedElsewhere[] = [];
  let pairs = 0;
  // Sources: every client, and every pod a generated egress policy selects (a pod with a client's labels is one).
  const egressSelected = governed.filter((pod) => generated.policies.some((policy) => policy.policyTypes.has('Egress') && selectsPod(policy, 'Egress', pod)));
  const sources = new Set([...generated.connections.flatMap((connection) => connection.client.pods), ...egressSelected].map((pod) => classOf.get(pod) ?? -1));
  for (const source of sources) {
    if (source < 0) continue;
    const from = (): string => classNameOf(classes[source]);
    // Where only generated policies isolate the source's egress, what the cluster opens from it is at most
    // what they open (checked just below), and a declared server's generated ingress keeps the declared
    // ports open: the cluster's policies need no second look. Otherwise every pair is looked at again.
    const handWrittenEgress = fullMap.isolatedBy('Egress', source).some((policy) => !generatedIds.has(policyId(policy)));
    for (let target = 0; target < classes.length; target++) {
      if (source === target && (classes[source]?.pods.length ?? 0) < 2) continue; // a pod to itself is always open
      pairs++;
      const wanted = declared.get(source)?.get(target) ?? PortSet.NONE;
      const to = (): string => classNameOf(classes[target]);
      const byGenerated = generatedMap.ports(source, target);
      if (!byGenerated.equals(wanted)) {
        const more = byGenerated.subtract(wanted);
        const less = wanted.subtract(byGenerated);
        failures.push(`${from()} -> ${to()}: the generated policies open ${more.isEmpty() ? '' : `${more.format()} that no intent declares`}${!more.isEmpty() && !less.isEmpty() ? ' and ' : ''}${less.isEmpty() ? '' : `not the declared ${less.format()}`}`);
      }
      if (!handWrittenEgress && wanted.isEmpty()) continue;
      const open = fullMap.ports(source, target);
      const closed = wanted.subtract(open);
      if (!closed.isEmpty()) failures.push(`${from()} -> ${to()}: declared ${closed.format()} is not open`);
      const extra = open.subtract(wanted);
      if (extra.isEmpty()) continue;
      const why = fullMap.explain(source, target);
      const policies = [...new Set([...why.egress.grants, ...why.ingress.grants].map((grant) => grant.rule.policy).filter((id) => !generatedIds.has(id)))];
      const unisolated = [why.egress, why.ingress].filter((side) => !side.isolated).map((side) => `${side.direction} not isolated`);
      openedElsewhere.push({ from: from(), to: to(), ports: extra.format(), policies: [...policies, ...unisolated] });
    }
  }
  failures.push(...essentialFailures(full, generated, essentials));
  failures.push(...guardrailFailures(state, generated.policies, config, essentials));
  return { connections: generated.connections.length, governedPods: governed.length, pairs, policies: generated.policies.length, openedElsewhere, failures };
}

/** classNameOf names a class by its first pod, and the other workloads in it: pods no policy can tell apart. */
function classNameOf(podClass: PodClass | undefined): string {
  const names = [...new Set((podClass?.pods ?? []).map(podName))];
  const [first, ...others] = names;
  return others.length === 0 ? (first ?? '?') : `${first ?? '?'} (with ${others.join(', ')}, which no policy can tell apart from it)`;
}

/**
 * governedPods are the pods the intents govern: every client's and every server's, and every other
 * pod the generated policies select or let in by their labels (a workload no intent names, whose
 * labels include a client's or a server's, is governed all the same: the policies cannot tell it apart).
 */
function governedPods(state: ClusterState, generated: GeneratedPolicies, essentials: EssentialServices): Pod[] {
  const essentialRules = new Set<PolicyRule>(essentials.services.map((service) => service.fixRule));
  const pods = new Set<Pod>();
  for (const connection of generated.connections) {
    for (const pod of connection.client.pods) pods.add(pod);
    if (connection.to.kind === 'pods') for (const pod of connection.to.server.pods) pods.add(pod);
  }
  for (const policy of generated.policies) {
    for (const pod of state.podsIn(policy.namespace)) if (matchesSelector(policy.podSelector, pod.labels)) pods.add(pod);
    for (const rule of [...policy.ingress, ...policy.egress]) {
      if (essentialRules.has(rule)) continue; // the essential egress's peers (CoreDNS) are no intent's
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'pods') continue;
        for (const namespace of state.namespaces()) {
          if (peer.namespaceSelector === null ? namespace.name !== policy.namespace : !matchesSelector(peer.namespaceSelector, namespace.labels)) continue;
          for (const pod of state.podsIn(namespace.name)) if (matchesSelector(peer.podSelector, pod.labels)) pods.add(pod);
        }
      }
    }
  }
  return [...pods];
}

/**
 * declaredPorts is, per pair of classes, the ports the intents declare from every pod of the first
 * to every pod of the second: a server's ports resolved on its pods (named ports per pod), or an
 * address target's ports where a governed pod's address falls in its blocks. Policies cannot tell
 * the pods of one class apart, so a class counts as declared only where all its pods are. Pairs
 * no intent connects are absent (nothing declared).
 */
function declaredPorts(connections: readonly DeclaredConnection[], classes: readonly PodClass[], classOf: ReadonlyMap<Pod, number>, endpoint: (index: number) => Endpoint): Map<number, Map<number, PortSet>> {
  // Per pair of pods, what the connections declare (pods with an address, for address targets).
  const addressed = [...classOf.keys()].filter((pod) => pod.ips.length > 0);
  const byPods = new Map<Pod, Map<Pod, PortSet>>();
  for (const connection of connections) {
    const targets =
      connection.to.kind === 'pods'
        ? connection.to.server.pods
        : addressed.filter((pod) => peersAdmit({ peers: connection.to.kind === 'addresses' ? connection.to.peers : [], ports: null }, connection.client.namespace, { kind: 'pod', pod }, () => undefined));
    for (const source of connection.client.pods) {
      let row = byPods.get(source);
      if (row === undefined) byPods.set(source, (row = new Map()));
      for (const target of targets) {
        const index = classOf.get(target);
        if (index === undefined) continue;
        row.set(target, (row.get(target) ?? PortSet.NONE).union(rulePorts(connection.ports, endpoint(index))));
      }
    }
  }
  const declared = new Map<number, Map<number, PortSet>>();
  for (const [sourcePod, row] of byPods) {
    const source = classOf.get(sourcePod);
    if (source === undefined || declared.has(source)) continue;
    const sourceClass = classes[source];
    const perTarget = new Map<number, PortSet>();
    for (const target of new Set([...row.keys()].flatMap((pod) => classOf.get(pod) ?? []))) {
      let ports: PortSet | undefined;
      for (const from of sourceClass?.pods ?? []) {
        for (const to of classes[target]?.pods ?? []) {
          if (from === to) continue;
          const pair = byPods.get(from)?.get(to) ?? PortSet.NONE;
          ports = ports === undefined ? pair : ports.intersect(pair);
        }
      }
      if (ports !== undefined && !ports.isEmpty()) perTarget.set(target, ports);
    }
    declared.set(source, perTarget);
  }
  return declared;
}

/** essentialFailures: a client that cannot use an essential egress service with the policies in place. */
function essentialFailures(full: ClusterState, generated: GeneratedPolicies, essentials: EssentialServices): string[] {
  const failures: string[] = [];
  const clients = new Map(generated.connections.map((connection) => [`${connection.client.namespace}/${connection.client.name}`, connection.client]));
  for (const [name, client] of clients) {
    const set = policySetOf(full.policiesIn(client.namespace), full);
    for (const service of essentials.services.filter((candidate) => candidate.direction === 'Egress')) {
      if (findCutOff(service, { matchLabels: client.labels, matchExpressions: [] }, set).kind !== 'served') failures.push(`${name} cannot reach ${service.name} (${service.describe})`);
    }
  }
  return failures;
}

/** guardrailFailures: each generated policy, applied in order as netfence would, must pass every rule. */
function guardrailFailures(state: ClusterState, policies: readonly NetworkPolicy[], config: Config, essentials: EssentialServices): string[] {
  const requester: Requester = { username: config.privileged.users[0] ?? `system:serviceaccount:${config.namespace}:netfence`, groups: [] };
  const failures: string[] = [];
  let current = state;
  for (const policy of policies) {
    const oldPolicy = current.policiesIn(policy.namespace).find((existing) => existing.name === policy.name);
    const review = reviewChange({ kind: 'NetworkPolicy', operation: oldPolicy === undefined ? 'CREATE' : 'UPDATE', namespace: policy.namespace, name: policy.name, policy, oldPolicy, requester }, { state: current, config, essentials });
    for (const finding of review.findings) if (finding.severity === 'deny') failures.push(`${policyId(policy)} breaks ${finding.rule}: ${finding.summary}`);
    current = withPolicies(current, [policy]);
  }
  return failures;
}
