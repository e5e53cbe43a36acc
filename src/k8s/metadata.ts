import { NO_LABELS } from '../model/labels.js';
import type { Fields } from './decode.js';
import { LABEL_SYNTAX } from './names.js';

/** ObjectMeta is the part of `metadata` netfence reads. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: ReadonlyMap<string, string>;
}

/**
 * decodeMetadata reads an object's `metadata` (annotations must be strings, and are not kept). A
 * namespaced object without a namespace lands in `default`, as kubectl would put it there.
 */
export function decodeMetadata(object: Fields, namespaced: boolean): ObjectMeta {
  const metadata = object.requiredObject('metadata');
  const name = metadata.requiredString('name');
  const namespace = namespaced ? (metadata.string('namespace') ?? 'default') : '';
  const labels = metadata.stringMap('labels', LABEL_SYNTAX) ?? NO_LABELS;
  // Checked, not kept: no rule reads annotations.
  metadata.checkStringMap('annotations');
  return { name, namespace, labels };
}
