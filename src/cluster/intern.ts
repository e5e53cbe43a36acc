import { createHash } from 'node:crypto';
import type { NetworkPolicy } from '../core/network-policy.js';

/**
 * Interner shares equal immutable values: the first value seen for a key is handed out for every
 * later equal one, so a cluster whose namespaces carry the same policies (a platform's templates,
 * netfence's own baselines) keeps one copy of each selector and rule list, not one per namespace.
 * Entries are held weakly: a value no policy uses any more is collected, and its entry with it.
 */
export class Interner {
  private readonly table = new Map<string, WeakRef<object>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    if (this.table.get(key)?.deref() === undefined) this.table.delete(key);
  });

  intern<T extends object>(key: string, value: T): T {
    const existing = this.table.get(key)?.deref();
    // Keys encode the whole value, so an entry under this key is equal to `value` and of its type.
    if (existing !== undefined) return existing as T;
    this.table.set(key, new WeakRef(value));
    this.registry.register(value, key);
    return value;
  }

  /** size is how many distinct values are held (for tests and metrics). */
  size(): number {
    return this.table.size;
  }
}

/**
 * canonical names a decoded value by content: a SHA-256 of its exact serialisation (Maps, Sets and
 * bigints included). A digest rather than the text keeps the table small when few values repeat.
 */
function canonical(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) return ['Map', ...item];
    if (item instanceof Set) return ['Set', ...item];
    if (typeof item === 'bigint') return `${item}n`;
    return item;
  });
  // 128 bits of SHA-256: no collision in any cluster's lifetime, half the key's memory.
  return createHash('sha256').update(text).digest('base64').slice(0, 22);
}

/** internPolicy returns the policy with its labels, selector, types and rules shared with equal ones. */
export function internPolicy(policy: NetworkPolicy, interner: Interner): NetworkPolicy {
  return {
    ...policy,
    labels: interner.intern(`labels:${canonical(policy.labels)}`, policy.labels),
    podSelector: interner.intern(`selector:${canonical(policy.podSelector)}`, policy.podSelector),
    // Three possible values: a short exact key, no digest needed.
    policyTypes: interner.intern(`types:${[...policy.policyTypes].join(',')}`, policy.policyTypes),
    ingress: interner.intern(`ingress:${canonical(policy.ingress)}`, policy.ingress),
    egress: interner.intern(`egress:${canonical(policy.egress)}`, policy.egress),
  };
}
