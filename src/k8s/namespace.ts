import { withNameLabel } from '../core/namespace.js';
import type { Namespace } from '../core/namespace.js';
import { Fields } from './decode.js';
import { decodeMetadata } from './metadata.js';

/** decodeNamespace reads a v1 Namespace; its labels get `kubernetes.io/metadata.name` as the API server sets it. */
export function decodeNamespace(value: unknown): Namespace {
  const { name, labels } = decodeMetadata(Fields.of(value, ''), false);
  return { name, labels: withNameLabel(name, labels) };
}
