import fc from 'fast-check';
import type { Labels } from '../../src/model/labels.js';
import type { LabelSelector, Operator, Requirement } from '../../src/model/selector.js';

/**
 * A small universe for brute-force oracles. Selectors name keys KEYS and values VALUES; the oracle
 * also tries FRESH, a value no selector names, which stands for "any other value". Exact answers
 * over this universe are exact answers over all label sets, because selectors cannot tell two
 * unnamed values (or two unnamed keys) apart.
 */
export const KEYS = ['a', 'b', 'c'] as const;
export const VALUES = ['x', 'y', 'z'] as const;
export const FRESH = 'w';

/** allLabelSets enumerates every label set over KEYS with values VALUES + FRESH (5^3 = 125). */
export function allLabelSets(): Labels[] {
  const states: Array<string | undefined> = [undefined, ...VALUES, FRESH];
  let sets: Array<Map<string, string>> = [new Map()];
  for (const key of KEYS) {
    sets = sets.flatMap((labels) =>
      states.map((state) => {
        const next = new Map(labels);
        if (state !== undefined) next.set(key, state);
        return next;
      }),
    );
  }
  return sets;
}

const keyArb = fc.constantFrom(...KEYS);
const valueArb = fc.constantFrom(...VALUES);
const valuesArb = fc.uniqueArray(valueArb, { minLength: 1, maxLength: 3 });

/** requirementArb generates one valid requirement over the universe. */
export const requirementArb: fc.Arbitrary<Requirement> = fc.oneof(
  fc.record({ key: keyArb, operator: fc.constantFrom<Operator>('In', 'NotIn'), values: valuesArb }),
  fc.record({ key: keyArb, operator: fc.constantFrom<Operator>('Exists', 'DoesNotExist'), values: fc.constant([]) }),
);

/** selectorArb generates a valid selector: up to two matchLabels and up to three expressions. */
export const selectorArb: fc.Arbitrary<LabelSelector> = fc
  .record({
    matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 2 }),
    matchExpressions: fc.array(requirementArb, { maxLength: 3 }),
  })
  .map(({ matchLabels, matchExpressions }) => ({
    matchLabels: new Map(Object.entries(matchLabels)),
    matchExpressions,
  }));

/**
 * partitionArb generates ways to split all states of one key into pieces that together cover it,
 * e.g. [`k In [x]`], [`k NotIn [x]`] or [`k Exists`, `k NotIn [y]`], [`k In [y]`], [`k DoesNotExist`].
 */
const partitionArb: fc.Arbitrary<Requirement[][]> = fc
  .tuple(keyArb, valuesArb, fc.integer({ min: 0, max: 3 }))
  .map(([key, values, shape]) => {
    const req = (operator: Operator, vals: readonly string[] = []): Requirement => ({ key, operator, values: vals });
    const [first = 'x', ...rest] = values;
    switch (shape) {
      case 0:
        return [[req('Exists')], [req('DoesNotExist')]];
      case 1:
        return [[req('In', values)], [req('NotIn', values)]];
      case 2:
        return rest.length === 0
          ? [[req('In', [first])], [req('NotIn', [first])]]
          : [[req('In', [first])], [req('In', rest)], [req('NotIn', values)]];
      default:
        return [[req('Exists'), req('NotIn', values)], [req('In', values)], [req('DoesNotExist')]];
    }
  });

/**
 * coveringPiecesArb generates selectors that together match every label set: a random decision
 * tree over the keys, one selector per leaf. Dropping pieces gives nearly-covering inputs, the
 * hardest cases for a coverage search.
 */
export const coveringPiecesArb: fc.Arbitrary<LabelSelector[]> = fc
  .array(fc.tuple(fc.nat(), partitionArb), { minLength: 1, maxLength: 5 })
  .map((splits) => {
    let leaves: Requirement[][] = [[]];
    for (const [at, parts] of splits) {
      const index = at % leaves.length;
      const leaf = leaves[index] ?? [];
      leaves = [...leaves.slice(0, index), ...parts.map((part) => [...leaf, ...part]), ...leaves.slice(index + 1)];
    }
    return leaves.map((matchExpressions) => ({ matchLabels: new Map<string, string>(), matchExpressions }));
  });
