import { BASELINE_LABEL } from '../core/baseline.js';
import { Fields } from '../k8s/decode.js';
import { allowed, patched, withWarnings } from './admission-response.js';
import type { JsonPatchOperation } from './admission-response.js';
import type { AdmissionRequest } from './admission-request.js';
import type { AdmissionContext } from './context.js';
import type { Decision } from './decisions.js';

/** escapeJsonPointer escapes a JSON Pointer token (RFC 6901): `~` as `~0`, `/` as `~1`. */
export function escapeJsonPointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/**
 * mutate is the mutating webhook: on Namespace CREATE it adds `netfence.io/baseline: <default
 * profile>` when the label is absent, so every new namespace says which baseline it gets.
 */
export function mutate(request: AdmissionRequest, context: AdmissionContext): Decision {
  const { config } = context;
  const isNamespaceCreate = request.resource.group === '' && request.resource.resource === 'namespaces' && request.operation === 'CREATE';
  if (!isNamespaceCreate || request.object === undefined) return { response: allowed(), decision: 'skip', mode: undefined, findings: [] };
  const metadata = Fields.of(request.object, 'object').object('metadata');
  const name = request.name ?? metadata?.string('name');
  if (name !== undefined && (name === config.namespace || config.exempt.namespaces.includes(name))) {
    return { response: allowed(), decision: 'skip', mode: undefined, findings: [] };
  }
  const labels = metadata?.stringMap('labels');
  if (labels?.has(BASELINE_LABEL)) return { response: allowed(), decision: 'allow', mode: undefined, findings: [] };
  const patch: JsonPatchOperation[] =
    labels === undefined
      ? [{ op: 'add', path: '/metadata/labels', value: { [BASELINE_LABEL]: config.defaultProfile } }]
      : [{ op: 'add', path: `/metadata/labels/${escapeJsonPointer(BASELINE_LABEL)}`, value: config.defaultProfile }];
  const response = withWarnings(patched(patch), [`netfence: namespace gets baseline profile "${config.defaultProfile}" (${BASELINE_LABEL})`]);
  return { response, decision: 'allow', mode: undefined, findings: [] };
}
