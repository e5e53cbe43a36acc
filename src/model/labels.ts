/**
 * Labels is a set of Kubernetes labels, key to value. A Map, not a plain object, so that a key such
 * as `__proto__` or `constructor` coming from user YAML is just a key.
 */
export type Labels = ReadonlyMap<string, string>;

/** LABEL_MAP_MAX: above this many entries a hashed Map looks up faster than a scan. */
const LABEL_MAP_MAX = 16;

/**
 * labelsOf makes immutable Labels from a Kubernetes object's string map (labels, a selector's
 * matchLabels). Keys must be unique, as a JSON or YAML object's are.
 */
export function labelsOf(entries: readonly (readonly [string, string])[]): Labels {
  // An array of exactly this length: one grown by push or flat() keeps room for 17 entries.
  const flat = new Array<string>(entries.length * 2);
  entries.forEach(([key, value], index) => {
    flat[2 * index] = key;
    flat[2 * index + 1] = value;
  });
  return labelsOfFlat(flat);
}

/**
 * labelsOfFlat makes immutable Labels from `[key0, value0, key1, value1, ...]` (unique keys), which
 * it keeps: a LabelMap for the usual handful of entries, a Map for more.
 */
export function labelsOfFlat(flat: string[]): Labels {
  if (flat.length <= 2 * LABEL_MAP_MAX) return new LabelMap(flat);
  const map = new Map<string, string>();
  for (let i = 0; i < flat.length; i += 2) map.set(flat[i] ?? '', flat[i + 1] ?? '');
  return map;
}

/**
 * LabelMap is small immutable Labels. A cluster cache holds a few hundred thousand label sets and
 * selectors, most with one to three entries, and a Map costs ~184 bytes even for one entry; this
 * keeps the entries in one flat array `[key0, value0, key1, value1, ...]` (~96 bytes for one), and a
 * scan of a few keys is as fast as hashing. Made by labelsOf.
 */
export class LabelMap implements ReadonlyMap<string, string> {
  constructor(private readonly flat: readonly string[]) {}

  get size(): number {
    return this.flat.length / 2;
  }

  get(key: string): string | undefined {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return flat[i + 1];
    return undefined;
  }

  has(key: string): boolean {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return true;
    return false;
  }

  forEach(callback: (value: string, key: string, map: ReadonlyMap<string, string>) => void): void {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) callback(flat[i + 1] ?? '', flat[i] ?? '', this);
  }

  *entries(): MapIterator<[string, string]> {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) yield [flat[i] ?? '', flat[i + 1] ?? ''];
  }

  *keys(): MapIterator<string> {
    const flat = this.flat;
    for (let i = 0; i < flat.length; i += 2) yield flat[i] ?? '';
  }

  *values(): MapIterator<string> {
    const flat = this.flat;
    for (let i = 1; i < flat.length; i += 2) yield flat[i] ?? '';
  }

  [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }
}

/** NO_LABELS is the empty Labels, shared by every object and selector without any. */
export const NO_LABELS: Labels = labelsOf([]);

/** labelsToRecord turns Labels into a plain object for JSON output, keys sorted. */
export function labelsToRecord(labels: Labels): Record<string, string> {
  return Object.fromEntries([...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** formatLabels prints labels the way kubectl's `--show-labels` does: `k=v,k2=v2`, or `<none>`. */
export function formatLabels(labels: Labels): string {
  if (labels.size === 0) return '<none>';
  return Object.entries(labelsToRecord(labels))
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
