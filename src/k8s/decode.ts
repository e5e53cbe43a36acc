/**
 * A small decoder toolkit for untrusted JSON and YAML values. Nothing is cast: each reader checks
 * the value's type and throws a DecodeError that names the field's path, such as
 * `spec.ingress[0].from[1].podSelector.matchExpressions[0].operator`. Absent and null are the same
 * for optional fields, as in the Kubernetes API.
 */

import { labelsOf } from '../core/labels.js';
import type { Labels } from '../core/labels.js';

/** DecodeError is a value of the wrong shape at `path`; its message is `path: reason`. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }
}

/** Fields is a JSON object being decoded: its own properties only, and its path. */
export class Fields {
  private constructor(
    private readonly source: object,
    readonly path: string,
  ) {}

  /** of checks that `value` is an object (not an array, not null) and wraps it (no copy). */
  static of(value: unknown, path: string): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DecodeError(path, `must be an object (got ${describe(value)})`);
    }
    return new Fields(value, path);
  }

  /** child is the path of a field of this object. */
  child(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  /** raw returns a field's value, or undefined when it is absent or null. */
  raw(name: string): unknown {
    // Own properties only: an inherited name (toString, __proto__) is absent, as in JSON. Parsed
    // JSON and YAML have data properties only, so reading one runs no code (and allocates no
    // descriptor, as getOwnPropertyDescriptor would on every field of every request).
    const value: unknown = Object.hasOwn(this.source, name) ? Reflect.get(this.source, name) : undefined;
    return value === null ? undefined : value;
  }

  /** has says whether a field is present and not null. */
  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** names lists the object's keys. */
  names(): string[] {
    return Object.keys(this.source);
  }

  /** object reads an optional nested object. */
  object(name: string): Fields | undefined {
    const value = this.raw(name);
    return value === undefined ? undefined : Fields.of(value, this.child(name));
  }

  /** requiredObject reads a nested object that must be present. */
  requiredObject(name: string): Fields {
    return Fields.of(this.required(name), this.child(name));
  }

  /** string reads an optional string. */
  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new DecodeError(this.child(name), `must be a string (got ${describe(value)})`);
    return value;
  }

  /** requiredString reads a non-empty string that must be present. */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === '') throw new DecodeError(this.child(name), 'is required');
    return value;
  }

  /** boolean reads an optional boolean. */
  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw new DecodeError(this.child(name), `must be true or false (got ${describe(value)})`);
    return value;
  }

  /** integer reads an optional integer within [min, max]. */
  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return integerIn(value, this.child(name), min, max);
  }

  /** array reads an optional list and decodes each item with its own path (`name[i]`). */
  array<T>(name: string, item: (value: unknown, path: string) => T): T[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const path = this.child(name);
    if (!Array.isArray(value)) throw new DecodeError(path, `must be a list (got ${describe(value)})`);
    return value.map((entry: unknown, index) => item(entry, `${path}[${index}]`));
  }

  /** stringMap reads an optional map of strings (labels, annotations, a selector's matchLabels). */
  stringMap(name: string): Labels | undefined {
    const fields = this.object(name);
    if (fields === undefined) return undefined;
    const entries: [string, string][] = [];
    for (const key of fields.names()) {
      const value = fields.raw(key);
      if (typeof value !== 'string') throw new DecodeError(fields.child(key), `must be a string (got ${describe(value)})`);
      entries.push([key, value]);
    }
    return labelsOf(entries);
  }

  private required(name: string): unknown {
    const value = this.raw(name);
    if (value === undefined) throw new DecodeError(this.child(name), 'is required');
    return value;
  }
}

/** decodeString checks that a list item is a string. */
export function decodeString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new DecodeError(path, `must be a string (got ${describe(value)})`);
  return value;
}

/** integerIn checks that a value is an integer within [min, max]. */
export function integerIn(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new DecodeError(path, `must be an integer (got ${describe(value)})`);
  }
  if (value < min || value > max) throw new DecodeError(path, `must be between ${min} and ${max} (got ${value})`);
  return value;
}

/** describe names a value's type (and a short form of it) for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 40 ? `a string "${value.slice(0, 37)}..."` : `"${value}"`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value === 'object' ? 'map' : typeof value}`;
}

/** oneOf checks that a string is one of `allowed`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], path: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new DecodeError(path, `must be one of ${allowed.join(', ')} (got "${value}")`);
  return found;
}
