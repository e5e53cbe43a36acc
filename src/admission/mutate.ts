import { isExempt, profileForNewNamespace } from '../guardrails/adoption.js';
import { BASELINE_LABEL } from '../guardrails/baseline.js';
import { ruleManifest } from '../model/manifest.js';
import { remediateEssentialEgress } from '../guardrails/remediation.js';
import { modeOf } from '../guardrails/rules/baseline-opt-out.js';
import type { PolicyChange } from '../guardrails/rules/change.js';
import { summaryLine } from '../guardrails/rules/summary.js';
import { Fields } from '../k8s/decode.js';
import { decodeNetworkPolicy } from '../k8s/network-policy.js';
import { allowed, patched, withWarnings } from './admission-response.js';
import type { JsonPatchOperation } from './admission-response.js';
import { reviewedResource } from './admission-request.js';
import type { AdmissionRequest } from './admission-request.js';
import type { AdmissionContext } from './context.js';
import type { Decision } from './decisions.js';

/** escapeJsonPointer escapes a JSON Pointer token (RFC 6901): `~` as `~0`, `/` as `~1`. */
export function escapeJsonPointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * mutate is the mutating webhook: on Namespace CREATE it adds `netfence.io/baseline: <default
 * profile>` when the label is absent, so every new namespace says which baseline it gets. With
 * `remediation.essentialEgress`, a NetworkPolicy that would cut its pods off an essential service
 * gets the missing egress rule added instead of being denied.
 */
export function mutate(request: AdmissionRequest, context: AdmissionContext): Decision {
  const resource = reviewedResource(request.resource);
  if (resource === 'networkpolicies') return remediate(request, context);
  const { config } = context;
  const isNamespaceCreate = resource === 'namespaces' && request.operation === 'CREATE';
  if (!isNamespaceCreate || request.object === undefined) return { response: allowed(), decision: 'skip', mode: undefined, findings: [] };
  const metadata = Fields.of(request.object, 'object').object('metadata');
  const name = request.name ?? metadata?.string('name');
  if (name !== undefined && isExempt(name, config)) {
    return { response: allowed(), decision: 'skip', mode: undefined, findings: [] };
  }
  const labels = metadata?.stringMap('labels');
  const profile = profileForNewNamespace(name ?? '', labels, config);
  if (profile === undefined) return { response: allowed(), decision: 'allow', mode: undefined, findings: [] };
  const patch: JsonPatchOperation[] =
    labels === undefined
      ? [{ op: 'add', path: '/metadata/labels', value: { [BASELINE_LABEL]: profile } }]
      : [{ op: 'add', path: `/metadata/labels/${escapeJsonPointer(BASELINE_LABEL)}`, value: profile }];
  const response = withWarnings(patched(patch), [`netfence: namespace gets baseline profile "${profile}" (${BASELINE_LABEL})`]);
  return { response, decision: 'allow', mode: undefined, findings: [] };
}

const SKIP: Decision = { response: allowed(), decision: 'skip', mode: undefined, findings: [] };

/**
 * remediate adds, to a created or updated policy that isolates egress, the egress rule of each
 * essential service its pods would be cut off from. The validating webhook then sees the repaired
 * policy; the warning tells the user what was added.
 */
function remediate(request: AdmissionRequest, context: AdmissionContext): Decision {
  const { config } = context;
  if (!config.remediateEssentialEgress || request.object === undefined || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return SKIP;
  const policy = { ...decodeNetworkPolicy(request.object), ...(request.namespace === undefined ? {} : { namespace: request.namespace }) };
  const oldPolicy = request.oldObject === undefined ? undefined : decodeNetworkPolicy(request.oldObject);
  const change: PolicyChange = { kind: 'NetworkPolicy', operation: request.operation, namespace: policy.namespace, name: policy.name, policy, oldPolicy, requester: request.user };
  const remediation = remediateEssentialEgress(change, { state: context.state(), config, essentials: context.essentials() });
  if (remediation === undefined) return SKIP;
  const rules = remediation.rules.map((rule) => ruleManifest(rule, 'to'));
  const patch: JsonPatchOperation[] =
    policy.egress.length === 0
      ? [{ op: 'add', path: '/spec/egress', value: rules }]
      : rules.map((rule) => ({ op: 'add' as const, path: '/spec/egress/-', value: rule }));
  const names = remediation.services.join(', ');
  const response = withWarnings(patched(patch), [summaryLine('essential-egress', `netfence added egress to ${names} to ${policy.namespace}/${policy.name}`)]);
  return { response, decision: 'allow', mode: modeOf(context.state().namespaceLabels(policy.namespace), config.defaultMode), findings: [] };
}
