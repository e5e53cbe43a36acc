import type { PolicyLookup } from '../model/cluster-state.js';
import { peersAdmit, selectsPod } from './connection.js';
import type { Endpoint, RuleRef } from './connection.js';
import type { Labels } from '../model/labels.js';
import { policyId, rulesFor } from '../model/network-policy.js';
import type { Direction, NetworkPolicy, PolicyRule } from '../model/network-policy.js';
import { isTemplatePod } from '../model/pod.js';
import type { Pod } from '../model/pod.js';
import { askedPorts, outcomeOf } from './port-query.js';
import type { Outcome, PortQuery } from './port-query.js';
import { PortSet } from '../model/port-set.js';
import { classifyPods, rulePorts, samePod } from './reachability.js';
import type { RuleGrant, SideAccess } from './reachability.js';

/**
 * Grouped answers: "may these pods reach those, on these ports?" for many pods at once, as a few
 * groups of connections that get the same answer for the same reasons, not one line per pod pair.
 * Pods that no policy can tell apart (`classifyPods`) are answered once; each side's answer is
 * computed once per set of isolating policies and remote class, so the work grows with the classes
 * and policies, not with the pod pairs. A pod's connection to itself is always allowed ("a pod
 * cannot block access to itself"): such pairs are counted apart, never judged by the policies.
 */

/**
 * SideAnswer is one side of a connection, cut to the ports asked: the egress of the source or the
 * ingress of the destination. `grants` are the rules that admit the other end, each with the asked
 * ports it opens (rules opening none of them are left out). `selectedBy` names the isolating
 * policies where this side refuses what was asked (the explanation of a denial), and is empty
 * where it allows it (then the grants explain it).
 */
export interface SideAnswer extends SideAccess {
  /** allowed: this side alone would allow what was asked (every port asked; some port, for `any`). */
  readonly allowed: boolean;
}

/** ConnectionAnswer is a connection's answer to a port query: the ports asked, those allowed, and each side's part. */
export interface ConnectionAnswer {
  readonly asked: PortSet;
  readonly ports: PortSet;
  readonly outcome: Outcome;
  readonly egress: SideAnswer;
  readonly ingress: SideAnswer;
}

/** AnswerGroup is some sources and some targets, every connection from one of these to one of those answered alike. */
export interface AnswerGroup {
  readonly sources: readonly Endpoint[];
  readonly targets: readonly Endpoint[];
  /** pairs counts the connections: sources × targets, less a pod's own connection to itself where it is on both sides. */
  readonly pairs: number;
  readonly answer: ConnectionAnswer;
}

/** GroupTotals count connections (pod pairs) by outcome; `self` counts pods asked about themselves. */
export interface GroupTotals {
  readonly pairs: number;
  readonly allowed: number;
  readonly partly: number;
  readonly denied: number;
  readonly self: number;
}

/** GroupedAnswer is the answer for every source against every target. */
export interface GroupedAnswer {
  readonly query: PortQuery;
  readonly groups: readonly AnswerGroup[];
  /** self are the pods on both sides: each may reach itself on every port, whatever the policies say. */
  readonly self: readonly Endpoint[];
  /** unresolved are destinations a named port resolves to nothing on (no such container port, or an address): not asked. */
  readonly unresolved: readonly Endpoint[];
  readonly totals: GroupTotals;
}

const notApplicable = (direction: Direction, asked: PortSet): SideAnswer => ({ direction, applies: false, isolated: false, allowed: true, selectedBy: [], ports: asked, grants: [] });

/**
 * sideAnswer evaluates one side over the ports asked: the egress of `local` towards `remote`, or
 * the ingress of `local` from `remote`. `admits` and `portsOf` answer for a rule (the grouped
 * computation caches them).
 */
function sideAnswer(
  direction: Direction,
  local: Endpoint,
  policies: readonly NetworkPolicy[],
  asked: PortSet,
  query: PortQuery,
  admits: (rule: PolicyRule, policy: NetworkPolicy) => boolean,
  portsOf: (rule: PolicyRule) => PortSet,
): SideAnswer {
  if (local.kind !== 'pod') return notApplicable(direction, asked);
  if (policies.length === 0) return { direction, applies: true, isolated: false, allowed: true, selectedBy: [], ports: asked, grants: [] };
  const grants: RuleGrant[] = [];
  let ports = PortSet.NONE;
  for (const policy of policies) {
    rulesFor(policy, direction).forEach((rule, index) => {
      if (!admits(rule, policy)) return;
      const opened = portsOf(rule).intersect(asked);
      if (opened.isEmpty()) return;
      const ref: RuleRef = { policy: policyId(policy), direction, index };
      grants.push({ rule: ref, ports: opened });
      ports = ports.union(opened);
    });
  }
  const allowed = outcomeOf(query, asked, ports) === 'allowed';
  return { direction, applies: true, isolated: true, allowed, selectedBy: allowed ? [] : policies.map(policyId), ports, grants };
}

function combine(asked: PortSet, query: PortQuery, egress: SideAnswer, ingress: SideAnswer): ConnectionAnswer {
  const ports = egress.ports.intersect(ingress.ports);
  return { asked, ports, outcome: outcomeOf(query, asked, ports), egress, ingress };
}

function isolating(lookup: PolicyLookup, direction: Direction, endpoint: Endpoint): readonly NetworkPolicy[] {
  if (endpoint.kind !== 'pod') return [];
  const pod = endpoint.pod;
  return lookup.policiesIn(pod.namespace).filter((policy) => selectsPod(policy, direction, pod));
}

/**
 * answerConnection answers one connection, pod by pod (no classes, no caches): undefined when a
 * named port resolves to nothing on the destination. The same pod on both sides is allowed on
 * every port asked; its sides still say what the policies would.
 */
export function answerConnection(lookup: PolicyLookup, from: Endpoint, to: Endpoint, query: PortQuery): ConnectionAnswer | undefined {
  const asked = askedPorts(query, to);
  if (asked === undefined) return undefined;
  const namespaceLabels = (namespace: string): Labels | undefined => lookup.namespaceLabels(namespace);
  const egress = sideAnswer('Egress', from, isolating(lookup, 'Egress', from), asked, query, (rule, policy) => peersAdmit(rule, policy.namespace, to, namespaceLabels), (rule) => rulePorts(rule.ports, to));
  const ingress = sideAnswer('Ingress', to, isolating(lookup, 'Ingress', to), asked, query, (rule, policy) => peersAdmit(rule, policy.namespace, from, namespaceLabels), (rule) => rulePorts(rule.ports, to));
  const answer = combine(asked, query, egress, ingress);
  return samePod(from, to) ? { ...answer, ports: asked, outcome: 'allowed' } : answer;
}

const podKey = (pod: Pod): string => `${pod.namespace}/${pod.name}`;

/** Unit is what gets answered once: a class of pods no policy tells apart, or an address. */
interface Unit {
  readonly endpoint: Endpoint;
  /** the members on each side, with their positions in that side's list. */
  readonly sources: Array<{ index: number; endpoint: Endpoint }>;
  readonly targets: Array<{ index: number; endpoint: Endpoint }>;
}

/** admittedMask says which rules of a list admit an end: a bit mask, or a string of 0s and 1s past 30 rules. */
function admittedMask(rules: ReadonlyArray<{ policy: NetworkPolicy; rule: PolicyRule }>, admits: (rule: PolicyRule, policy: NetworkPolicy) => boolean): number | string {
  if (rules.length > 30) return rules.map(({ policy, rule }) => (admits(rule, policy) ? '1' : '0')).join('');
  let mask = 0;
  for (let i = 0; i < rules.length; i++) {
    const entry = rules[i];
    if (entry !== undefined && admits(entry.rule, entry.policy)) mask |= 1 << i;
  }
  return mask;
}

/** Memo3 maps three keys to a number, through nested maps (no key strings built per lookup). */
class Memo3 {
  private readonly root = new Map<number, Map<number, Map<number | string, number>>>();
  get(a: number, b: number, c: number | string): number | undefined {
    return this.root.get(a)?.get(b)?.get(c);
  }
  set(a: number, b: number, c: number | string, value: number): void {
    let level = this.root.get(a);
    if (level === undefined) {
      level = new Map();
      this.root.set(a, level);
    }
    let leaf = level.get(b);
    if (leaf === undefined) {
      leaf = new Map();
      level.set(b, leaf);
    }
    leaf.set(c, value);
  }
}

/** Interner gives equal keys one small number. */
class Interner<T> {
  private readonly ids = new Map<string, number>();
  readonly values: T[] = [];
  id(key: string, make: () => T): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(make());
      this.ids.set(key, id);
    }
    return id;
  }
}

function sideKey(side: SideAnswer): string {
  const grants = side.grants.map((grant) => `${grant.rule.policy}#${grant.rule.index}=${grant.ports.format()}`).join(';');
  return `${side.direction}|${side.applies}|${side.isolated}|${side.allowed}|${side.selectedBy.join(',')}|${side.ports.format()}|${grants}`;
}

/**
 * groupedAnswer answers every source against every target for a port query, grouped: connections
 * with the same answer (ports, outcome and the rules behind each side) from the same sources to the
 * same targets form one group. `policies` are the state's policies (their ipBlocks decide which
 * pods are alike). Groups come in the order of their first source, then first target.
 */
export function groupedAnswer(
  lookup: PolicyLookup,
  policies: Iterable<NetworkPolicy>,
  sources: readonly Endpoint[],
  targets: readonly Endpoint[],
  query: PortQuery,
): GroupedAnswer {
  const units = unitsOf(sources, targets, policies);
  const namespaceLabels = (namespace: string): Labels | undefined => lookup.namespaceLabels(namespace);

  // Per unit: its isolating policies (as a profile number, for caching), its asked ports, its container ports' signature.
  const profiles = new Interner<readonly NetworkPolicy[]>();
  const profileOf = (direction: Direction, unit: Unit): number => {
    if (unit.endpoint.kind !== 'pod') return profiles.id('(an address)', () => []);
    const found = isolating(lookup, direction, unit.endpoint);
    return profiles.id(found.map(policyId).join(','), () => found);
  };
  const egressProfile = units.map((unit) => profileOf('Egress', unit));
  const ingressProfile = units.map((unit) => profileOf('Ingress', unit));
  const asked = units.map((unit) => askedPorts(query, unit.endpoint));
  const portSignature = new Interner<null>();
  const portsId = units.map((unit) =>
    portSignature.id(unit.endpoint.kind === 'pod' ? JSON.stringify(unit.endpoint.pod.containerPorts.map((port) => [port.name, port.port, port.protocol])) : 'address', () => null),
  );

  // Rule-level caches: does a rule admit a unit; what ports does it open towards a unit.
  const admitted = new Map<PolicyRule, Int8Array>();
  const admits = (rule: PolicyRule, policy: NetworkPolicy, remote: number): boolean => {
    if (rule.peers === null) return true;
    let answers = admitted.get(rule);
    if (answers === undefined) {
      answers = new Int8Array(units.length);
      admitted.set(rule, answers);
    }
    const known = answers[remote] ?? 0;
    if (known !== 0) return known > 0;
    const unit = units[remote];
    const yes = unit !== undefined && peersAdmit(rule, policy.namespace, unit.endpoint, namespaceLabels);
    answers[remote] = yes ? 1 : -1;
    return yes;
  };
  const portsByRule = new Map<PolicyRule, Map<number, PortSet>>();
  const portsTowards = (rule: PolicyRule, destination: number): PortSet => {
    let perSignature = portsByRule.get(rule);
    if (perSignature === undefined) {
      perSignature = new Map();
      portsByRule.set(rule, perSignature);
    }
    const signature = portsId[destination] ?? -1;
    let ports = perSignature.get(signature);
    if (ports === undefined) {
      const unit = units[destination];
      ports = unit === undefined ? PortSet.NONE : rulePorts(rule.ports, unit.endpoint);
      perSignature.set(signature, ports);
    }
    return ports;
  };

  // Side answers, interned, and cached by what they depend on: the local side's isolating
  // policies, which of their rules admit the remote end (a bit mask), and the destination's ports.
  const ruleLists = new Map<number, Array<{ policy: NetworkPolicy; rule: PolicyRule }>>();
  const rulesOf = (direction: Direction, profile: number): Array<{ policy: NetworkPolicy; rule: PolicyRule }> => {
    const key = profile * 2 + (direction === 'Egress' ? 0 : 1);
    let list = ruleLists.get(key);
    if (list === undefined) {
      list = (profiles.values[profile] ?? []).flatMap((policy) => rulesFor(policy, direction).map((rule) => ({ policy, rule })));
      ruleLists.set(key, list);
    }
    return list;
  };
  const sides = new Interner<SideAnswer>();
  const sideCache = new Memo3();
  const side = (direction: Direction, local: number, remote: number, destination: number): number => {
    const profile = (direction === 'Egress' ? egressProfile : ingressProfile)[local] ?? -1;
    const rules = rulesOf(direction, profile);
    const mask = admittedMask(rules, (rule, policy) => admits(rule, policy, remote));
    const signature = portsId[destination] ?? -1;
    const slot = profile * 2 + (direction === 'Egress' ? 0 : 1);
    const cached = sideCache.get(slot, signature, mask);
    if (cached !== undefined) return cached;
    const unit = units[local];
    const wanted = asked[destination];
    if (unit === undefined || wanted === undefined) throw new Error('a side without a unit or ports');
    const answer = sideAnswer(direction, unit.endpoint, profiles.values[profile] ?? [], wanted, query, (rule, policy) => admits(rule, policy, remote), (rule) => portsTowards(rule, destination));
    const id = sides.id(sideKey(answer), () => answer);
    sideCache.set(slot, signature, mask, id);
    return id;
  };

  // Every pair of units, answered by (egress id, ingress id, the destination's ports, which decide the ports asked).
  const answers = new Interner<ConnectionAnswer>();
  const answerCache = new Memo3();
  const byGroup = new Map<string, { answer: number; sourceUnits: number[]; targetUnits: number[] }>();
  const unresolvedUnits = new Set<number>();
  const sourceUnits = units.flatMap((unit, u) => (unit.sources.length > 0 ? [u] : []));
  const targetUnits = units.flatMap((unit, v) => (unit.targets.length > 0 ? [v] : []));
  for (const v of targetUnits) if (asked[v] === undefined) unresolvedUnits.add(v);
  for (const u of sourceUnits) {
    const targetsByAnswer = new Map<number, number[]>();
    for (const v of targetUnits) {
      const wanted = asked[v];
      if (wanted === undefined || (u === v && pairCount(units, u, v) === 0)) continue;
      const egress = side('Egress', u, v, v);
      const ingress = side('Ingress', v, u, v);
      const signature = portsId[v] ?? -1;
      let id = answerCache.get(egress, ingress, signature);
      if (id === undefined) {
        const egressAnswer = sides.values[egress];
        const ingressAnswer = sides.values[ingress];
        if (egressAnswer === undefined || ingressAnswer === undefined) throw new Error('a side answer went missing');
        id = answers.id(`${egress}|${ingress}|${wanted.format()}`, () => combine(wanted, query, egressAnswer, ingressAnswer));
        answerCache.set(egress, ingress, signature, id);
      }
      const list = targetsByAnswer.get(id);
      if (list === undefined) targetsByAnswer.set(id, [v]);
      else list.push(v);
    }
    for (const [answer, vs] of targetsByAnswer) {
      const key = `${answer}|${vs.join(',')}`;
      const group = byGroup.get(key);
      if (group === undefined) byGroup.set(key, { answer, sourceUnits: [u], targetUnits: vs });
      else group.sourceUnits.push(u);
    }
  }

  const members = (side: 'sources' | 'targets', list: readonly number[]): Endpoint[] =>
    list
      .flatMap((u) => units[u]?.[side] ?? [])
      .sort((a, b) => a.index - b.index)
      .map((member) => member.endpoint);
  const groups: AnswerGroup[] = [...byGroup.values()].map((group) => {
    const answer = answers.values[group.answer];
    if (answer === undefined) throw new Error('an answer went missing');
    let pairs = 0;
    for (const u of group.sourceUnits) for (const v of group.targetUnits) pairs += pairCount(units, u, v);
    return { sources: members('sources', group.sourceUnits), targets: members('targets', group.targetUnits), pairs, answer };
  });

  const targetKeys = new Set(targets.flatMap((endpoint) => (endpoint.kind === 'pod' && !isTemplatePod(endpoint.pod) ? [podKey(endpoint.pod)] : [])));
  const unresolvedKeys = new Set(members('targets', [...unresolvedUnits]).flatMap((endpoint) => (endpoint.kind === 'pod' ? [podKey(endpoint.pod)] : [])));
  const self = sources.filter((endpoint) => endpoint.kind === 'pod' && !isTemplatePod(endpoint.pod) && targetKeys.has(podKey(endpoint.pod)) && !unresolvedKeys.has(podKey(endpoint.pod)));
  const count = (outcome: Outcome): number => groups.reduce((sum, group) => sum + (group.answer.outcome === outcome ? group.pairs : 0), 0);
  return {
    query,
    groups,
    self,
    unresolved: members('targets', [...unresolvedUnits]),
    totals: { pairs: groups.reduce((sum, group) => sum + group.pairs, 0), allowed: count('allowed'), partly: count('partly'), denied: count('denied'), self: self.length },
  };
}

/** pairCount is how many connections go from a unit's sources to a unit's targets: a real pod to itself is not one of them. */
function pairCount(units: readonly Unit[], u: number, v: number): number {
  const source = units[u];
  const target = units[v];
  if (source === undefined || target === undefined) return 0;
  const all = source.sources.length * target.targets.length;
  if (u !== v) return all;
  const targetKeys = new Set(target.targets.flatMap((member) => (member.endpoint.kind === 'pod' && !isTemplatePod(member.endpoint.pod) ? [podKey(member.endpoint.pod)] : [])));
  const self = source.sources.filter((member) => member.endpoint.kind === 'pod' && targetKeys.has(podKey(member.endpoint.pod))).length;
  return all - self;
}

/** unitsOf classifies the pods of both sides together (a pod on both sides is one member of one class) and gives each address its own unit. */
function unitsOf(sources: readonly Endpoint[], targets: readonly Endpoint[], policies: Iterable<NetworkPolicy>): Unit[] {
  const pods = new Map<string, Pod>();
  for (const endpoint of [...sources, ...targets]) if (endpoint.kind === 'pod' && !pods.has(podKey(endpoint.pod))) pods.set(podKey(endpoint.pod), endpoint.pod);
  const classes = classifyPods([...pods.values()], policies);
  const unitOfPod = new Map<string, number>();
  const units: Unit[] = classes.map((podClass, u) => {
    for (const pod of podClass.pods) unitOfPod.set(podKey(pod), u);
    const [first] = podClass.pods;
    if (first === undefined) throw new Error('a pod class without pods');
    return { endpoint: { kind: 'pod', pod: first }, sources: [], targets: [] };
  });
  const unitOfAddress = new Map<string, number>();
  const place = (endpoint: Endpoint): Unit => {
    let u: number | undefined;
    if (endpoint.kind === 'pod') u = unitOfPod.get(podKey(endpoint.pod));
    else {
      u = unitOfAddress.get(endpoint.ip.text);
      if (u === undefined) {
        u = units.length;
        units.push({ endpoint, sources: [], targets: [] });
        unitOfAddress.set(endpoint.ip.text, u);
      }
    }
    const unit = u === undefined ? undefined : units[u];
    if (unit === undefined) throw new Error('an endpoint without a unit');
    return unit;
  };
  sources.forEach((endpoint, index) => place(endpoint).sources.push({ index, endpoint }));
  targets.forEach((endpoint, index) => place(endpoint).targets.push({ index, endpoint }));
  return units;
}
