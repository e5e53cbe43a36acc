import { coversSelector } from '../../engine/coverage.js';
import { ruleAllowsEverything } from '../../engine/allows-everything.js';
import { affectedPod, describePod } from '../affected-pods.js';
import type { Finding } from '../finding.js';
import { labelsOf } from '../../model/labels.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import { DIRECTIONS, policyId, rulesFor } from '../../model/network-policy.js';
import type { Direction, NetworkPolicy, PolicyRule } from '../../model/network-policy.js';
import { SELECT_ALL, formatSelector, intersectSelectors, isSelectAll, matchesSelector } from '../../model/selector.js';
import type { LabelSelector } from '../../model/selector.js';
import { isPublicService } from '../../model/service.js';
import type { Service } from '../../model/service.js';
import { isBaselinePolicy } from '../baseline.js';
import type { PolicyChange } from './change.js';
import type { RuleContext } from './essential-access.js';
import { summaryLine } from './summary.js';

/**
 * allowAllFindings reports a rule that allows everything (ruleAllowsEverything: every address, pod
 * and namespace on every port and protocol, however written). On a policy that selects every pod of
 * the namespace it is `allow-all` (deny): it voids the namespace's default-deny in that direction,
 * unless every pod was already open that way before the change (then it predates the change). On a
 * policy that selects only some pods it is `unrestricted-peers` (warn); for ingress to pods a
 * NodePort or LoadBalancer Service exposes it says that from anywhere is what exposing them means,
 * on the ports the Service targets, and names those ports.
 * `context.state` is the namespace as the guardrails judge it (its baseline in place).
 */
export function allowAllFindings(change: PolicyChange, context: RuleContext): Finding[] {
  const policy = change.policy;
  if (policy === undefined) return [];
  const findings: Finding[] = [];
  for (const direction of DIRECTIONS) {
    if (!policy.policyTypes.has(direction)) continue;
    const rules = rulesFor(policy, direction);
    const index = rules.findIndex(ruleAllowsEverything);
    if (index < 0) continue;
    if (coversSelector(SELECT_ALL, [policy.podSelector]).kind === 'covered') findings.push(allowAllFinding(change, policy, direction, index, context));
    else findings.push(unrestrictedPeersFinding(change, policy, direction, index, context));
  }
  return findings;
}

/** traffic says what an allow-everything rule lets through, in the direction's own words. */
function traffic(direction: Direction, pods: string): string {
  return direction === 'Egress' ? `lets ${pods} send to any address on any port` : `lets any address reach ${pods} on any port`;
}

function allowAllFinding(change: PolicyChange, policy: NetworkPolicy, direction: Direction, index: number, context: RuleContext): Finding {
  const field = `${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}]`;
  const object = `${change.namespace}/${change.name}`;
  // The namespace before the change (audit asks as if each policy were being created: without itself).
  const before = context.state.policiesIn(change.namespace).filter((other) => change.operation !== 'CREATE' || other.name !== change.name);
  const isolating = before.filter((other) => other.policyTypes.has(direction));
  const openers = isolating.filter((other) => rulesFor(other, direction).some(ruleAllowsEverything)).map((other) => other.podSelector);
  // Every pod some policy isolated before must already have been open: then nothing is worse.
  const predates = isolating.every((other) => coversSelector(other.podSelector, openers).kind === 'covered');
  // The namespace's default-deny: the isolating policies that select every pod, else all of them.
  const defaultDenies = isolating.filter((other) => isSelectAll(other.podSelector));
  const shown = defaultDenies.length > 0 ? defaultDenies : isolating;
  const baseline = shown.filter((other) => isBaselinePolicy(other.labels));
  const isolatedBefore =
    baseline.length === 0
      ? shown.map(policyId).join(', ')
      : baseline.length === shown.length
        ? `${shown.map(policyId).join(', ')}, the baseline netfence keeps`
        : `${shown.map(policyId).join(', ')}; netfence keeps ${baseline.map(policyId).join(', ')} as the baseline`;
  const fix = withoutRule(policy, direction, index, context);
  return {
    rule: 'allow-all',
    severity: 'deny',
    object,
    ...(predates ? { predates: true as const } : {}),
    fix: networkPolicyManifest(fix),
    summary: summaryLine('allow-all', `${predates ? 'predates this change: ' : ''}${object} ${field} ${traffic(direction, `every pod in ${change.namespace}`)}`),
    message:
      `${object} ${field} allows every address, pod and namespace on every port and protocol, and the policy selects every pod of ${change.namespace}: ` +
      `it ${traffic(direction, 'all of them')}. ` +
      (predates
        ? `Every pod of ${change.namespace} was already open for ${direction} before this change, so it makes nothing worse. `
        : `That undoes the namespace's default-deny for ${direction} (today by ${isolatedBefore}). `) +
      `Name the peers (podSelector, namespaceSelector, ipBlock) and ports the pods need; the fix is the policy without ${field}` +
      `${direction === 'Egress' && fix.egress.length > 0 ? ', keeping the essential egress' : ''}.`,
  };
}

/** withoutRule is the fix for allow-all: the policy with that rule taken out (for egress, the essential egress rules in its place). */
function withoutRule(policy: NetworkPolicy, direction: Direction, index: number, context: RuleContext): NetworkPolicy {
  const kept = rulesFor(policy, direction).filter((rule, at) => at !== index && !ruleAllowsEverything(rule));
  if (direction === 'Ingress') return { ...policy, ingress: kept };
  const essentials: PolicyRule[] = context.essentials.services.filter((service) => service.direction === 'Egress').map((service) => service.fixRule);
  return { ...policy, egress: [...kept, ...essentials] };
}

function unrestrictedPeersFinding(change: PolicyChange, policy: NetworkPolicy, direction: Direction, index: number, context: RuleContext): Finding {
  const field = `${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}]`;
  const object = `${change.namespace}/${change.name}`;
  const pod = affectedPod(context.state, change.namespace, (labels) => matchesSelector(policy.podSelector, labels));
  const pods = pod === undefined ? `pods ${formatSelector(policy.podSelector)}` : describePod(pod, pod.labels);
  const side = direction === 'Egress' ? 'to' : 'from';
  const example =
    direction === 'Egress'
      ? '{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: NAMESPACE}}, podSelector: {matchLabels: {app: SERVER}}}], ports: [{port: PORT}]}'
      : '{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: NAMESPACE}}, podSelector: {matchLabels: {app: CLIENT}}}], ports: [{port: PORT}]}';
  // Pods a NodePort or LoadBalancer Service exposes: from anywhere is what exposing them means, on the ports it targets.
  const exposing = direction === 'Ingress' ? exposingServices(policy, context) : [];
  const narrower =
    exposing.length > 0
      ? `The pods are exposed by ${exposing.map((service) => `${service.type ?? 'ClusterIP'} Service ${service.namespace}/${service.name}`).join(', ')}: ` +
        `from anywhere is what that means on the ports ${exposing.length === 1 ? 'it targets' : 'they target'} (${targetPorts(exposing)}), not on every port; name those ports, e.g. {ports: [${targetPortsManifest(exposing)}]}.`
      : `A narrower rule names the peers ${side} which the pods need traffic and their ports, e.g. ${example}.`;
  return {
    rule: 'unrestricted-peers',
    severity: 'warn',
    object,
    summary: summaryLine('unrestricted-peers', `${object} ${field} ${traffic(direction, `pods ${formatSelector(policy.podSelector)}`)}`),
    message: `${object} ${field} ${traffic(direction, pods)}: every address, pod and namespace on every port and protocol. ${narrower}`,
  };
}

/** targetPorts lists the ports Services target: `8080/TCP, http/TCP`. */
function targetPorts(services: readonly Service[]): string {
  return [...new Set(services.flatMap((service) => service.ports.map((port) => `${port.targetPort}/${port.protocol}`)))].join(', ');
}

/** targetPortsManifest writes the Services' target ports as NetworkPolicy ports. */
function targetPortsManifest(services: readonly Service[]): string {
  return [...new Set(services.flatMap((service) => service.ports.map((port) => `{port: ${port.targetPort}, protocol: ${port.protocol}}`)))].join(', ');
}

/**
 * exposingServices are the NodePort and LoadBalancer Services of the policy's namespace that select
 * its pods, when together they select every pod the policy does (else none).
 */
function exposingServices(policy: NetworkPolicy, context: RuleContext): Service[] {
  const services = context.state
    .services()
    .filter((service) => service.namespace === policy.namespace && isPublicService(service) && service.selector !== null && service.selector.size > 0);
  const selectors: LabelSelector[] = services.map((service) => ({ matchLabels: labelsOf([...(service.selector ?? [])]), matchExpressions: [] }));
  if (selectors.length === 0 || isSelectAll(policy.podSelector) || coversSelector(policy.podSelector, selectors).kind !== 'covered') return [];
  return services.filter((_, index) => {
    const selector = selectors[index];
    return selector !== undefined && coversSelector(intersectSelectors(policy.podSelector, selector), []).kind !== 'covered';
  });
}

/** namespaceSelectorAllFindings reports `namespace-selector-all`: a peer `namespaceSelector: {}`. */
export function namespaceSelectorAllFindings(change: PolicyChange): Finding[] {
  const policy: NetworkPolicy | undefined = change.policy;
  if (policy === undefined) return [];
  const fields: string[] = [];
  for (const direction of DIRECTIONS) {
    const side = direction === 'Ingress' ? 'from' : 'to';
    const rules = rulesFor(policy, direction);
    for (let index = 0; index < rules.length; index++) {
      const peers = rules[index]?.peers ?? [];
      for (let peerIndex = 0; peerIndex < peers.length; peerIndex++) {
        const peer = peers[peerIndex];
        if (peer?.kind === 'pods' && peer.namespaceSelector !== null && isSelectAll(peer.namespaceSelector)) {
          fields.push(`${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}].${side}[${peerIndex}]`);
        }
      }
    }
  }
  if (fields.length === 0) return [];
  const object = `${change.namespace}/${change.name}`;
  return [
    {
      rule: 'namespace-selector-all',
      severity: 'warn',
      object,
      summary: summaryLine('namespace-selector-all', `${object} ${fields[0] ?? ''}: namespaceSelector {} matches every namespace`),
      message:
        `${object} ${fields.join(', ')}: namespaceSelector {} matches every namespace, kube-system and other tenants included. ` +
        `Select namespaces by label, e.g. namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: NAME}}.`,
    },
  ];
}
