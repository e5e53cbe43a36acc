import { adoptionOf, previewAdoption } from './adoption.js';
import { affectedPod, describePod, labelsText, podName } from './affected-pods.js';
import { BASELINE_LABEL, essentialsPolicy } from './baseline.js';
import type { ClusterState } from '../model/cluster-state.js';
import type { Config } from './config.js';
import type { Finding, RuleId } from './finding.js';
import { NO_LABELS } from '../model/labels.js';
import type { Labels } from '../model/labels.js';
import { networkPolicyManifest } from '../model/manifest.js';
import type { Namespace } from '../model/namespace.js';
import { policyId } from '../model/network-policy.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { EssentialServices } from './resolve-essential-services.js';
import { modeOf } from './rules/baseline-opt-out.js';
import { podNotIsolated } from './rules/default-deny.js';
import { dnsTcpMissingFinding, findCutOff, policySetOf } from './rules/essential-access.js';
import { peerSplitFindings } from './rules/peer-split.js';
import { allowAllFindings, namespaceSelectorAllFindings } from './rules/policy-shape.js';
import { summaryLine } from './rules/summary.js';
import { SELECT_ALL, matchesSelector } from '../model/selector.js';
import { servedBy } from './essential-service.js';
import type { EssentialService } from './essential-service.js';

/**
 * Audit: the same guardrails applied to a cluster as it is, not to a change. For each namespace
 * that is not exempt or off: pods not isolated in a required direction, pods cut off from an
 * essential service (exactly, over every label set, so pods that do not exist yet count), and
 * each policy that breaks a rule by its shape.
 */

/** AuditContext is what an audit reads. */
export interface AuditContext {
  readonly state: ClusterState;
  readonly config: Config;
  readonly essentials: EssentialServices;
}

/** auditNamespace lists a namespace's findings with the configured severities. */
export function auditNamespace(namespace: Namespace, context: AuditContext): Finding[] {
  const { state, config, essentials } = context;
  const policies = state.policiesIn(namespace.name);
  const fix = networkPolicyManifest(essentialsPolicy(namespace.name, config, essentials.services, new Set(policies.map((policy) => policy.name))));
  const findings: Finding[] = [];
  const gaps = [...config.requiredDirections].flatMap((direction) => {
    const missing = podNotIsolated(policies, direction);
    if (missing === undefined) return [];
    const labels = missing === 'too-complex' ? NO_LABELS : missing;
    const isolating = policies.filter((policy) => policy.policyTypes.has(direction));
    const pod = affectedPod(state, namespace.name, (podLabels) => !isolating.some((policy) => matchesSelector(policy.podSelector, podLabels)));
    return [{ direction, labels, pod }];
  });
  const first = gaps[0];
  if (first !== undefined) {
    const directions = gaps.map((gap) => gap.direction).join(' and ');
    const examples = gaps.map((gap) => `${describePod(gap.pod, gap.labels)} is not isolated for ${gap.direction}`).join('; ');
    findings.push({
      rule: 'default-deny-missing',
      severity: 'deny',
      object: namespace.name,
      counterexample: { namespace: namespace.name, labels: first.pod?.labels ?? first.labels },
      fix,
      summary: summaryLine('default-deny-missing', `${first.pod === undefined ? `pods ${labelsText(first.labels)} in ${namespace.name}` : podName(first.pod)} not isolated for ${directions}`),
      message: `In ${namespace.name}, ${examples}: no policy with that policyType selects it, so that traffic of theirs is not restricted at all.`,
    });
  }
  const set = policySetOf(policies, state);
  let dnsUdpCut = false;
  for (const service of essentials.services) {
    const cut = findCutOff(service, SELECT_ALL, set);
    if (cut.kind === 'served') continue;
    if (service.name === essentials.dnsOverTcp?.name) dnsUdpCut = true;
    const rule: RuleId = service.direction === 'Egress' ? 'essential-egress' : 'essential-ingress';
    const verb = service.direction === 'Egress' ? 'reach' : 'be reached by';
    const cutLabels = cut.kind === 'cut' ? cut.labels : new Map<string, string>();
    const pod = cut.kind === 'cut' ? affectedPod(state, namespace.name, (podLabels) => isCutOffNow(service, podLabels, policies, state)) : undefined;
    const labels = pod?.labels ?? cutLabels;
    const isolatedBy = cut.kind === 'cut' ? cut.isolatedBy.map(policyId).join(', ') : 'its policies';
    findings.push({
      rule,
      severity: 'deny',
      object: namespace.name,
      service: service.name,
      counterexample: { namespace: namespace.name, labels },
      fix,
      summary: summaryLine(rule, `${pod === undefined ? `pods ${labelsText(labels)} in ${namespace.name}` : podName(pod)} cannot ${verb} ${service.name}`),
      message:
        cut.kind === 'cut'
          ? `In ${namespace.name}, ${describePod(pod, labels)} cannot ${verb} ${service.name} (${service.describe}): isolated for ${service.direction} by ${isolatedBy}, and no rule allows it.`
          : `netfence could not prove within its search budget that every pod in ${namespace.name} can ${verb} ${service.name}.`,
    });
  }
  // As the webhook does for a change: where DNS over UDP is served, is DNS over TCP too?
  const tcp = essentials.dnsOverTcp;
  if (tcp !== undefined && !dnsUdpCut) {
    const cut = findCutOff(tcp, SELECT_ALL, set);
    if (cut.kind === 'cut') findings.push(dnsTcpMissingFinding(namespace.name, namespace.name, tcp, cut));
  }
  for (const policy of policies) findings.push(...shapeFindings(policy, context));
  return findings.flatMap((finding): Finding[] => {
    const severity = config.severity[finding.rule];
    return severity === 'off' ? [] : [{ ...finding, severity }];
  });
}

function shapeFindings(policy: NetworkPolicy, context: AuditContext): Finding[] {
  const change = { kind: 'NetworkPolicy' as const, operation: 'CREATE' as const, namespace: policy.namespace, name: policy.name, policy, oldPolicy: undefined, requester: { username: '', groups: [] } };
  return [...allowAllFindings(change, context), ...namespaceSelectorAllFindings(change), ...peerSplitFindings(change)];
}

/** isCutOffNow says whether a pod with these labels is isolated in the service's direction and not served by the policies that isolate it. */
function isCutOffNow(service: EssentialService, labels: Labels, policies: readonly NetworkPolicy[], state: ClusterState): boolean {
  const isolating = policies.filter((policy) => policy.policyTypes.has(service.direction) && matchesSelector(policy.podSelector, labels));
  return isolating.length > 0 && !servedBy(service, isolating, state);
}

/** auditedNamespaces are the namespaces netfence guards: not its own, not exempt, not in mode off. */
export function auditedNamespaces(state: ClusterState, config: Config): Namespace[] {
  return state
    .namespaces()
    .filter((namespace) => namespace.name !== config.namespace && !config.exempt.namespaces.includes(namespace.name))
    .filter((namespace) => modeOf(namespace.labels, config.defaultMode) !== 'off');
}

/** auditCluster audits every namespace netfence guards, and says which of them are not adopted yet. */
export function auditCluster(context: AuditContext): Finding[] {
  return auditedNamespaces(context.state, context.config).flatMap((namespace) => {
    const findings = auditNamespace(namespace, context);
    const asked = context.config.severity['namespace-not-adopted'] !== 'off' && adoptionOf(namespace, context.config).kind === 'not-adopted';
    const notAdopted = asked ? notAdoptedFinding(namespace, context) : undefined;
    return notAdopted === undefined ? findings : [notAdopted, ...findings];
  });
}

/** LISTED_PODS is how many pods a not-adopted finding's message names before it counts the rest. */
const LISTED_PODS = 5;

/**
 * notAdoptedFinding reports `namespace-not-adopted`: netfence provisions and repairs nothing in the
 * namespace until it is labelled, and says what adopting it would do to the pods running there.
 */
function notAdoptedFinding(namespace: Namespace, context: AuditContext): Finding | undefined {
  const { state, config } = context;
  const preview = previewAdoption(namespace.name, config.defaultProfile, state, config);
  if (preview === undefined) return undefined;
  const pods = state.podsIn(namespace.name);
  const names = preview.isolated.map(({ pod, directions }) => `${pod.name} (${directions.join(', ')})`);
  const listed = names.length <= LISTED_PODS ? names.join(', ') : `${names.slice(0, LISTED_PODS).join(', ')} and ${names.length - LISTED_PODS} more`;
  const effect =
    pods.length === 0
      ? 'no pods run there today'
      : preview.isolated.length === 0
        ? `none of its ${pods.length} pod(s) would be newly isolated`
        : `${preview.isolated.length} of its ${pods.length} pod(s) would be isolated for the first time, their traffic denied unless a policy allows it: ${listed}`;
  const label = `kubectl label namespace ${namespace.name} ${BASELINE_LABEL}=${preview.profile}`;
  return {
    rule: 'namespace-not-adopted',
    severity: config.severity['namespace-not-adopted'] === 'deny' ? 'deny' : 'warn',
    object: namespace.name,
    summary: summaryLine('namespace-not-adopted', `${namespace.name} has no baseline: not adopted (${preview.isolated.length} pod(s) would be isolated)`),
    message: `Namespace ${namespace.name} is not adopted (no ${BASELINE_LABEL} label): netfence provisions and repairs no baseline there. Adopting it with profile "${preview.profile}" (${label}): ${effect}.`,
    adoption: { profile: preview.profile, isolated: preview.isolated.map(({ pod, directions }) => ({ pod: `${pod.namespace}/${pod.name}`, directions })) },
  };
}
