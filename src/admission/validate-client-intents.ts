import { isExempt } from '../guardrails/adoption.js';
import { isMember } from '../guardrails/config.js';
import type { Mode } from '../guardrails/config.js';
import { modeOf } from '../guardrails/rules/baseline-opt-out.js';
import { generateIntentPolicies } from '../intents/generate.js';
import { decodeClientIntents } from '../k8s/client-intents.js';
import { DecodeError, isRecord } from '../k8s/decode.js';
import { allowed, denied, withAuditAnnotations, withWarnings } from './admission-response.js';
import type { Response } from './admission-response.js';
import type { AdmissionRequest } from './admission-request.js';
import type { AdmissionContext } from './context.js';
import type { Decision } from './decisions.js';

/**
 * validateClientIntents is the validating webhook for ClientIntents (`k8s.otterize.com`) on CREATE
 * and UPDATE, in the mode of the namespace they are in:
 * - one netfence cannot read (a field it reads is missing or wrong, a check the intents-operator's
 *   own webhook makes fails) is denied in enforce mode with the decoder's message, which names the
 *   field, and admitted with that message as a warning in audit mode;
 * - a client or target the cluster does not hold (a workload or a Service not found), a domain
 *   netfence cannot resolve, a target with nothing to do for the network: warnings (the generator's
 *   notices), never denials, since the workload may well be deployed after its intents;
 * - an exempt namespace or requester, or mode off: skipped.
 * The policies a ClientIntents calls for are written, proven first, by netfence's intents controller:
 * this webhook judges the ClientIntents, not those policies.
 */
export function validateClientIntents(request: AdmissionRequest, context: AdmissionContext): Decision {
  if (request.subResource !== undefined || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return skip(undefined);
  const { config } = context;
  const state = context.state();
  const metadata = isRecord(request.object) && isRecord(request.object['metadata']) ? request.object['metadata'] : {};
  const namespace = request.namespace ?? textOf(metadata['namespace']) ?? 'default';
  const name = request.name ?? textOf(metadata['name']) ?? textOf(metadata['generateName']) ?? '';
  const mode = modeOf(state.namespaceLabels(namespace), config.defaultMode);
  if (isExempt(namespace, config) || isMember(config.exempt, request.user) || mode === 'off') return skip(mode);
  let intents;
  try {
    intents = decodeClientIntents(withIdentity(request.object, namespace, name));
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    const message = `netfence: ClientIntents ${namespace}/${name} cannot be read: ${error.message}`;
    return mode === 'enforce' ? decided(denied(message), 'deny', mode) : decided(withWarnings(allowed(), [message]), 'allow', mode);
  }
  const { notices } = generateIntentPolicies(state, [intents], context.essentials());
  return decided(withWarnings(allowed(), notices.map((notice) => `netfence: ${notice}`)), 'allow', mode);
}

function skip(mode: Mode | undefined): Decision {
  return { response: allowed(), decision: 'skip', mode, findings: [] };
}

/** decided records the mode and the decision as audit annotations, as decisionOf does for the rules' decisions. */
function decided(response: Response, decision: 'allow' | 'deny', mode: Mode): Decision {
  return { response: withAuditAnnotations(response, { mode, decision }), decision, mode, findings: [] };
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * withIdentity gives the object the request's namespace and name where its metadata lacks them (a
 * name that is only a generateName on CREATE), so the decoder judges what the API server stores.
 */
function withIdentity(object: unknown, namespace: string, name: string): unknown {
  if (!isRecord(object)) return object;
  const metadata = isRecord(object['metadata']) ? object['metadata'] : {};
  return { ...object, metadata: { ...metadata, namespace: textOf(metadata['namespace']) ?? namespace, name: textOf(metadata['name']) ?? name } };
}
