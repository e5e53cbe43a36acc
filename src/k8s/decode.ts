/**
 * A small decoder toolkit for untrusted JSON and YAML values. Nothing is cast: each reader checks
 * the value's type and throws a DecodeError that names the field's path, such as
 * `spec.ingress[0].from[1].podSelector.matchExpressions[0].operator`. Absent and null are the same
 * for optional fields, as in the Kubernetes API.
 */

import { labelsOfFlat } from '../model/labels.js';
import type { Labels } from '../model/labels.js';

/**
 * Path is where a value sits in a document: a string (`spec.ingress[0]`, '' for the document
 * itself) or a PathStep, which spells itself out only when an error needs it. Most values decode
 * without error, and building every path as a string cost more than the decoding it labelled.
 */
export type Path = string | PathStep;

/** PathStep is a Path one step below `parent`: a field name or a list index. */
export class PathStep {
  constructor(
    private readonly parent: Path,
    private readonly step: string | number,
  ) {}

  toString(): string {
    const parent = String(this.parent);
    if (typeof this.step === 'number') return `${parent}[${this.step}]`;
    return parent === '' ? this.step : `${parent}.${this.step}`;
  }
}

/** DecodeError is a value of the wrong shape at `path`; its message is `path: reason`. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly path: string;

  constructor(
    path: Path,
    readonly reason: string,
  ) {
    const text = String(path);
    super(text === '' ? reason : `${text}: ${reason}`);
    this.path = text;
  }
}

/** MapSyntax says what is wrong with a map's key or value, if anything (names.ts has label syntax). */
export interface MapSyntax {
  readonly key: (key: string) => string | undefined;
  readonly value: (value: string) => string | undefined;
}

/** Fields is a JSON object being decoded: its own properties only, and where it is. */
export class Fields {
  private constructor(
    private readonly source: object,
    // The object's path is `base` and then `step`, if any: one object per decoded object, no string.
    private readonly base: Path,
    private readonly step: string | undefined,
  ) {}

  /** of checks that `value` is an object (not an array, not null) and wraps it (no copy). */
  static of(value: unknown, path: Path): Fields {
    return Fields.at(value, path, undefined);
  }

  private static at(value: unknown, base: Path, step: string | undefined): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DecodeError(step === undefined ? base : new PathStep(base, step), `must be an object (got ${describe(value)})`);
    }
    return new Fields(value, base, step);
  }

  /** path is this object's path, spelled out. */
  get path(): string {
    return String(this.location());
  }

  /** child is the path of a field of this object (spelled out when used). */
  child(name: string): PathStep {
    return new PathStep(this.location(), name);
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
    return value === undefined ? undefined : Fields.at(value, this.location(), name);
  }

  /** requiredObject reads a nested object that must be present. */
  requiredObject(name: string): Fields {
    return Fields.at(this.required(name), this.location(), name);
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
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    return integerIn(value, this.child(name), min, max);
  }

  /** oneOf reads an optional string that must be one of `allowed`. */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    return member(value, allowed) ?? oneOf(value, allowed, this.child(name));
  }

  /** requiredOneOf reads a string that must be present and one of `allowed`. */
  requiredOneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.oneOf(name, allowed);
    if (value === undefined) throw new DecodeError(this.child(name), 'is required');
    return value;
  }

  /** array reads an optional list and decodes each item with its own path (`name[i]`). */
  array<T>(name: string, item: (value: unknown, path: Path) => T): T[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const path = this.child(name);
    if (!Array.isArray(value)) throw new DecodeError(path, `must be a list (got ${describe(value)})`);
    return value.map((entry: unknown, index) => item(entry, new PathStep(path, index)));
  }

  /** location is this object's path, as a Path. */
  private location(): Path {
    return this.step === undefined ? this.base : new PathStep(this.base, this.step);
  }

  /**
   * stringMap reads an optional map of strings (labels, a selector's matchLabels, a Secret's data);
   * with `syntax`, its keys and values must also be well-formed: a wrong key is reported at the map,
   * a wrong value at its key.
   */
  stringMap(name: string, syntax?: MapSyntax): Labels | undefined {
    const fields = this.object(name);
    if (fields === undefined) return undefined;
    const source = fields.source;
    // Two passes over the keys, the first to count them: the flat array is then made at its
    // exact size (a cache holds hundreds of thousands) and nothing else is allocated.
    let count = 0;
    for (const key in source) if (Object.hasOwn(source, key)) count += 1;
    const flat = new Array<string>(2 * count);
    let at = 0;
    for (const key in source) {
      if (!Object.hasOwn(source, key)) continue;
      const value: unknown = Reflect.get(source, key);
      if (typeof value !== 'string') throw new DecodeError(fields.child(key), `must be a string (got ${describe(value)})`);
      const keyProblem = syntax?.key(key);
      if (keyProblem !== undefined) throw new DecodeError(fields.location(), keyProblem);
      const valueProblem = syntax?.value(value);
      if (valueProblem !== undefined) throw new DecodeError(fields.child(key), valueProblem);
      flat[at] = key;
      flat[at + 1] = value;
      at += 2;
    }
    return labelsOfFlat(flat);
  }

  /** checkStringMap checks that an optional field is a map of strings (annotations), and keeps nothing. */
  checkStringMap(name: string): void {
    const fields = this.object(name);
    if (fields === undefined) return;
    for (const key in fields.source) if (Object.hasOwn(fields.source, key)) fields.string(key);
  }

  private required(name: string): unknown {
    const value = this.raw(name);
    if (value === undefined) throw new DecodeError(this.child(name), 'is required');
    return value;
  }
}

/** decodeString checks that a list item is a string. */
/** isRecord narrows a JSON value to an object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeString(value: unknown, path: Path): string {
  if (typeof value !== 'string') throw new DecodeError(path, `must be a string (got ${describe(value)})`);
  return value;
}

/** integerIn checks that a value is an integer within [min, max]. */
export function integerIn(value: unknown, path: Path, min: number, max: number): number {
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
export function oneOf<T extends string>(value: string, allowed: readonly T[], path: Path): T {
  const found = member(value, allowed);
  if (found === undefined) throw new DecodeError(path, `must be one of ${allowed.join(', ')} (got "${value}")`);
  return found;
}

function member<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  for (const candidate of allowed) if (candidate === value) return candidate;
  return undefined;
}
