import type { Change } from '../guardrails/rules/change.js';
import { reviewChange } from '../guardrails/review.js';
import { decodeNamespace } from '../k8s/namespace.js';
import { decodeNetworkPolicy } from '../k8s/network-policy.js';
import { allowed } from './admission-response.js';
import { reviewedResource } from './admission-request.js';
import type { AdmissionRequest } from './admission-request.js';
import type { AdmissionContext } from './context.js';
import { decisionOf } from './decisions.js';
import type { Decision } from './decisions.js';
import { validateClientIntents } from './validate-client-intents.js';

/**
 * validate is the validating webhook: one function from request to decision. It reviews
 * NetworkPolicy and Namespace changes, Pod creations when the provisioning gate is on, and
 * ClientIntents (validateClientIntents); anything else is allowed untouched.
 */
export function validate(request: AdmissionRequest, context: AdmissionContext): Decision {
  if (reviewedResource(request.resource) === 'clientintents') return validateClientIntents(request, context);
  const change = changeOf(request, context.config.provisioningGate);
  if (change === undefined) return { response: allowed(), decision: 'skip', mode: undefined, findings: [] };
  const review = reviewChange(change, { state: context.state(), config: context.config, essentials: context.essentials() });
  if (review.allowed && !request.dryRun) context.admitted(change);
  return decisionOf(review);
}

function changeOf(request: AdmissionRequest, gate: boolean): Change | undefined {
  const { operation, user } = request;
  if (request.subResource !== undefined) return undefined;
  const resource = reviewedResource(request.resource);
  if (resource === 'networkpolicies') {
    const policy = request.object === undefined || operation === 'DELETE' ? undefined : decodeNetworkPolicy(request.object);
    const oldPolicy = request.oldObject === undefined ? undefined : decodeNetworkPolicy(request.oldObject);
    const namespace = request.namespace ?? policy?.namespace ?? oldPolicy?.namespace ?? 'default';
    const name = request.name ?? policy?.name ?? oldPolicy?.name ?? '';
    const inNamespace = <T extends { namespace: string }>(p: T | undefined): T | undefined => (p === undefined || p.namespace === namespace ? p : { ...p, namespace });
    return { kind: 'NetworkPolicy', operation, namespace, name, policy: inNamespace(policy), oldPolicy: inNamespace(oldPolicy), requester: user };
  }
  if (resource === 'namespaces') {
    const namespace = request.object === undefined || operation === 'DELETE' ? undefined : decodeNamespace(request.object);
    const oldNamespace = request.oldObject === undefined ? undefined : decodeNamespace(request.oldObject);
    const name = request.name ?? namespace?.name ?? oldNamespace?.name ?? '';
    return { kind: 'Namespace', operation, name, labels: namespace?.labels, oldLabels: oldNamespace?.labels, requester: user };
  }
  if (gate && resource === 'pods' && operation === 'CREATE') {
    // Pods made by controllers have only a generateName at admission: the namespace is what counts.
    return { kind: 'Pod', operation, namespace: request.namespace ?? 'default', name: request.name ?? '', requester: user };
  }
  return undefined;
}
