import { createHash } from 'node:crypto';
import { LabelMap } from '../model/labels.js';
import type { NetworkPolicy } from '../model/network-policy.js';
import type { Workload } from '../model/workload.js';

/**
 * Interner shares equal immutable values: the first value seen for a key is handed out for every
 * later equal one, so a cluster whose namespaces carry the same policies (a platform's templates,
 * netfence's own baselines) keeps one copy of each selector and rule list, not one per namespace.
 * Entries are held weakly: a value no policy uses any more is collected, and its entry is dropped
 * by a sweep that runs whenever the table has doubled since the last one (amortised O(1) per
 * intern). A FinalizationRegistry would drop entries sooner but costs ~70 bytes per entry, which
 * in a big cluster of unique policies is more than the entries themselves.
 */
export class Interner {
  private static readonly MIN_SWEEP = 1_024;
  private readonly table = new Map<string, WeakRef<object>>();
  private sweepAt = Interner.MIN_SWEEP;

  intern<T extends object>(key: string, value: T): T {
    const existing = this.table.get(key)?.deref();
    // Keys encode the whole value, so an entry under this key is equal to `value` and of its type.
    if (existing !== undefined) return existing as T;
    this.table.set(key, new WeakRef(value));
    if (this.table.size >= this.sweepAt) this.sweep();
    return value;
  }

  /** size is how many entries the table holds, including collected values not swept yet. */
  size(): number {
    return this.table.size;
  }

  /** sweep drops the entries whose value was collected. */
  sweep(): void {
    for (const [key, ref] of this.table) if (ref.deref() === undefined) this.table.delete(key);
    this.sweepAt = Math.max(Interner.MIN_SWEEP, this.table.size * 2);
  }
}

/**
 * canonical names a decoded value by content: 128 bits of a SHA-256 of its exact serialisation
 * (Maps, Sets and bigints included) and of its kind, as a 16-character one-byte string. No
 * collision in any cluster's lifetime, and a flat 32-byte key: a hex or base64 slice joined to a
 * prefix would cost a cons string, a sliced string and its parent per entry.
 */
function canonical(kind: string, value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map || item instanceof LabelMap) return ['Map', ...item];
    if (item instanceof Set) return ['Set', ...item];
    if (typeof item === 'bigint') return `${item}n`;
    return item;
  });
  return createHash('sha256').update(kind).update('\0').update(text).digest().toString('latin1', 0, 16);
}

/** internPolicy returns the policy with its labels, selector, types and rules shared with equal ones. */
export function internPolicy(policy: NetworkPolicy, interner: Interner): NetworkPolicy {
  return {
    ...policy,
    labels: interner.intern(canonical('labels', policy.labels), policy.labels),
    podSelector: interner.intern(canonical('selector', policy.podSelector), policy.podSelector),
    // Three possible values: a short exact key, no digest needed.
    policyTypes: interner.intern(`types:${[...policy.policyTypes].join(',')}`, policy.policyTypes),
    ingress: interner.intern(canonical('ingress', policy.ingress), policy.ingress),
    egress: interner.intern(canonical('egress', policy.egress), policy.egress),
  };
}

/**
 * internWorkload returns what the intents cache keeps of a workload: its template's labels and
 * container ports shared with equal ones (a platform's charts stamp out the same templates in many
 * namespaces), and no uid (podsOf matches the pods of the DNS namespace to their workloads by kind
 * and name when a workload has none).
 */
export function internWorkload(workload: Workload, interner: Interner): Workload {
  return {
    ...workload,
    uid: undefined,
    labels: interner.intern(canonical('labels', workload.labels), workload.labels),
    containerPorts: interner.intern(canonical('ports', workload.containerPorts), workload.containerPorts),
  };
}
