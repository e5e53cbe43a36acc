import { requirementsOf } from './selector.js';
import type { LabelSelector, Requirement } from './selector.js';

/**
 * SelectorIndex finds, among many selectors, the ones that may select a pod of a query selector
 * without looking at each. A selector that requires a label to take one of some values
 * (`app: web`, `app In (a, b)`) is filed under that key and those values; a query that pins the
 * same key reads only its own values' entries. The answer may hold selectors that turn out not to
 * meet the query (callers decide exactly), never misses one that does, and keeps the order in
 * which the entries were given.
 */
export class SelectorIndex<T> {
  /** unpinned: entries whose selector requires no particular value of any key. */
  private readonly unpinned: Entry<T>[] = [];
  /** pinned: per key, its entries (each once, in order) and, per value, the entries filed there. */
  private readonly pinned = new Map<string, { readonly all: Entry<T>[]; readonly byValue: Map<string, Entry<T>[]> }>();

  constructor(entries: readonly (readonly [LabelSelector, T])[]) {
    entries.forEach(([selector, item], position) => {
      const entry = { position, item };
      const pin = requirementsOf(selector).find((requirement) => requirement.operator === 'In');
      if (pin === undefined) {
        this.unpinned.push(entry);
        return;
      }
      let key = this.pinned.get(pin.key);
      if (key === undefined) {
        key = { all: [], byValue: new Map() };
        this.pinned.set(pin.key, key);
      }
      key.all.push(entry);
      for (const value of new Set(pin.values)) {
        const filed = key.byValue.get(value);
        if (filed === undefined) key.byValue.set(value, [entry]);
        else filed.push(entry);
      }
    });
  }

  /** meeting returns the entries whose selectors may select a pod that `query` selects, in order. */
  meeting(query: LabelSelector): T[] {
    const requirements = requirementsOf(query);
    // Each entry is filed under one key: only one key's values can hold it twice.
    const found = this.unpinned.slice();
    for (const [name, key] of this.pinned) {
      const values = valuesAllowed(requirements, name);
      const filed = values === undefined ? key.all : new Set(values.flatMap((value) => key.byValue.get(value) ?? []));
      for (const entry of filed) found.push(entry); // not push(...filed): some 150,000 arguments overflow the stack
    }
    // Runs already in order: the sort only merges them.
    return found.sort((a, b) => a.position - b.position).map((entry) => entry.item);
  }
}

interface Entry<T> {
  readonly position: number;
  readonly item: T;
}

/**
 * valuesAllowed is the values a label `key` may take on a pod `requirements` select: those every
 * In requirement on it lists (none if the key must be absent), or undefined when no requirement
 * narrows it to a list.
 */
function valuesAllowed(requirements: readonly Requirement[], key: string): readonly string[] | undefined {
  let values: readonly string[] | undefined;
  for (const requirement of requirements) {
    if (requirement.key !== key) continue;
    if (requirement.operator === 'DoesNotExist') return [];
    if (requirement.operator !== 'In') continue;
    values = values === undefined ? requirement.values : values.filter((value) => requirement.values.includes(value));
  }
  return values;
}
