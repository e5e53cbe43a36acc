import { describe, expect, it } from 'vitest';
import { coversSelector } from '../../src/engine/coverage.js';
import type { LabelSelector, Requirement } from '../../src/model/selector.js';

/** Readable examples of exact coverage, and the bound on its worst case. */

const sel = (matchLabels: Record<string, string>, ...matchExpressions: Requirement[]): LabelSelector => ({
  matchLabels: new Map(Object.entries(matchLabels)),
  matchExpressions,
});
const req = (key: string, operator: Requirement['operator'], ...values: string[]): Requirement => ({ key, operator, values });

describe('coversSelector', () => {
  it('finds the pod a narrower selector misses: app=web without tier=frontend', () => {
    const answer = coversSelector(sel({ app: 'web' }), [sel({ app: 'web', tier: 'frontend' })]);
    expect(answer).toEqual({ kind: 'uncovered', counterexample: new Map([['app', 'web']]) });
  });

  it('sees that In and NotIn on the same values cover everything between them', () => {
    expect(coversSelector(sel({}), [sel({}, req('env', 'In', 'prod')), sel({}, req('env', 'NotIn', 'prod'))]).kind).toBe('covered');
  });

  it('needs a value no selector names to show that In over every named value is not enough', () => {
    const answer = coversSelector(sel({}, req('env', 'Exists')), [sel({}, req('env', 'In', 'prod', 'dev'))]);
    expect(answer.kind).toBe('uncovered');
    if (answer.kind === 'uncovered') expect(answer.counterexample.get('env')).not.toMatch(/^(prod|dev)$/);
  });

  it('treats a contradictory selector as selecting nothing (covered by anything)', () => {
    expect(coversSelector(sel({}, req('a', 'In', 'x'), req('a', 'In', 'y')), []).kind).toBe('covered');
  });

  it('answers too-complex instead of hanging when the budget runs out', () => {
    // 2^12 cubes: every combination of twelve independent keys, each split in two.
    const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
    const covering = keys.flatMap((key, i) => [
      sel({}, req(key, 'Exists'), ...keys.slice(0, i).map((k) => req(k, 'DoesNotExist'))),
    ]);
    expect(coversSelector(sel({}), covering, { budget: 5 })).toMatchObject({ kind: 'too-complex' });
    // With the default budget the same question is answered: only "no key at all" is uncovered.
    expect(coversSelector(sel({}), covering)).toEqual({ kind: 'uncovered', counterexample: new Map() });
  });
});
