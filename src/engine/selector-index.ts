import { requirementsOf } from '../model/selector.js';
import type { LabelSelector, Requirement } from '../model/selector.js';

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
  private readonly unpinned = new Run<T>();
  /** pinned: per key, its entries (each once, in order) and, per value, the entries filed there. */
  private readonly pinned = new Map<string, { readonly all: Run<T>; readonly byValue: Map<string, Run<T>> }>();

  constructor(entries: readonly (readonly [LabelSelector, T])[]) {
    entries.forEach(([selector, item], position) => {
      const entry = { position, item };
      const pin = requirementsOf(selector).find((requirement) => requirement.operator === 'In');
      if (pin === undefined) {
        this.unpinned.add(entry);
        return;
      }
      let key = this.pinned.get(pin.key);
      if (key === undefined) {
        key = { all: new Run(), byValue: new Map() };
        this.pinned.set(pin.key, key);
      }
      key.all.add(entry);
      for (const value of new Set(pin.values)) {
        let filed = key.byValue.get(value);
        if (filed === undefined) {
          filed = new Run();
          key.byValue.set(value, filed);
        }
        filed.add(entry);
      }
    });
  }

  /**
   * meeting returns the entries whose selectors may select a pod that `query` selects, in order.
   * When they all come from one run (the usual case) the answer is that run's own list: read it, do
   * not change it.
   */
  meeting(query: LabelSelector): readonly T[] {
    return this.lookUp(query, true);
  }

  /**
   * containing returns, in order, the entries whose selectors may select every pod that `query`
   * selects (callers decide exactly): however many entries merely meet the query, only these can
   * contain it. An entry filed under a key requires one of its values there, so it contains the
   * query only if the query pins that key to a list of values (and then the entry is filed under
   * one of them): a key the query leaves open has no container among its entries. (A query that
   * selects no pod is contained by everything; this may leave such containers out.)
   */
  containing(query: LabelSelector): readonly T[] {
    return this.lookUp(query, false);
  }

  /** lookUp reads the runs of the values `query` allows, and of the keys it leaves open when `openKeys`. */
  private lookUp(query: LabelSelector, openKeys: boolean): readonly T[] {
    const requirements = requirementsOf(query);
    const runs: Run<T>[] = this.unpinned.entries.length > 0 ? [this.unpinned] : [];
    // Each entry is filed under one key: only one key's several values can hold it twice.
    let mayRepeat = false;
    for (const [name, key] of this.pinned) {
      const values = valuesAllowed(requirements, name);
      if (values === undefined) {
        if (openKeys) runs.push(key.all);
        continue;
      }
      for (const value of values) {
        const run = key.byValue.get(value);
        if (run === undefined) continue;
        mayRepeat ||= values.length > 1;
        runs.push(run);
      }
    }
    return merged(runs, mayRepeat);
  }
}

/** merged is the entries of `runs` in their order, each once (`mayRepeat`: an entry may be in several runs). */
function merged<T>(runs: readonly Run<T>[], mayRepeat: boolean): readonly T[] {
  const [first] = runs;
  if (first === undefined) return [];
  if (runs.length === 1) return first.items;
  const found: Entry<T>[] = [];
  const seen = mayRepeat ? new Set<Entry<T>>() : undefined;
  for (const run of runs) {
    // A loop, not flatMap (several times slower) nor push(...entries) (some 150,000 arguments overflow the stack).
    for (const entry of run.entries) {
      if (seen?.has(entry) === true) continue;
      seen?.add(entry);
      found.push(entry);
    }
  }
  // Runs already in order: the sort only merges them.
  return found.sort((a, b) => a.position - b.position).map((entry) => entry.item);
}

interface Entry<T> {
  readonly position: number;
  readonly item: T;
}

/** Run is a list of entries in order, with their items alongside (an answer from one run is its items). */
class Run<T> {
  readonly entries: Entry<T>[] = [];
  readonly items: T[] = [];

  add(entry: Entry<T>): void {
    this.entries.push(entry);
    this.items.push(entry.item);
  }
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
