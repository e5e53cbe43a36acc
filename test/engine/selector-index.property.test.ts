import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsSelector } from '../../src/engine/coverage.js';
import { SelectorIndex } from '../../src/engine/selector-index.js';
import { matchesSelector } from '../../src/model/selector.js';
import type { LabelSelector } from '../../src/model/selector.js';
import { allLabelSets, selectorArb } from '../support/arbitraries.js';

/**
 * SelectorIndex against brute force over the small universe: every selector that selects some
 * label set the query selects must be returned (a miss would let a policy that cuts pods off go
 * unseen), in the order given. Extra entries are allowed, but the index must also leave some
 * out, or it indexes nothing.
 */

const UNIVERSE = allLabelSets();
const meets = (a: LabelSelector, b: LabelSelector): boolean => UNIVERSE.some((labels) => matchesSelector(a, labels) && matchesSelector(b, labels));

/** expectEveryOnceInOrder: `found` holds every position `expected` lists, positions in order, each once. */
function expectEveryOnceInOrder(found: readonly number[], expected: readonly number[]): void {
  expect(found.filter((position) => expected.includes(position))).toEqual(expected);
  expect([...found].sort((a, b) => a - b)).toEqual(found);
  expect(new Set(found).size).toBe(found.length);
}

describe('SelectorIndex against a brute-force oracle', () => {
  it('returns every selector that meets the query, in order', () => {
    let pruned = 0;
    fc.assert(
      fc.property(fc.array(selectorArb, { maxLength: 12 }), selectorArb, (selectors, query) => {
        const index = new SelectorIndex(selectors.map((selector, position) => [selector, position] as const));
        const found = index.meeting(query);
        const expected = selectors.flatMap((selector, position) => (meets(selector, query) ? [position] : []));
        expectEveryOnceInOrder(found, expected);
        pruned += selectors.length - found.length;
      }),
      { numRuns: 5_000 },
    );
    expect(pruned).toBeGreaterThan(1_000);
  });

  it('returns every selector that contains the query, in order, and leaves out many that only meet it', () => {
    let pruned = 0;
    fc.assert(
      fc.property(fc.array(selectorArb, { maxLength: 12 }), selectorArb, (selectors, query) => {
        // A query that selects nothing is contained by everything; the index need not say so.
        fc.pre(UNIVERSE.some((labels) => matchesSelector(query, labels)));
        const index = new SelectorIndex(selectors.map((selector, position) => [selector, position] as const));
        const found = index.containing(query);
        const expected = selectors.flatMap((selector, position) => (containsSelector(selector, query) ? [position] : []));
        expectEveryOnceInOrder(found, expected);
        pruned += index.meeting(query).length - found.length;
      }),
      { numRuns: 5_000 },
    );
    expect(pruned).toBeGreaterThan(1_000);
  });
});
