/** RepairLimit: more repairs of one policy than `repairs` within `windowMs` means another controller fights back. */
export interface RepairLimit {
  readonly repairs: number;
  readonly windowMs: number;
}

/** DEFAULT_REPAIR_LIMIT: 5 repairs of one policy within 5 minutes. */
export const DEFAULT_REPAIR_LIMIT: RepairLimit = { repairs: 5, windowMs: 5 * 60_000 };

/** RepairVerdict: repair it (`ok`), or stop, reporting it the first time (`contested`) and not again (`still-contested`). */
export type RepairVerdict = { readonly kind: 'ok' } | { readonly kind: 'contested'; readonly repairs: number } | { readonly kind: 'still-contested' };

/**
 * RepairBudget counts the repairs of each policy a reconciler keeps, so that it stops repairing a
 * policy that another controller keeps changing back, and reports that once, instead of fighting.
 */
export class RepairBudget {
  private readonly repairs = new Map<string, number[]>();
  private readonly contested = new Set<string>();

  constructor(
    private readonly limit: RepairLimit = DEFAULT_REPAIR_LIMIT,
    private readonly now: () => number = Date.now,
  ) {}

  /** windowMs is the window the limit counts repairs in. */
  get windowMs(): number {
    return this.limit.windowMs;
  }

  /** repair records a repair of the policy `key` (namespace/name) and says whether to make it. */
  repair(key: string): RepairVerdict {
    const now = this.now();
    const recent = (this.repairs.get(key) ?? []).filter((time) => now - time < this.limit.windowMs);
    recent.push(now);
    this.repairs.set(key, recent);
    if (recent.length <= this.limit.repairs) return { kind: 'ok' };
    if (this.contested.has(key)) return { kind: 'still-contested' };
    this.contested.add(key);
    return { kind: 'contested', repairs: recent.length };
  }
}
