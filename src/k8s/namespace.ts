import { withNameLabel } from '../core/namespace.js';
import type { Namespace } from '../core/namespace.js';
import { Fields } from './decode.js';
import { decodeMetadata } from './metadata.js';

/**
 * decodeNamespace reads a v1 Namespace; its labels get `kubernetes.io/metadata.name` as the API
 * server sets it, and it is terminating once deletion began (deletionTimestamp, or phase Terminating).
 */
export function decodeNamespace(value: unknown): Namespace {
  const object = Fields.of(value, '');
  const { name, labels } = decodeMetadata(object, false);
  const deleting = object.object('metadata')?.has('deletionTimestamp') === true || object.object('status')?.string('phase') === 'Terminating';
  return deleting ? { name, labels: withNameLabel(name, labels), terminating: true } : { name, labels: withNameLabel(name, labels) };
}
