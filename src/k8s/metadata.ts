import { NO_LABELS } from '../core/labels.js';
import type { Fields } from './decode.js';
import { checkLabels } from './names.js';

/** ObjectMeta is the part of `metadata` netfence reads. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: ReadonlyMap<string, string>;
  readonly annotations: ReadonlyMap<string, string>;
}

/**
 * decodeMetadata reads an object's `metadata`. A namespaced object without a namespace lands in
 * `default`, as kubectl would put it there.
 */
export function decodeMetadata(object: Fields, namespaced: boolean): ObjectMeta {
  const metadata = object.requiredObject('metadata');
  const name = metadata.requiredString('name');
  const namespace = namespaced ? (metadata.string('namespace') ?? 'default') : '';
  const labels = metadata.stringMap('labels') ?? NO_LABELS;
  checkLabels(labels, metadata.child('labels'));
  const annotations = metadata.stringMap('annotations') ?? NO_LABELS;
  return { name, namespace, labels, annotations };
}
