/**
 * WeakPairCache remembers one computed value per pair of objects (a policy and a service, a
 * namespace's policy list and a service) and forgets it when either is garbage: the values it
 * caches are derived from immutable inputs, so they never go stale, and a new state's new objects
 * simply miss.
 */
export class WeakPairCache<A extends object, B extends object, V> {
  private readonly entries = new WeakMap<A, WeakMap<B, V>>();

  /** get returns the value for (a, b), computing and remembering it on first use. */
  get(a: A, b: B, compute: () => V): V {
    let inner = this.entries.get(a);
    if (inner === undefined) {
      inner = new WeakMap();
      this.entries.set(a, inner);
    }
    let value = inner.get(b);
    if (value === undefined) {
      value = compute();
      inner.set(b, value);
    }
    return value;
  }
}
