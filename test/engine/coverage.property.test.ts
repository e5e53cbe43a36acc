import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coversSelector, coversWith } from '../../src/engine/coverage.js';
import { matchesSelector } from '../../src/model/selector.js';
import type { Labels } from '../../src/model/labels.js';
import type { LabelSelector } from '../../src/model/selector.js';
import { allLabelSets, coveringPiecesArb, selectorArb } from '../support/arbitraries.js';

const UNIVERSE = allLabelSets();

/** oracleCovers enumerates the universe: is every label set S matches matched by some T? */
function oracleCovers(selector: LabelSelector, covering: readonly LabelSelector[]): boolean {
  return UNIVERSE.every(
    (labels) => !matchesSelector(selector, labels) || covering.some((t) => matchesSelector(t, labels)),
  );
}

describe('coversSelector against a brute-force oracle', () => {
  it('agrees on covered / uncovered, and every counterexample is genuine', () => {
    fc.assert(
      fc.property(selectorArb, fc.array(selectorArb, { maxLength: 8 }), (selector, covering) => {
        const answer = coversSelector(selector, covering);
        expect(answer.kind).not.toBe('too-complex');
        expect(answer.kind === 'covered').toBe(oracleCovers(selector, covering));
        if (answer.kind === 'uncovered') {
          expect(matchesSelector(selector, answer.counterexample)).toBe(true);
          expect(covering.some((t) => matchesSelector(t, answer.counterexample))).toBe(false);
        }
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees on nearly-covering inputs: a full partition with pieces dropped (the hard cases)', () => {
    let covered = 0;
    fc.assert(
      fc.property(selectorArb, coveringPiecesArb, fc.array(fc.nat(), { maxLength: 2 }), (selector, pieces, drops) => {
        const covering = pieces.filter((_, index) => !drops.some((drop) => drop % pieces.length === index));
        const answer = coversSelector(selector, covering);
        const expected = oracleCovers(selector, covering);
        if (expected) covered++;
        expect(answer.kind === 'covered').toBe(expected);
        if (answer.kind === 'uncovered') {
          expect(matchesSelector(selector, answer.counterexample)).toBe(true);
          expect(covering.some((t) => matchesSelector(t, answer.counterexample))).toBe(false);
        }
      }),
      { numRuns: 20_000 },
    );
    // The generator must exercise both answers, or the property above proves little.
    expect(covered).toBeGreaterThan(2_000);
    expect(covered).toBeLessThan(18_000);
  });

  it('coversWith agrees for monotone conditions ("matched by all of one of these groups")', () => {
    fc.assert(
      fc.property(
        selectorArb,
        fc.array(selectorArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.uniqueArray(fc.nat({ max: 5 }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
        (selector, covering, groups) => {
          const enough = (matching: ReadonlySet<number>): boolean => groups.some((group) => group.every((i) => matching.has(i)));
          const matchingOf = (labels: Labels): Set<number> =>
            new Set(covering.flatMap((t, i) => (matchesSelector(t, labels) ? [i] : [])));
          const expected = UNIVERSE.every((labels) => !matchesSelector(selector, labels) || enough(matchingOf(labels)));
          const answer = coversWith(selector, covering, enough);
          expect(answer.kind === 'covered').toBe(expected);
          if (answer.kind === 'uncovered') {
            expect(matchesSelector(selector, answer.counterexample)).toBe(true);
            expect(enough(matchingOf(answer.counterexample))).toBe(false);
          }
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('coversWith with monotone: false agrees for any condition on the exact matching set ("cut now, and not before")', () => {
    let covered = 0;
    fc.assert(
      fc.property(
        selectorArb,
        fc.array(selectorArb, { minLength: 1, maxLength: 6 }),
        fc.uniqueArray(fc.nat({ max: 5 }), { minLength: 1, maxLength: 3 }),
        fc.uniqueArray(fc.nat({ max: 5 }), { maxLength: 3 }),
        (selector, covering, required, forbidden) => {
          // Accepted: matched by every `required` selector or by some `forbidden` one is false,
          // i.e. bad = (matches all of required) and not (matches any of forbidden): not monotone.
          const enough = (matching: ReadonlySet<number>): boolean => !(required.every((i) => matching.has(i)) && !forbidden.some((i) => matching.has(i)));
          const matchingOf = (labels: Labels): Set<number> =>
            new Set(covering.flatMap((t, i) => (matchesSelector(t, labels) ? [i] : [])));
          const expected = UNIVERSE.every((labels) => !matchesSelector(selector, labels) || enough(matchingOf(labels)));
          if (expected) covered++;
          const answer = coversWith(selector, covering, enough, { monotone: false });
          expect(answer.kind === 'covered').toBe(expected);
          if (answer.kind === 'uncovered') {
            expect(matchesSelector(selector, answer.counterexample)).toBe(true);
            expect(enough(matchingOf(answer.counterexample))).toBe(false);
          }
        },
      ),
      { numRuns: 20_000 },
    );
    expect(covered).toBeGreaterThan(1_000);
    expect(covered).toBeLessThan(19_000);
  });
});
