import type { OwnerReference } from '../model/pod.js';
import { DecodeError, Fields } from './decode.js';

/**
 * decodeController reads `metadata.ownerReferences` and returns the one with `controller: true`, if
 * any. Each reference needs apiVersion, kind, name and uid, and at most one may be the controller,
 * as the API server checks.
 */
export function decodeController(object: Fields): OwnerReference | undefined {
  const metadata = object.object('metadata');
  const references = metadata?.array('ownerReferences', (value, path) => {
    const fields = Fields.of(value, path);
    const reference: OwnerReference = {
      apiVersion: fields.requiredString('apiVersion'),
      kind: fields.requiredString('kind'),
      name: fields.requiredString('name'),
      uid: fields.requiredString('uid'),
    };
    fields.boolean('blockOwnerDeletion');
    return { reference, controller: fields.boolean('controller') === true, path: fields.child('controller') };
  });
  const controllers = (references ?? []).filter((entry) => entry.controller);
  const [first, second] = controllers;
  if (second !== undefined && first !== undefined) {
    throw new DecodeError(second.path, `only one owner reference may be the controller (${first.reference.kind} ${first.reference.name} is already)`);
  }
  return first?.reference;
}
