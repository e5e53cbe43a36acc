import { withNameLabel } from '../model/namespace.js';
import type { Namespace } from '../model/namespace.js';
import { Fields } from './decode.js';
import { decodeMetadata } from './metadata.js';

/**
 * decodeNamespace reads a v1 Namespace; its labels get `kubernetes.io/metadata.name` as the API
 * server sets it, and it is terminating once deletion began (deletionTimestamp, or phase Terminating).
 * A live namespace's uid is kept for the Events written about it.
 */
export function decodeNamespace(value: unknown): Namespace {
  const object = Fields.of(value, '');
  const { name, labels } = decodeMetadata(object, false);
  const metadata = object.object('metadata');
  const deleting = metadata?.has('deletionTimestamp') === true || object.object('status')?.string('phase') === 'Terminating';
  const uid = metadata?.string('uid');
  return { name, labels: withNameLabel(name, labels), ...(deleting ? { terminating: true } : {}), ...(uid === undefined ? {} : { uid }) };
}
