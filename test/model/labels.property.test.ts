import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LabelMap, NO_LABELS, labelsOf } from '../../src/model/labels.js';

/** labelsOf's compact LabelMap answers every ReadonlyMap question exactly as a Map of the same entries. */

const entries = fc.uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })), { selector: ([key]) => key, maxLength: 24 });

describe('labelsOf', () => {
  it('behaves as a Map of the same entries: size, get, has, order of iteration, forEach', () => {
    fc.assert(
      fc.property(entries, fc.array(fc.string({ maxLength: 8 }), { maxLength: 6 }), (pairs, probes) => {
        const labels = labelsOf(pairs);
        const map = new Map(pairs);
        expect(labels.size).toBe(map.size);
        for (const key of [...map.keys(), ...probes, '__proto__', 'constructor']) {
          expect(labels.get(key)).toBe(map.get(key));
          expect(labels.has(key)).toBe(map.has(key));
        }
        expect([...labels]).toEqual([...map]);
        expect([...labels.entries()]).toEqual([...map.entries()]);
        expect([...labels.keys()]).toEqual([...map.keys()]);
        expect([...labels.values()]).toEqual([...map.values()]);
        const seen: [string, string][] = [];
        labels.forEach((value, key, self) => {
          expect(self).toBe(labels);
          seen.push([key, value]);
        });
        expect(seen).toEqual([...map]);
        expect(new Map(labels)).toEqual(map);
      }),
    );
  });

  it('keeps small sets compact and large ones in a Map, and shares one empty set', () => {
    expect(labelsOf([['app', 'web']])).toBeInstanceOf(LabelMap);
    expect(labelsOf(Array.from({ length: 40 }, (_, i): [string, string] => [`k${i}`, `v${i}`]))).toBeInstanceOf(Map);
    expect(NO_LABELS.size).toBe(0);
    expect(NO_LABELS.get('app')).toBeUndefined();
  });
});
