import { adoptionOf } from '../guardrails/adoption.js';
import type { Adoption } from '../guardrails/adoption.js';
import { auditCluster } from '../guardrails/audit.js';
import type { ClusterState, PolicyLookup } from '../model/cluster-state.js';
import type { Config } from '../guardrails/config.js';
import { peersAdmit } from '../engine/connection.js';
import type { Endpoint } from '../engine/connection.js';
import type { EssentialService, ServiceRequirement } from '../guardrails/essential-service.js';
import { formatLabels } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { DIRECTIONS, policyId, rulesFor } from '../model/network-policy.js';
import type { Direction, NetworkPolicy } from '../model/network-policy.js';
import { isHostNetworkPod, isTemplatePod } from '../model/pod.js';
import type { Pod } from '../model/pod.js';
import { PortSet } from '../model/port-set.js';
import { ReachabilityMap, allowedPorts, classifyPods, rulePorts, standsForOnePod } from '../engine/reachability.js';
import type { PodClass } from '../engine/reachability.js';
import { resolveEssentialServices } from '../guardrails/resolve-essential-services.js';
import { modeOf } from '../guardrails/rules/baseline-opt-out.js';
import { matchesSelector } from '../model/selector.js';
import { describeRule } from './describe-rule.js';

/**
 * The data behind `netfence report --html`, computed once on the server side and embedded in the
 * page as JSON; the page only looks things up in it (page-model-script.ts). Everything that needs
 * NetworkPolicy semantics is decided here, by the engine:
 *
 * - pods are grouped into classes that every policy treats alike (classifyPods), and the exact
 *   allowed ports of every ordered class pair come from ReachabilityMap. Each class's row of answers
 *   (one port set per target class, as an index into `portSets`) is run-length encoded and shared
 *   by the classes whose rows are equal, so a mostly closed (or mostly open) cluster stays small;
 * - the namespace heatmap's counts (pod pairs with any allowed port) are summed here, weighted by
 *   pods: a class of n pods against one of m is n·m pod pairs, and a class against itself
 *   n·(n−1) (a pod's connection to itself is always allowed and not counted), plus one per pod
 *   template (a template stands for several pods, which reach one another as policies say);
 * - explanations are not stored per pair (that would be a million of them): for each class the
 *   policies isolating it in each direction, and for each rule of those policies which classes its
 *   peers admit (a bit set) and its ports towards each destination. A pair's explanation is those
 *   lookups put together, which is what ReachabilityMap.explain computes (tested against it);
 * - the essential services are located (the classes that serve them), and each class says which
 *   of them it cannot use (for cluster DNS: no allowed path to the DNS pods on 53 of some
 *   alternative); the audit's findings are attached to their namespaces.
 */

/** REPORT_FORMAT names this shape of the embedded data, for anyone who reads it out of a page. */
export const REPORT_FORMAT = 'netfence-report/v1';

/** NO_PORT is the index of the empty port set in `portSets`: no connection. */
export const NO_PORT = 0;

/** ReportNamespace is one namespace, in the order of the heatmap's rows and columns. */
export interface ReportNamespace {
  readonly name: string;
  readonly labels: string;
  /** adoption: `adopted (profile default)`, `not adopted`, `opted out` or `exempt`. */
  readonly adoption: string;
  readonly mode: string;
  /** pods counts real pods and pod templates (a template counts as one). */
  readonly pods: number;
  readonly templates: number;
  /** classes are the namespace's classes: indices `classes[0]` up to, not including, `classes[1]`. */
  readonly classes: readonly [number, number];
  readonly workloads: readonly number[];
  readonly findings: readonly number[];
  /** hosts lists the essential services (indices into `services`) that pods of this namespace serve. */
  readonly hosts: readonly number[];
  /** cut: per essential service that some pods here cannot use, how many pods. */
  readonly cut: readonly { readonly service: number; readonly pods: number }[];
}

/**
 * ReportWorkload is what the drill-down matrix shows per row and column: the pods of one workload
 * (the outermost controller the state knows, or a workload's pod template), or bare pods that
 * policies treat alike. `members` are its pods per class: [class, pods, templates].
 */
export interface ReportWorkload {
  readonly namespace: number;
  readonly name: string;
  /** kind: a workload kind (`Deployment`), `Pod` for one bare pod, `Pods` for bare pods alike. */
  readonly kind: string;
  readonly template: boolean;
  readonly pods: number;
  /** podNames are the first few pods' names. */
  readonly podNames: readonly string[];
  readonly members: readonly (readonly [number, number, number])[];
  readonly hosts: readonly number[];
  readonly cut: readonly number[];
  /**
   * hostNetwork counts its pods with `hostNetwork: true` (absent when none): the page answers for
   * them as for ordinary pods and marks the workload, since the network plugin decides for them.
   */
  readonly hostNetwork?: number;
}

/** ReportClass is one class of pods that every policy treats alike. */
export interface ReportClass {
  readonly namespace: number;
  readonly labels: string;
  readonly example: string;
  readonly pods: number;
  readonly templates: number;
  /** onePod: the class is one real pod (its connection to itself is always allowed). */
  readonly onePod: boolean;
  /** egress and ingress index `policyLists`: the policies isolating the class in that direction (empty: not isolated). */
  readonly egress: number;
  readonly ingress: number;
  /** row indexes `rows`: the allowed ports towards every class, in class order. */
  readonly row: number;
  readonly cut: readonly number[];
}

/** ReportPolicy is one NetworkPolicy: its `ns/name` and its rules (indices into `rules`) per direction. */
export interface ReportPolicy {
  readonly id: string;
  readonly ingress: readonly number[];
  readonly egress: readonly number[];
}

/**
 * ReportRule is one rule of a policy that isolates some class in its direction. `admits` is a bit
 * set over classes (BITS alphabet, six classes a character; `*` for a rule without peers): the
 * classes its peers admit as the remote side. Its ports towards a destination class are `ports`
 * (an index into `portSets`), or, when it names a port that resolves per pod, `portsRow`.
 */
export interface ReportRule {
  readonly policy: number;
  readonly direction: Direction;
  readonly index: number;
  readonly text: string;
  readonly admits: string;
  readonly ports: number | null;
  readonly portsRow: number | null;
}

/** ReportService is one essential service and the classes that serve it. */
export interface ReportService {
  readonly name: string;
  readonly direction: Direction;
  readonly describe: string;
  readonly hosts: readonly number[];
}

/** ReportFinding is one audit finding, attached to its namespace (-1 when it names none of the state's). */
export interface ReportFinding {
  readonly rule: string;
  readonly severity: string;
  readonly object: string;
  readonly namespace: number;
  readonly summary: string;
  readonly message: string;
}

/** ReportModel is everything the page shows. */
export interface ReportModel {
  readonly format: typeof REPORT_FORMAT;
  readonly source: string;
  readonly generatedAt: string;
  readonly counts: { readonly namespaces: number; readonly pods: number; readonly workloads: number; readonly classes: number; readonly policies: number; readonly findings: number };
  readonly portSets: readonly string[];
  readonly rows: readonly string[];
  readonly policyLists: readonly (readonly number[])[];
  readonly namespaces: readonly ReportNamespace[];
  /** reachable[a * namespaces + b]: pod pairs from namespace a to namespace b with some allowed port. */
  readonly reachable: readonly number[];
  readonly workloads: readonly ReportWorkload[];
  readonly classes: readonly ReportClass[];
  readonly policies: readonly ReportPolicy[];
  readonly rules: readonly ReportRule[];
  readonly services: readonly ReportService[];
  readonly findings: readonly ReportFinding[];
}

/** ReportInput is what a report is made of. */
export interface ReportInput {
  readonly state: ClusterState;
  readonly config: Config;
  /** source says where the state came from: a path, or the cluster's address. */
  readonly source: string;
  readonly generatedAt: string;
}

/** BITS is the alphabet of `ReportRule.admits`: character k holds classes 6k to 6k+5, lowest bit first. */
export const BITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** encodeBits writes a bit set over `size` classes in the BITS alphabet. */
export function encodeBits(size: number, has: (index: number) => boolean): string {
  let text = '';
  for (let start = 0; start < size; start += 6) {
    let value = 0;
    for (let bit = 0; bit < 6 && start + bit < size; bit++) if (has(start + bit)) value |= 1 << bit;
    text += BITS[value];
  }
  return text;
}

/** encodeRow run-length encodes a row of numbers: `3,0*120,5*2`. */
export function encodeRow(values: ArrayLike<number>): string {
  const tokens: string[] = [];
  for (let i = 0; i < values.length; ) {
    const value = values[i] ?? 0;
    let end = i + 1;
    while (end < values.length && values[end] === value) end++;
    tokens.push(end - i === 1 ? String(value) : `${value}*${end - i}`);
    i = end;
  }
  return tokens.join(',');
}

/** Dictionary numbers distinct values in the order they are first seen. */
class Dictionary<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();

  add(key: string, value: T): number {
    const found = this.index.get(key);
    if (found !== undefined) return found;
    this.index.set(key, this.values.length);
    this.values.push(value);
    return this.values.length - 1;
  }
}

/** PortSetIndex numbers port sets by their text; most answers are the same few objects, so those are remembered too. */
class PortSetIndex {
  private readonly texts = new Dictionary<string>();
  private readonly known = new Map<PortSet, number>();

  constructor() {
    this.texts.add(PortSet.NONE.format(), PortSet.NONE.format());
  }

  get values(): readonly string[] {
    return this.texts.values;
  }

  of(ports: PortSet): number {
    if (ports === PortSet.NONE) return NO_PORT;
    const known = this.known.get(ports);
    if (known !== undefined) return known;
    if (ports.isEmpty()) return NO_PORT;
    const text = ports.format();
    const index = this.texts.add(text, text);
    if (this.known.size > 100_000) this.known.clear();
    this.known.set(ports, index);
    return index;
  }
}

function adoptionText(adoption: Adoption): string {
  switch (adoption.kind) {
    case 'adopted':
      return `adopted (profile ${adoption.profile}${adoption.labelled ? '' : ', by adoptExisting'})`;
    case 'not-adopted':
      return 'not adopted';
    case 'opted-out':
      return 'opted out';
    case 'exempt':
      return 'exempt';
  }
}

/**
 * workloadOf names the workload a pod belongs to, for grouping: the state's outermost workload, or
 * else its controller, a ReplicaSet named `<deployment>-<pod-template-hash>` by its Deployment (a
 * live cluster's pods come without their workloads).
 */
function workloadOf(pod: Pod): { kind: string; name: string; template: boolean } | undefined {
  if (pod.workload !== undefined) return { kind: pod.workload.kind, name: pod.workload.name, template: pod.workload.template };
  const controller = pod.controller;
  if (controller === undefined) return undefined;
  const hash = pod.labels.get('pod-template-hash');
  if (controller.kind === 'ReplicaSet' && hash !== undefined && hash !== '' && controller.name.endsWith(`-${hash}`)) {
    return { kind: 'Deployment', name: controller.name.slice(0, -hash.length - 1), template: false };
  }
  return { kind: controller.kind, name: controller.name, template: false };
}

/** bareName names bare pods alike: the pod's name, or the stem their names share (`coredns-5d78c9869d-*`). */
function bareName(pods: readonly Pod[]): string {
  const [first] = pods;
  if (first === undefined) return '';
  if (pods.length === 1) return first.name;
  let prefix = first.name;
  for (const pod of pods) while (!pod.name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const stem = prefix.slice(0, prefix.lastIndexOf('-') + 1);
  return stem === '' ? `pods ${formatLabels(first.labels)}` : `${stem}*`;
}

const LISTED_POD_NAMES = 5;

/** lookupFor lets a requirement's peer namespace, absent from the state, have the labels the service was configured with. */
function lookupFor(state: ClusterState, requirement: ServiceRequirement): PolicyLookup {
  const { peer, peerNamespaceLabels } = requirement;
  if (peer.kind !== 'pod' || peerNamespaceLabels === undefined) return state;
  return {
    policiesIn: (namespace) => state.policiesIn(namespace),
    namespaceLabels: (namespace): Labels | undefined => state.namespaceLabels(namespace) ?? (namespace === peer.pod.namespace ? peerNamespaceLabels : undefined),
  };
}

/** serves says whether pods like `endpoint` can use an essential service: every requirement of some alternative allowed, in the service's direction. */
function serves(state: ClusterState, service: EssentialService, endpoint: Endpoint): boolean {
  if (service.targets !== undefined && endpoint.kind === 'pod' && !matchesSelector(service.targets, endpoint.pod.labels)) return true;
  return service.alternatives.some((alternative) =>
    alternative.every((requirement) => {
      const lookup = lookupFor(state, requirement);
      const reach = service.direction === 'Egress' ? allowedPorts(lookup, endpoint, requirement.peer) : allowedPorts(lookup, requirement.peer, endpoint);
      return reach.ports.has(requirement.port);
    }),
  );
}

/** serviceHosts finds the classes whose pods serve a service: its pods in the state, or pods with the labels it was configured with. */
function serviceHosts(service: EssentialService, classes: readonly PodClass[], classOfPod: ReadonlyMap<string, number>): number[] {
  const hosts = new Set<number>();
  for (const requirement of service.alternatives.flat()) {
    const peer = requirement.peer;
    if (peer.kind !== 'pod') continue;
    const exact = classOfPod.get(`${peer.pod.namespace}/${peer.pod.name}`);
    if (exact !== undefined) {
      hosts.add(exact);
      continue;
    }
    classes.forEach((podClass, index) => {
      const [pod] = podClass.pods;
      if (pod !== undefined && pod.namespace === peer.pod.namespace && [...peer.pod.labels].every(([key, value]) => pod.labels.get(key) === value)) hosts.add(index);
    });
  }
  return [...hosts].sort((a, b) => a - b);
}

/** pairsWithin is how many ordered pod pairs a class holds within itself: n·(n−1), plus one per template. */
export function pairsWithin(pods: number, templates: number): number {
  return pods * (pods - 1) + templates;
}

/** reportPodClasses are the classes a report is made of, in namespace order (so each namespace's classes are consecutive). */
export function reportPodClasses(state: ClusterState): PodClass[] {
  const order = new Map(state.namespaces().map((namespace, index) => [namespace.name, index]));
  const pods = [...state.pods()].sort((a, b) => compare(order.get(a.namespace) ?? 0, order.get(b.namespace) ?? 0));
  return classifyPods(pods, state.policies());
}

/** buildReportModel computes everything the report page shows. */
export function buildReportModel(input: ReportInput): ReportModel {
  const { state, config } = input;
  const namespaceList = state.namespaces();
  const namespaceIndex = new Map(namespaceList.map((namespace, index) => [namespace.name, index]));
  const policies = state.policies();
  const podClasses = reportPodClasses(state);
  const pods = podClasses.flatMap((podClass) => podClass.pods);
  const map = new ReachabilityMap(state, podClasses);
  const size = podClasses.length;
  const namespaceOf = podClasses.map((podClass) => namespaceIndex.get(podClass.namespace) ?? 0);
  const podsOf = podClasses.map((podClass) => podClass.pods.length);
  const templatesOf = podClasses.map((podClass) => podClass.pods.filter(isTemplatePod).length);
  const classOfPod = new Map<string, number>();
  podClasses.forEach((podClass, index) => {
    for (const pod of podClass.pods) classOfPod.set(`${pod.namespace}/${pod.name}`, index);
  });

  // Every ordered class pair's allowed ports, and the namespace pairs' reachable pod pairs.
  const portSets = new PortSetIndex();
  const rows = new Dictionary<string>();
  const rowOf: number[] = [];
  const namespaceCount = namespaceList.length;
  const reachable = new Array<number>(namespaceCount * namespaceCount).fill(0);
  const row = new Int32Array(size);
  for (let source = 0; source < size; source++) {
    const from = namespaceOf[source] ?? 0;
    const sourcePods = podsOf[source] ?? 0;
    for (let target = 0; target < size; target++) {
      const ports = portSets.of(map.ports(source, target));
      row[target] = ports;
      if (ports === NO_PORT) continue;
      const pairs = source === target ? pairsWithin(sourcePods, templatesOf[source] ?? 0) : sourcePods * (podsOf[target] ?? 0);
      const cell = from * namespaceCount + (namespaceOf[target] ?? 0);
      reachable[cell] = (reachable[cell] ?? 0) + pairs;
    }
    const text = encodeRow(row);
    rowOf.push(rows.add(text, text));
  }

  // The policies isolating each class, and the rules of those policies.
  const policyIndex = new Map<NetworkPolicy, number>(policies.map((policy, index) => [policy, index]));
  const policyLists = new Dictionary<readonly number[]>();
  const isolating: Record<Direction, number[]> = { Ingress: [], Egress: [] };
  const used: Record<Direction, Set<number>> = { Ingress: new Set(), Egress: new Set() };
  for (const direction of DIRECTIONS) {
    for (let index = 0; index < size; index++) {
      const list = map.isolatedBy(direction, index).map((policy) => policyIndex.get(policy) ?? -1);
      for (const policy of list) used[direction].add(policy);
      isolating[direction].push(policyLists.add(list.join(','), list));
    }
  }
  const namespaceLabels = (namespace: string): Labels | undefined => state.namespaceLabels(namespace);
  const portSignatures = podClasses.map((podClass) => JSON.stringify(podClass.pods[0]?.containerPorts ?? []));
  const rules: ReportRule[] = [];
  const reportPolicies: ReportPolicy[] = policies.map((policy, index) => {
    const ruleIndices = (direction: Direction): number[] => {
      if (!used[direction].has(index)) return [];
      return rulesFor(policy, direction).map((rule, ruleIndex) => {
        const admits = rule.peers === null ? '*' : encodeBits(size, (remote) => peersAdmit(rule, policy.namespace, map.endpoint(remote), namespaceLabels));
        const named = rule.ports?.some((entry) => entry.range.kind === 'named') ?? false;
        let ports: number | null = null;
        let portsRow: number | null = null;
        if (named) {
          // A named port resolves on the destination's container ports: once per distinct set of them.
          const bySignature = new Map<string, number>();
          const perClass = portSignatures.map((signature, destination) => {
            let found = bySignature.get(signature);
            if (found === undefined) {
              found = portSets.of(rulePorts(rule.ports, map.endpoint(destination)));
              bySignature.set(signature, found);
            }
            return found;
          });
          const text = encodeRow(perClass);
          portsRow = rows.add(text, text);
        } else {
          ports = portSets.of(rulePorts(rule.ports, map.endpoint(0))); // no named port: the same towards every destination
        }
        rules.push({ policy: index, direction, index: ruleIndex, text: describeRule(rule, direction, policy.namespace), admits, ports, portsRow });
        return rules.length - 1;
      });
    };
    return { id: policyId(policy), ingress: ruleIndices('Ingress'), egress: ruleIndices('Egress') };
  });

  // Essential services: who serves them, and which classes cannot use them.
  const essentials = resolveEssentialServices(state, config);
  const services: ReportService[] = essentials.services.map((service) => ({
    name: service.name,
    direction: service.direction,
    describe: service.describe,
    hosts: serviceHosts(service, podClasses, classOfPod),
  }));
  const cutOf: number[][] = podClasses.map((_, index) =>
    essentials.services.flatMap((service, serviceIndex) => ((services[serviceIndex]?.hosts ?? []).includes(index) || serves(state, service, map.endpoint(index)) ? [] : [serviceIndex])),
  );

  const classes: ReportClass[] = podClasses.map((podClass, index) => {
    const [first] = podClass.pods;
    return {
      namespace: namespaceOf[index] ?? 0,
      labels: first === undefined ? '' : formatLabels(first.labels),
      example: first?.name ?? '',
      pods: podsOf[index] ?? 0,
      templates: templatesOf[index] ?? 0,
      onePod: standsForOnePod(podClass),
      egress: isolating.Egress[index] ?? 0,
      ingress: isolating.Ingress[index] ?? 0,
      row: rowOf[index] ?? 0,
      cut: cutOf[index] ?? [],
    };
  });

  // Workloads: pods grouped by the workload that made them, bare pods by class.
  const groups = new Map<string, { namespace: number; kind: string; name: string; template: boolean; pods: Pod[]; classes: number[] }>();
  podClasses.forEach((podClass, classIndex) => {
    for (const pod of podClass.pods) {
      const workload = workloadOf(pod);
      const key = workload === undefined ? `${pod.namespace}\u0000class\u0000${classIndex}` : `${pod.namespace}\u0000${workload.kind}\u0000${workload.name}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = { namespace: namespaceOf[classIndex] ?? 0, kind: workload?.kind ?? 'Pods', name: workload?.name ?? '', template: workload?.template ?? false, pods: [], classes: [] };
        groups.set(key, group);
      }
      group.pods.push(pod);
      group.classes.push(classIndex);
    }
  });
  const workloads: ReportWorkload[] = [...groups.values()]
    .map((group) => {
      const bare = group.name === '';
      const members = new Map<number, [number, number, number]>();
      group.pods.forEach((pod, k) => {
        const classIndex = group.classes[k] ?? 0;
        const member = members.get(classIndex) ?? [classIndex, 0, 0];
        member[1] += 1;
        if (isTemplatePod(pod)) member[2] += 1;
        members.set(classIndex, member);
      });
      const memberList = [...members.values()].sort((a, b) => a[0] - b[0]);
      const hostNetwork = group.pods.filter(isHostNetworkPod).length;
      return {
        namespace: group.namespace,
        name: bare ? bareName(group.pods) : group.name,
        kind: bare ? (group.pods.length === 1 ? 'Pod' : 'Pods') : group.kind,
        template: group.template,
        pods: group.pods.length,
        podNames: group.pods.slice(0, LISTED_POD_NAMES).map((pod) => pod.name),
        members: memberList,
        hosts: services.flatMap((service, serviceIndex) => (memberList.some(([classIndex]) => service.hosts.includes(classIndex)) ? [serviceIndex] : [])),
        cut: [...new Set(memberList.flatMap(([classIndex]) => cutOf[classIndex] ?? []))].sort((a, b) => a - b),
        ...(hostNetwork === 0 ? {} : { hostNetwork }),
      };
    })
    .sort((a, b) => a.namespace - b.namespace || compare(a.name, b.name) || compare(a.kind, b.kind));

  const auditFindings = auditCluster({ state, config, essentials });
  const findings: ReportFinding[] = auditFindings.map((finding) => ({
    rule: finding.rule,
    severity: finding.severity,
    object: finding.object,
    namespace: namespaceIndex.get(finding.object.split('/')[0] ?? finding.object) ?? -1,
    summary: finding.summary,
    message: finding.message,
  }));

  const namespaces: ReportNamespace[] = namespaceList.map((namespace, index) => {
    const own = (classIndex: number): boolean => namespaceOf[classIndex] === index;
    const classIndices = podClasses.map((_, classIndex) => classIndex).filter(own);
    const start = classIndices[0] ?? firstClassAfter(namespaceOf, index);
    const cutPods = new Map<number, number>();
    for (const classIndex of classIndices) for (const service of cutOf[classIndex] ?? []) cutPods.set(service, (cutPods.get(service) ?? 0) + (podsOf[classIndex] ?? 0));
    return {
      name: namespace.name,
      labels: formatLabels(namespace.labels),
      adoption: adoptionText(adoptionOf(namespace, config)),
      mode: modeOf(namespace.labels, config.defaultMode),
      pods: classIndices.reduce((sum, classIndex) => sum + (podsOf[classIndex] ?? 0), 0),
      templates: classIndices.reduce((sum, classIndex) => sum + (templatesOf[classIndex] ?? 0), 0),
      classes: [start, start + classIndices.length],
      workloads: workloads.flatMap((workload, workloadIndex) => (workload.namespace === index ? [workloadIndex] : [])),
      findings: findings.flatMap((finding, findingIndex) => (finding.namespace === index ? [findingIndex] : [])),
      hosts: services.flatMap((service, serviceIndex) => (service.hosts.some(own) ? [serviceIndex] : [])),
      cut: [...cutPods].map(([service, count]) => ({ service, pods: count })),
    };
  });

  return {
    format: REPORT_FORMAT,
    source: input.source,
    generatedAt: input.generatedAt,
    counts: { namespaces: namespaceCount, pods: pods.length, workloads: workloads.length, classes: size, policies: policies.length, findings: findings.length },
    portSets: portSets.values,
    rows: rows.values,
    policyLists: policyLists.values,
    namespaces,
    reachable,
    workloads,
    classes,
    policies: reportPolicies,
    rules,
    services,
    findings,
  };
}

/** firstClassAfter is where an empty namespace's (empty) class range sits: before the next namespace's classes. */
function firstClassAfter(namespaceOf: readonly number[], namespace: number): number {
  const next = namespaceOf.findIndex((index) => index > namespace);
  return next < 0 ? namespaceOf.length : next;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
