/**
 * The two JSON patch formats the API server takes for PATCH, as pure functions over parsed JSON,
 * for the test API server: JSON Merge Patch (RFC 7386, `application/merge-patch+json`, what
 * `kubectl label` and `kubectl annotate` send) and JSON Patch (RFC 6902,
 * `application/json-patch+json`). Neither changes its input.
 */

/** Json is a parsed JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type JsonObject = { [key: string]: Json };

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** mergePatch is RFC 7386 MergePatch(target, patch): objects merge, null removes a member, anything else replaces. */
export function mergePatch(target: Json | undefined, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const merged: JsonObject = isObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete merged[name];
    else merged[name] = mergePatch(merged[name], value);
  }
  return merged;
}

/** JsonPatchResult is a patched document, or why the patch could not be applied (RFC 6902 §5: nothing is applied then). */
export type JsonPatchResult = { readonly ok: true; readonly value: Json } | { readonly ok: false; readonly code: JsonPatchErrorCode; readonly message: string };

/**
 * JsonPatchErrorCode says what was wrong: `malformed` when the document is not a JSON Patch at
 * all (not an array of objects; the API server answers 400), `failed` when an operation could not
 * be applied (a missing path, an unknown op, a failed test; the API server answers 422).
 */
export type JsonPatchErrorCode = 'malformed' | 'failed';

class PatchFailure extends Error {}

/** applyJsonPatch applies RFC 6902 operations in order, all or nothing. */
export function applyJsonPatch(document: Json, operations: Json): JsonPatchResult {
  if (!Array.isArray(operations) || !operations.every(isObject)) {
    return { ok: false, code: 'malformed', message: 'a JSON Patch document is an array of operation objects' };
  }
  let current = structuredClone(document);
  try {
    for (const operation of operations) current = applyOperation(current, operation);
  } catch (error) {
    if (error instanceof PatchFailure) return { ok: false, code: 'failed', message: error.message };
    throw error;
  }
  return { ok: true, value: current };
}

function applyOperation(document: Json, operation: JsonObject): Json {
  const op = operation['op'];
  const path = pointer(operation, 'path');
  switch (op) {
    case 'add':
      return add(document, path, valueOf(operation));
    case 'remove':
      return remove(document, path);
    case 'replace':
      return add(remove(document, path), path, valueOf(operation));
    case 'move': {
      const from = pointer(operation, 'from');
      if (path.length > from.length && from.every((token, index) => path[index] === token)) throw new PatchFailure(`move: ${format(from)} cannot be moved into one of its children`);
      const value = get(document, from);
      return add(remove(document, from), path, value);
    }
    case 'copy':
      return add(document, path, structuredClone(get(document, pointer(operation, 'from'))));
    case 'test': {
      const actual = get(document, path);
      if (!sameJson(actual, valueOf(operation))) throw new PatchFailure(`test: the value at ${format(path)} is not the expected one`);
      return document;
    }
    default:
      throw new PatchFailure(`unknown op ${JSON.stringify(op ?? null)}`);
  }
}

function valueOf(operation: JsonObject): Json {
  const value = operation['value'];
  if (value === undefined) throw new PatchFailure(`${String(operation['op'])}: no value`);
  return value;
}

/** pointer parses an RFC 6901 JSON Pointer member of an operation into its reference tokens. */
function pointer(operation: JsonObject, member: 'path' | 'from'): string[] {
  const text = operation[member];
  if (typeof text !== 'string') throw new PatchFailure(`${String(operation['op'])}: no ${member}`);
  if (text === '') return [];
  if (!text.startsWith('/')) throw new PatchFailure(`${member} ${JSON.stringify(text)} is not a JSON Pointer`);
  return text
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

const format = (tokens: readonly string[]) => (tokens.length === 0 ? '""' : tokens.map((token) => `/${token.replaceAll('~', '~0').replaceAll('/', '~1')}`).join(''));

function arrayIndex(array: readonly Json[], token: string, path: readonly string[], allowEnd: boolean): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchFailure(`${format(path)}: ${JSON.stringify(token)} is not an array index`);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length)) throw new PatchFailure(`${format(path)}: index ${index} is out of range`);
  return index;
}

function get(document: Json, path: readonly string[]): Json {
  let current: Json = document;
  for (const token of path) {
    if (Array.isArray(current)) current = current[arrayIndex(current, token, path, false)] ?? null;
    else if (isObject(current) && Object.hasOwn(current, token)) current = current[token] ?? null;
    else throw new PatchFailure(`${format(path)}: no such path`);
  }
  return current;
}

/** update replaces the container at `path`'s parent with `change(parent, last token)`, copying the way down. */
function update(document: Json, path: readonly string[], change: (parent: Json, token: string) => Json): Json {
  const [token, ...rest] = path;
  if (token === undefined) throw new PatchFailure('the root has no parent');
  if (rest.length === 0) return change(document, token);
  if (Array.isArray(document)) {
    const index = arrayIndex(document, token, path, false);
    return document.map((item, at) => (at === index ? update(item, rest, change) : item));
  }
  if (isObject(document) && Object.hasOwn(document, token)) return { ...document, [token]: update(document[token] ?? null, rest, change) };
  throw new PatchFailure(`${format(path)}: no such path`);
}

function add(document: Json, path: readonly string[], value: Json): Json {
  if (path.length === 0) return value;
  return update(document, path, (parent, token) => {
    if (Array.isArray(parent)) {
      const index = token === '-' ? parent.length : arrayIndex(parent, token, path, true);
      return [...parent.slice(0, index), value, ...parent.slice(index)];
    }
    if (isObject(parent)) return { ...parent, [token]: value };
    throw new PatchFailure(`${format(path)}: the parent is not an object or an array`);
  });
}

function remove(document: Json, path: readonly string[]): Json {
  if (path.length === 0) return null;
  return update(document, path, (parent, token) => {
    if (Array.isArray(parent)) {
      const index = arrayIndex(parent, token, path, false);
      return parent.filter((_, at) => at !== index);
    }
    if (isObject(parent) && Object.hasOwn(parent, token)) {
      const { [token]: _removed, ...kept } = parent;
      return kept;
    }
    throw new PatchFailure(`${format(path)}: no such path`);
  });
}

/** sameJson is JSON equality: members in any order, numbers by value (RFC 6902 §4.6). */
export function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return a === b;
}
