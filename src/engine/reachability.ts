import type { PolicyLookup } from '../model/cluster-state.js';
import { peerMatches, peersAdmit, selectsPod } from './connection.js';
import type { Endpoint, RuleRef } from './connection.js';
import type { Labels } from '../model/labels.js';
import { policyId, rulesFor } from '../model/network-policy.js';
import type { Direction, IpBlock, NetworkPolicy, PolicyPort, PolicyRule } from '../model/network-policy.js';
import { isTemplatePod } from '../model/pod.js';
import type { Pod } from '../model/pod.js';
import { PortSet } from '../model/port-set.js';

/**
 * Reachability: the exact set of ports and protocols on which one endpoint may open a connection
 * to another, with the rules that grant each part. It means what `evaluateConnection` means, port
 * by port, but answers every port at once as ranges: the source's egress side (the rules of the
 * policies isolating it whose peers admit the destination, each contributing its ports) intersected
 * with the destination's ingress side. An IP endpoint is outside the cluster: only the pod side's
 * policies apply. A pod may always reach itself ("a pod cannot block access to itself").
 *
 * For many pods, `ReachabilityMap` answers the same question between classes of identical pods
 * (same namespace, labels and container ports, and the same answer from every ipBlock of the
 * policies): every member of a class gets the same answers, so each is computed once.
 */

/** RuleGrant is one rule whose peers admit the remote endpoint, and the ports it opens towards the destination. */
export interface RuleGrant {
  readonly rule: RuleRef;
  /** ports may be empty: the peer matches, but a named port does not resolve on the destination. */
  readonly ports: PortSet;
}

/**
 * SideAccess is one side's answer over every port: the egress of the source towards the
 * destination, or the ingress of the destination from the source. `applies` is false for an IP
 * endpoint (no policy selects it); a side that no policy isolates (`isolated` false) allows every
 * port; an isolated side allows the union of its grants' ports.
 */
export interface SideAccess {
  readonly direction: Direction;
  readonly applies: boolean;
  readonly isolated: boolean;
  /** selectedBy are the policies that isolate the pod in this direction (`ns/name`). */
  readonly selectedBy: readonly string[];
  readonly ports: PortSet;
  readonly grants: readonly RuleGrant[];
}

/**
 * Reachability is the answer for an ordered pair of endpoints: `ports` is egress ∩ ingress, or
 * every port when the pair is a pod and itself (`self`; the sides are still given, for
 * explanations).
 */
export interface Reachability {
  readonly ports: PortSet;
  readonly self: boolean;
  readonly egress: SideAccess;
  readonly ingress: SideAccess;
}

/**
 * rulePorts is what a rule's `ports` admit towards a destination: every port of every protocol
 * when absent; per entry its protocol's ports, one port, an endPort range, or a named port resolved
 * against the destination's container ports (of that name and protocol; none for an address).
 */
export function rulePorts(ports: readonly PolicyPort[] | null, destination: Endpoint): PortSet {
  if (ports === null) return PortSet.ALL;
  let set = PortSet.NONE;
  for (const entry of ports) {
    const range = entry.range;
    switch (range.kind) {
      case 'any':
        set = set.union(PortSet.protocol(entry.protocol));
        break;
      case 'numbers':
        set = set.union(PortSet.range(entry.protocol, range.from, range.to));
        break;
      case 'named':
        if (destination.kind !== 'pod') break;
        for (const container of destination.pod.containerPorts) {
          if (container.name === range.name && container.protocol === entry.protocol) set = set.union(PortSet.range(entry.protocol, container.port, container.port));
        }
        break;
    }
  }
  return set;
}

/** hasNamedPort says whether a rule's ports depend on the destination (a named port). */
function hasNamedPort(ports: readonly PolicyPort[] | null): boolean {
  return ports !== null && ports.some((entry) => entry.range.kind === 'named');
}

const notApplicable = (direction: Direction): SideAccess => ({ direction, applies: false, isolated: false, selectedBy: [], ports: PortSet.ALL, grants: [] });

/**
 * sideAccess evaluates one side over every port: the egress of `local` towards `remote`, or the
 * ingress of `local` from `remote`.
 */
export function sideAccess(lookup: PolicyLookup, direction: Direction, local: Endpoint, remote: Endpoint): SideAccess {
  if (local.kind !== 'pod') return notApplicable(direction);
  const pod = local.pod;
  const destination = direction === 'Egress' ? remote : local;
  const namespaceLabels = (namespace: string): Labels | undefined => lookup.namespaceLabels(namespace);
  const selecting = lookup.policiesIn(pod.namespace).filter((policy) => selectsPod(policy, direction, pod));
  const grants: RuleGrant[] = [];
  for (const policy of selecting) {
    rulesFor(policy, direction).forEach((rule, index) => {
      if (peersAdmit(rule, policy.namespace, remote, namespaceLabels)) {
        grants.push({ rule: { policy: policyId(policy), direction, index }, ports: rulePorts(rule.ports, destination) });
      }
    });
  }
  const isolated = selecting.length > 0;
  const ports = isolated ? grants.reduce((set, grant) => set.union(grant.ports), PortSet.NONE) : PortSet.ALL;
  return { direction, applies: true, isolated, selectedBy: selecting.map(policyId), ports, grants };
}

/** samePod says whether two endpoints are one real pod (a workload template stands for several pods). */
export function samePod(a: Endpoint, b: Endpoint): boolean {
  return a.kind === 'pod' && b.kind === 'pod' && !isTemplatePod(a.pod) && a.pod.namespace === b.pod.namespace && a.pod.name === b.pod.name;
}

function reachability(lookup: PolicyLookup, from: Endpoint, to: Endpoint, self: boolean): Reachability {
  const egress = sideAccess(lookup, 'Egress', from, to);
  const ingress = sideAccess(lookup, 'Ingress', to, from);
  return { ports: self ? PortSet.ALL : egress.ports.intersect(ingress.ports), self, egress, ingress };
}

/** allowedPorts is every port and protocol on which `from` may open a connection to `to`, and why. */
export function allowedPorts(lookup: PolicyLookup, from: Endpoint, to: Endpoint): Reachability {
  return reachability(lookup, from, to, samePod(from, to));
}

// --- classes of identical pods -------------------------------------------------------------------

/**
 * PodClass is a set of pods that every policy treats alike: one namespace, the same labels and
 * container ports, and the same answer from every ipBlock peer. The first pod stands for them all.
 */
export interface PodClass {
  readonly namespace: string;
  readonly pods: readonly Pod[];
}

/** standsForOnePod says whether a class is one real pod (then its connection to itself is the pod's to itself). */
export function standsForOnePod(podClass: PodClass): boolean {
  const [first, second] = podClass.pods;
  return first !== undefined && second === undefined && !isTemplatePod(first);
}

/** ipBlocksOf lists the distinct ipBlock peers of some policies: the only way a pod's address matters. */
export function ipBlocksOf(policies: Iterable<NetworkPolicy>): IpBlock[] {
  const blocks = new Map<string, IpBlock>();
  for (const policy of policies) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'ipBlock') continue;
        const key = [peer.block.cidr.text, ...peer.block.except.map((cidr) => cidr.text)].join(' ');
        if (!blocks.has(key)) blocks.set(key, peer.block);
      }
    }
  }
  return [...blocks.values()];
}

/**
 * podClassKey is what policies can tell about a pod: two pods with the same key get the same
 * answers from every policy whose ipBlocks are among `blocks`.
 */
export function podClassKey(pod: Pod, blocks: readonly IpBlock[]): string {
  const labels = [...pod.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, value]) => `${key}=${value}`);
  const ports = pod.containerPorts.map((port) => `${port.name ?? ''}:${port.port}/${port.protocol}`).sort();
  const endpoint: Endpoint = { kind: 'pod', pod };
  const addresses = pod.ips.length === 0 ? '' : blocks.map((block) => (peerMatches({ kind: 'ipBlock', block }, pod.namespace, endpoint, () => undefined) ? '1' : '0')).join('');
  return JSON.stringify([pod.namespace, labels, ports, addresses.includes('1') ? addresses : '']);
}

/** classifyPods groups pods into classes (in the order of their first pods), for the ipBlocks of `policies`. */
export function classifyPods(pods: readonly Pod[], policies: Iterable<NetworkPolicy>): PodClass[] {
  const blocks = ipBlocksOf(policies);
  const classes = new Map<string, { namespace: string; pods: Pod[] }>();
  for (const pod of pods) {
    const key = podClassKey(pod, blocks);
    const found = classes.get(key);
    if (found === undefined) classes.set(key, { namespace: pod.namespace, pods: [pod] });
    else found.pods.push(pod);
  }
  return [...classes.values()];
}

const UNKNOWN = 0;
const ADMITTED = 1;
const NOT_ADMITTED = 2;

/**
 * ReachabilityMap answers reachability between the classes of one state, by index. What does not
 * depend on the pair is computed once and kept: the policies isolating each class (found through
 * the namespace's policies only), whether each rule's peers admit each class, and each rule's ports
 * towards each class (once per rule when it names no port). A class's connection to itself is
 * every port when it is one real pod; otherwise it is what its members get from one another.
 */
export class ReachabilityMap {
  private readonly endpoints: readonly Endpoint[];
  private readonly selecting: Record<Direction, (readonly NetworkPolicy[] | undefined)[]>;
  private readonly admitted: Record<Direction, Map<NetworkPolicy, Uint8Array[]>> = { Ingress: new Map(), Egress: new Map() };
  private readonly portsByRule = new Map<PolicyRule, PortSet | (PortSet | undefined)[]>();
  private readonly namespaceLabels: (namespace: string) => Labels | undefined;

  constructor(
    readonly lookup: PolicyLookup,
    readonly classes: readonly PodClass[],
  ) {
    this.endpoints = classes.map((podClass): Endpoint => {
      const [pod] = podClass.pods;
      if (pod === undefined) throw new Error('a pod class without pods');
      return { kind: 'pod', pod };
    });
    this.selecting = { Ingress: new Array(classes.length), Egress: new Array(classes.length) };
    this.namespaceLabels = (namespace) => lookup.namespaceLabels(namespace);
  }

  /** endpoint is the pod that stands for class `index`. */
  endpoint(index: number): Endpoint {
    const endpoint = this.endpoints[index];
    if (endpoint === undefined) throw new RangeError(`no pod class ${index}`);
    return endpoint;
  }

  /** isolatedBy lists the policies that isolate class `index` in `direction` (none: not isolated). */
  isolatedBy(direction: Direction, index: number): readonly NetworkPolicy[] {
    const cached = this.selecting[direction][index];
    if (cached !== undefined) return cached;
    const endpoint = this.endpoint(index);
    const pod = endpoint.kind === 'pod' ? endpoint.pod : undefined;
    const policies = pod === undefined ? [] : this.lookup.policiesIn(pod.namespace).filter((policy) => selectsPod(policy, direction, pod));
    this.selecting[direction][index] = policies;
    return policies;
  }

  /** ports is every port on which the members of class `source` may connect to those of class `target`. */
  ports(source: number, target: number): PortSet {
    const podClass = this.classes[source];
    if (source === target && podClass !== undefined && standsForOnePod(podClass)) return PortSet.ALL;
    const egress = this.egressPorts(source, target);
    return egress.isEmpty() ? egress : egress.intersect(this.ingressPorts(source, target));
  }

  /** egressPorts is what the source's egress side allows towards the target. */
  egressPorts(source: number, target: number): PortSet {
    return this.sidePorts('Egress', source, target, target);
  }

  /** ingressPorts is what the target's ingress side allows from the source. */
  ingressPorts(source: number, target: number): PortSet {
    return this.sidePorts('Ingress', target, source, target);
  }

  /** explain is the full answer for a pair of classes, with the rules behind each side. */
  explain(source: number, target: number): Reachability {
    const podClass = this.classes[source];
    const self = source === target && podClass !== undefined && standsForOnePod(podClass);
    return reachability(this.lookup, this.endpoint(source), this.endpoint(target), self);
  }

  private sidePorts(direction: Direction, local: number, remote: number, destination: number): PortSet {
    const policies = this.isolatedBy(direction, local);
    if (policies.length === 0) return PortSet.ALL;
    let ports = PortSet.NONE;
    for (const policy of policies) {
      const rules = rulesFor(policy, direction);
      for (let k = 0; k < rules.length; k++) {
        const rule = rules[k];
        if (rule === undefined || !this.admits(direction, policy, k, rule, remote)) continue;
        ports = ports.union(this.rulePortsTowards(rule, destination));
        if (ports.isAll()) return ports;
      }
    }
    return ports;
  }

  private admits(direction: Direction, policy: NetworkPolicy, ruleIndex: number, rule: PolicyRule, remote: number): boolean {
    if (rule.peers === null) return true;
    let perRule = this.admitted[direction].get(policy);
    if (perRule === undefined) {
      perRule = [];
      this.admitted[direction].set(policy, perRule);
    }
    let answers = perRule[ruleIndex];
    if (answers === undefined) {
      answers = new Uint8Array(this.classes.length);
      perRule[ruleIndex] = answers;
    }
    const known = answers[remote];
    if (known !== undefined && known !== UNKNOWN) return known === ADMITTED;
    const admitted = peersAdmit(rule, policy.namespace, this.endpoint(remote), this.namespaceLabels);
    answers[remote] = admitted ? ADMITTED : NOT_ADMITTED;
    return admitted;
  }

  private rulePortsTowards(rule: PolicyRule, destination: number): PortSet {
    const cached = this.portsByRule.get(rule);
    if (cached instanceof PortSet) return cached;
    if (cached === undefined && !hasNamedPort(rule.ports)) {
      const ports = rulePorts(rule.ports, this.endpoint(destination));
      this.portsByRule.set(rule, ports);
      return ports;
    }
    const perClass = cached ?? new Array<PortSet | undefined>(this.classes.length);
    if (cached === undefined) this.portsByRule.set(rule, perClass);
    let ports = perClass[destination];
    if (ports === undefined) {
      ports = rulePorts(rule.ports, this.endpoint(destination));
      perClass[destination] = ports;
    }
    return ports;
  }
}
