import { essentialsPolicy } from '../baseline.js';
import type { ClusterState } from '../../model/cluster-state.js';
import type { Config } from '../config.js';
import { containsSelector, coversWith } from '../../engine/coverage.js';
import type { EssentialService } from '../essential-service.js';
import { policyAllowsRequirement } from '../essential-service.js';
import type { Finding, RuleId } from '../finding.js';
import type { Labels } from '../../model/labels.js';
import { networkPolicyManifest, ruleManifest } from '../../model/manifest.js';
import { policyId } from '../../model/network-policy.js';
import type { Direction, NetworkPolicy } from '../../model/network-policy.js';
import { SelectorIndex } from '../../engine/selector-index.js';
import { SELECT_ALL, intersectSelectors, isSelectAll, matchesSelector } from '../../model/selector.js';
import type { LabelSelector } from '../../model/selector.js';
import type { EssentialServices } from '../resolve-essential-services.js';
import type { PolicyChange } from './change.js';
import { policiesAfter } from './namespace-policies.js';
import { summaryLine } from './summary.js';
import { affectedPod, describePod, labelsText, podName } from '../affected-pods.js';
import { WeakPairCache } from '../../engine/weak-pair-cache.js';

/** RuleContext is what every rule may consult besides the change. */
export interface RuleContext {
  /** state is the cluster before the change. */
  readonly state: ClusterState;
  readonly config: Config;
  readonly essentials: EssentialServices;
}

type CutOff =
  | { readonly kind: 'served' }
  | { readonly kind: 'cut'; readonly labels: Labels; readonly isolatedBy: readonly NetworkPolicy[] }
  | { readonly kind: 'too-complex' };

// A policy's answer for a service depends on nothing else (the service carries its peers'
// namespace labels), and both are immutable values: remember it per pair.
const allowsCache = new WeakPairCache<EssentialService, NetworkPolicy, AllowsMatrix>();

/** AllowsMatrix says which requirements of a service a policy allows (`cells[a][r]`), and whether any. */
export interface AllowsMatrix {
  readonly cells: readonly (readonly boolean[])[];
  readonly any: boolean;
}

function allowsMatrix(service: EssentialService, policy: NetworkPolicy, state: Pick<ClusterState, 'namespaceLabels'>): AllowsMatrix {
  const cells = service.alternatives.map((alternative) => alternative.map((requirement) => policyAllowsRequirement(policy, service.direction, requirement, state)));
  return { cells, any: cells.some((alternative) => alternative.some(Boolean)) };
}

/** Helper is a policy that allows at least one requirement of a service, with which ones. */
export interface Helper {
  readonly policy: NetworkPolicy;
  readonly allows: AllowsMatrix;
}

/**
 * PolicySet is a namespace's policies as a rule sees them. A question about the pods of a scope
 * reads only the policies whose pods may meet it (SelectorIndex), so a request costs what the
 * policies overlapping the changed one cost, however many others the namespace has.
 */
export interface PolicySet {
  /** policies: every policy of the namespace. */
  readonly policies: () => readonly NetworkPolicy[];
  /** helpers: the service's helpers that may select pods of `scope`. */
  readonly helpers: (service: EssentialService, scope: LabelSelector) => readonly Helper[];
  /** containing: the service's helpers that may select every pod of `scope` (fewer, when many only meet it). */
  readonly containing: (service: EssentialService, scope: LabelSelector) => readonly Helper[];
  /** isolating: the policies of `direction` that may select pods of `scope`. */
  readonly isolating: (direction: Direction, scope: LabelSelector) => readonly NetworkPolicy[];
}

/**
 * helpersIn finds the helpers among `policies`, stored policies that keep their matrix; helperOf
 * with `remember` false serves a policy decoded for one request, as remembering it costs more than
 * computing it.
 */
function helpersIn(service: EssentialService, policies: readonly NetworkPolicy[], state: Pick<ClusterState, 'namespaceLabels'>): Helper[] {
  const helpers: Helper[] = [];
  for (const policy of policies) {
    const helper = helperOf(service, policy, state, true);
    if (helper !== undefined) helpers.push(helper);
  }
  return helpers;
}

function helperOf(service: EssentialService, policy: NetworkPolicy, state: Pick<ClusterState, 'namespaceLabels'>, remember: boolean): Helper | undefined {
  if (!policy.policyTypes.has(service.direction)) return undefined;
  const allows = remember ? allowsCache.get(service, policy, () => allowsMatrix(service, policy, state)) : allowsMatrix(service, policy, state);
  return allows.any ? { policy, allows } : undefined;
}

// Indexes of a policy list, per list (lists are immutable: a new state hands out new lists).
const helperIndexes = new WeakPairCache<readonly NetworkPolicy[], EssentialService, SelectorIndex<Helper>>();
const isolatorIndexes = new WeakMap<readonly NetworkPolicy[], Map<Direction, SelectorIndex<NetworkPolicy>>>();

function helperIndex(policies: readonly NetworkPolicy[], service: EssentialService, state: Pick<ClusterState, 'namespaceLabels'>): SelectorIndex<Helper> {
  return helperIndexes.get(policies, service, () => new SelectorIndex(helpersIn(service, policies, state).map((helper) => [helper.policy.podSelector, helper] as const)));
}

function isolatorIndex(policies: readonly NetworkPolicy[], direction: Direction): SelectorIndex<NetworkPolicy> {
  let byDirection = isolatorIndexes.get(policies);
  if (byDirection === undefined) {
    byDirection = new Map();
    isolatorIndexes.set(policies, byDirection);
  }
  let index = byDirection.get(direction);
  if (index === undefined) {
    index = new SelectorIndex(policies.filter((policy) => policy.policyTypes.has(direction)).map((policy) => [policy.podSelector, policy] as const));
    byDirection.set(direction, index);
  }
  return index;
}

/** policySetOf is a plain list of policies as a PolicySet. */
export function policySetOf(policies: readonly NetworkPolicy[], state: Pick<ClusterState, 'namespaceLabels'>): PolicySet {
  return {
    policies: () => policies,
    helpers: (service, scope) => helperIndex(policies, service, state).meeting(scope),
    containing: (service, scope) => helperIndex(policies, service, state).containing(scope),
    isolating: (direction, scope) => isolatorIndex(policies, direction).meeting(scope),
  };
}

/** policySetAfter is the namespace as it would be after `change`, derived from `before` (and its indexes) incrementally. */
export function policySetAfter(before: readonly NetworkPolicy[], change: PolicyChange, state: Pick<ClusterState, 'namespaceLabels'>): PolicySet {
  let after: readonly NetworkPolicy[] | undefined;
  const added = change.operation === 'DELETE' ? undefined : change.policy;
  // Helpers of the namespace before the change, without the changed policy's old version and with its new one.
  const withAdded = (service: EssentialService, found: readonly Helper[]): Helper[] => {
    const helpers = found.filter((helper) => helper.policy.name !== change.name);
    const helper = added === undefined ? undefined : helperOf(service, added, state, false);
    if (helper !== undefined) helpers.push(helper);
    return helpers;
  };
  return {
    policies: () => (after ??= policiesAfter(before, change)),
    helpers: (service, scope) => withAdded(service, helperIndex(before, service, state).meeting(scope)),
    containing: (service, scope) => withAdded(service, helperIndex(before, service, state).containing(scope)),
    isolating: (direction, scope) => {
      const isolating = isolatorIndex(before, direction).meeting(scope).filter((policy) => policy.name !== change.name);
      if (added !== undefined && added.policyTypes.has(direction)) isolating.push(added);
      return isolating;
    },
  };
}

/**
 * findCutOff looks for a pod selected by `subject` that, with the namespace's policies, is isolated
 * in the service's direction and cannot use the service. Exact: for each isolating policy I, every
 * pod of subject ∧ I must match a set of policies that serves it (coversWith, a monotone condition).
 * Only policies that allow some requirement can help serve a pod, so the covering uses those alone.
 */
export function findCutOff(service: EssentialService, subject: LabelSelector, set: PolicySet): CutOff {
  const scope = service.targets === undefined ? subject : intersectSelectors(subject, service.targets);
  // Fast path, and the common case: the helpers that select every pod of the scope (a default-deny
  // selecting all pods, as a baseline has; the changed policy, whose pods the scope is; a policy
  // for exactly those pods) serve it by themselves. The index hands out only the helpers that may
  // contain the scope, however many others meet it; the first two tests decide without compiling.
  const whole = set.containing(service, scope).filter(({ policy }) => policy.podSelector === scope || isSelectAll(policy.podSelector) || containsSelector(policy.podSelector, scope));
  if (servedByAll(service, whole)) return { kind: 'served' };
  const helpers = set.helpers(service, scope);
  // The helpers matching a pod are few however many the namespace has: look at those alone.
  const enough = (matching: ReadonlySet<number>): boolean => servedByAll(service, [...matching].flatMap((index) => helpers[index] ?? []));
  const selectors = helpers.map((helper) => helper.policy.podSelector);
  // Then the exact question, first for the whole scope: is every pod of it served, isolated or not?
  if (coversWith(scope, selectors, enough).kind === 'covered') return { kind: 'served' };
  const isolating = set.isolating(service.direction, scope);
  for (const isolator of isolating) {
    const answer = coversWith(intersectSelectors(scope, isolator.podSelector), selectors, enough);
    if (answer.kind === 'too-complex') return { kind: 'too-complex' };
    if (answer.kind === 'uncovered') {
      const labels = answer.counterexample;
      return { kind: 'cut', labels, isolatedBy: isolating.filter((policy) => matchesSelector(policy.podSelector, labels)) };
    }
  }
  return { kind: 'served' };
}

/**
 * Regression is whether a change makes some pod lose a service it had: `worse` names one (labels,
 * and a test that tells whether any label set is such a pod, to find a real one), `none` says every
 * pod the change leaves cut off was cut off before it too.
 */
export type Regression = { readonly kind: 'none' } | { readonly kind: 'worse'; readonly labels: Labels; readonly loses: (labels: Labels) => boolean } | { readonly kind: 'too-complex' };

/**
 * findRegression looks, among the pods of `subject`, for one that the change cuts off from the
 * service and that was not cut off before it: isolated and unserved after, and before either not
 * isolated or served. Exact over every label set (coversWith with a condition that is not monotone).
 */
export function findRegression(service: EssentialService, subject: LabelSelector, before: PolicySet, after: PolicySet): Regression {
  const scope = service.targets === undefined ? subject : intersectSelectors(subject, service.targets);
  const helpersAfter = after.helpers(service, scope);
  const helpersBefore = before.helpers(service, scope);
  const isolatorsAfter = after.isolating(service.direction, scope);
  const isolatorsBefore = before.isolating(service.direction, scope);
  const groups = [helpersAfter.map((h) => h.policy.podSelector), helpersBefore.map((h) => h.policy.podSelector), isolatorsAfter.map((p) => p.podSelector), isolatorsBefore.map((p) => p.podSelector)];
  const offsets = groups.reduce<number[]>((at, group, index) => [...at, (at[index] ?? 0) + group.length], [0]);
  const selectors = groups.flat();
  const pick = <T>(items: readonly T[], group: number, matching: ReadonlySet<number>): T[] => items.filter((_, index) => matching.has((offsets[group] ?? 0) + index));
  const any = (group: number, matching: ReadonlySet<number>): boolean => {
    for (let index = offsets[group] ?? 0; index < (offsets[group + 1] ?? 0); index++) if (matching.has(index)) return true;
    return false;
  };
  const loses = (matching: ReadonlySet<number>): boolean => {
    if (!any(2, matching) || servedByAll(service, pick(helpersAfter, 0, matching))) return false;
    return !any(3, matching) || servedByAll(service, pick(helpersBefore, 1, matching));
  };
  const answer = coversWith(scope, selectors, (matching) => !loses(matching), { monotone: false });
  if (answer.kind === 'covered') return { kind: 'none' };
  if (answer.kind === 'too-complex') return { kind: 'too-complex' };
  const matchingOf = (labels: Labels): Set<number> => new Set(selectors.flatMap((selector, index) => (matchesSelector(selector, labels) ? [index] : [])));
  return { kind: 'worse', labels: answer.counterexample, loses: (labels) => matchesSelector(scope, labels) && loses(matchingOf(labels)) };
}

/** servedByAll says whether `helpers` together allow every requirement of one of the service's alternatives. */
function servedByAll(service: EssentialService, helpers: readonly Helper[]): boolean {
  return service.alternatives.some((alternative, a) => alternative.every((_, r) => allowedByOne(helpers, a, r)));
}

function allowedByOne(helpers: readonly Helper[], alternative: number, requirement: number): boolean {
  for (const helper of helpers) if (helper.allows.cells[alternative]?.[requirement] === true) return true;
  return false;
}

function subjectsOf(change: PolicyChange): LabelSelector[] {
  const subjects = [change.policy?.podSelector, change.oldPolicy?.podSelector].filter((s): s is LabelSelector => s !== undefined);
  return subjects.length > 0 ? subjects : [SELECT_ALL];
}

/**
 * essentialAccessFindings checks every essential service against the pods the changed (or
 * deleted) policy selects, comparing the namespace before and after the change: `essential-egress`
 * and `essential-ingress` for pods cut off afterwards (a finding that predates the change when
 * every such pod was cut off before it too), then `dns-tcp-missing` where DNS over UDP is fine.
 * `context.state` is the namespace as the guardrails judge it (its baseline in place).
 */
export function essentialAccessFindings(change: PolicyChange, context: RuleContext): Finding[] {
  const { state, config, essentials } = context;
  const beforeList = state.policiesIn(change.namespace);
  const after = policySetAfter(beforeList, change, state);
  const before = policySetOf(beforeList, state);
  const fix = (): NetworkPolicy => essentialsPolicy(change.namespace, config, essentials.services, new Set(after.policies().map((policy) => policy.name)));
  const findings: Finding[] = [];
  const subjects = subjectsOf(change);
  let dnsUdpCut = false;
  for (const service of essentials.services) {
    const rule: RuleId = service.direction === 'Egress' ? 'essential-egress' : 'essential-ingress';
    for (const subject of subjects) {
      const cut = findCutOff(service, subject, after);
      if (cut.kind === 'served') continue;
      if (service.name === essentials.dnsOverTcp?.name) dnsUdpCut = true;
      const regression = cut.kind === 'cut' ? findRegression(service, subject, before, after) : ({ kind: 'too-complex' } as const);
      findings.push(cutFinding(rule, change, subject, service, cut, regression, context, after, fix));
      break;
    }
  }
  const tcp = essentials.dnsOverTcp;
  if (tcp !== undefined && !dnsUdpCut) {
    for (const subject of subjects) {
      const cut = findCutOff(tcp, subject, after);
      if (cut.kind !== 'cut') continue;
      findings.push(dnsTcpMissingFinding(change.namespace, `${change.namespace}/${change.name}`, tcp, cut));
      break;
    }
  }
  return findings;
}

/**
 * dnsTcpMissingFinding reports `dns-tcp-missing`: pods that reach cluster DNS on 53/UDP but not on
 * 53/TCP. The webhook asks it of a change's pods, `audit` of a whole namespace's.
 */
export function dnsTcpMissingFinding(namespace: string, object: string, tcp: EssentialService, cut: { readonly labels: Labels; readonly isolatedBy: readonly NetworkPolicy[] }): Finding {
  return {
    rule: 'dns-tcp-missing',
    severity: 'warn',
    object,
    service: tcp.name,
    counterexample: { namespace, labels: cut.labels },
    summary: summaryLine('dns-tcp-missing', `pods ${labelsText(cut.labels)} in ${namespace} get DNS over UDP but not TCP 53`),
    message:
      `In ${namespace}, ${describePod(undefined, cut.labels)} can reach cluster DNS on 53/UDP but not on 53/TCP ` +
      `(isolated for Egress by ${cut.isolatedBy.map(policyId).join(', ')}). Large answers and some resolvers need TCP: ` +
      `allow 53/TCP wherever 53/UDP is allowed, e.g. the rule ${JSON.stringify(ruleManifest(tcp.fixRule, 'to'))}.`,
  };
}

function cutFinding(
  rule: RuleId,
  change: PolicyChange,
  subject: LabelSelector,
  service: EssentialService,
  cut: Exclude<CutOff, { kind: 'served' }>,
  regression: Regression,
  context: RuleContext,
  after: PolicySet,
  fix: () => NetworkPolicy,
): Finding {
  const object = `${change.namespace}/${change.name}`;
  const verb = service.direction === 'Egress' ? 'reach' : 'be reached by';
  const fixPolicy = fix();
  const fixManifest = networkPolicyManifest(fixPolicy);
  const ports = servicePorts(service);
  if (cut.kind === 'too-complex' || regression.kind === 'too-complex') {
    return {
      rule,
      severity: 'deny',
      object,
      service: service.name,
      summary: summaryLine(rule, `too complex to prove pods of ${object} can still ${verb} ${service.name}; allow ${ports}`),
      message: `netfence could not prove within its search budget that every pod ${object} selects can still ${verb} ${service.name} (${service.describe}) after this change. Simplify the selectors, or apply ${policyId(fixPolicy)} (the fix).`,
      fix: fixManifest,
    };
  }
  const predates = regression.kind === 'none';
  // A pod this change cuts off (or, when nothing is worse, one that stays cut off), real where one is.
  const labels = regression.kind === 'worse' ? regression.labels : cut.labels;
  const pod = affectedPod(context.state, change.namespace, regression.kind === 'worse' ? regression.loses : (podLabels) => isCutOff(service, subject, after, podLabels));
  const who = describePod(pod, labels);
  const isolatedBy = (pod === undefined ? cut.isolatedBy : cut.isolatedBy.filter((policy) => matchesSelector(policy.podSelector, pod.labels))).map(policyId);
  const isolators = (isolatedBy.length > 0 ? isolatedBy : cut.isolatedBy.map(policyId)).join(', ');
  const side = service.direction === 'Egress' ? 'egress' : 'ingress';
  const peerSide = service.direction === 'Egress' ? 'to' : 'from';
  const deleted = change.operation === 'DELETE' ? `deleting ${object}` : 'this change';
  const headlinePod = pod === undefined ? `pods ${labelsText(labels)}` : podName(pod);
  return {
    rule,
    severity: 'deny',
    object,
    service: service.name,
    ...(predates ? { predates: true as const } : {}),
    counterexample: { namespace: change.namespace, labels: pod?.labels ?? labels },
    fix: fixManifest,
    summary: summaryLine(rule, `${predates ? 'predates this change: ' : ''}${headlinePod}${pod === undefined ? ` in ${change.namespace}` : ''} cannot ${verb} ${service.name}${predates ? '' : `; allow ${ports}`}`),
    message:
      `After ${deleted}, ${who} in ${change.namespace} cannot ${verb} ${service.name} (${service.describe}): ` +
      `it is isolated for ${service.direction} by ${isolators}, and no ${side} rule of the namespace's policies allows it. ` +
      (predates ? 'Such pods were already cut off before this change, which does not make it worse. ' : '') +
      `Fix: add the ${side} rule ${JSON.stringify(ruleManifest(service.fixRule, peerSide))} to ${isolators.split(', ')[0] ?? object}, ` +
      `or apply ${policyId(fixPolicy)} (the fix), a default-deny that carries every essential allow.`,
  };
}

/** isCutOff says whether a pod with these labels, selected by `subject`, is isolated and cannot use the service with `set`. */
function isCutOff(service: EssentialService, subject: LabelSelector, set: PolicySet, labels: Labels): boolean {
  const scope = service.targets === undefined ? subject : intersectSelectors(subject, service.targets);
  if (!matchesSelector(scope, labels)) return false;
  if (!set.isolating(service.direction, scope).some((policy) => matchesSelector(policy.podSelector, labels))) return false;
  return !servedByAll(service, set.helpers(service, scope).filter((helper) => matchesSelector(helper.policy.podSelector, labels)));
}

/** servicePorts lists the ports a service's fix rule allows: `53/UDP and 53/TCP`. */
function servicePorts(service: EssentialService): string {
  const ports = (service.fixRule.ports ?? []).map((port) => `${port.range.kind === 'numbers' ? (port.range.from === port.range.to ? port.range.from : `${port.range.from}-${port.range.to}`) : port.range.kind === 'named' ? port.range.name : 'any port'}/${port.protocol}`);
  return ports.length === 0 ? 'any port' : ports.length === 1 ? (ports[0] ?? '') : `${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1] ?? ''}`;
}
