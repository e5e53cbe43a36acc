import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PORT, PortSet } from '../../src/model/port-set.js';
import type { PortRangeOf } from '../../src/model/port-set.js';
import { PROTOCOLS } from '../../src/model/protocol.js';
import type { Protocol } from '../../src/model/protocol.js';

/**
 * PortSet against brute-force bit sets. Ranges start and end within 1-30 or end at 65535, so every
 * boundary is one of those numbers and the probe points 1-31 and 1000 (standing for 31-65534, which
 * no boundary splits) and 65535 decide membership everywhere.
 */

const PROBES = [...Array.from({ length: 31 }, (_, i) => i + 1), 1000, MAX_PORT];

const rangeArb: fc.Arbitrary<PortRangeOf> = fc
  .record({ protocol: fc.constantFrom(...PROTOCOLS), a: fc.integer({ min: 1, max: 30 }), b: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.constant(MAX_PORT)) })
  .map(({ protocol, a, b }) => ({ protocol, from: Math.min(a, b), to: Math.max(a, b) }));
const rangesArb = fc.array(rangeArb, { maxLength: 6 });

/** Oracle: the set as the probes each protocol holds. */
type Bits = ReadonlyMap<Protocol, ReadonlySet<number>>;

function bitsOf(ranges: readonly PortRangeOf[]): Bits {
  return new Map(PROTOCOLS.map((protocol) => [protocol, new Set(PROBES.filter((port) => ranges.some((r) => r.protocol === protocol && r.from <= port && port <= r.to)))]));
}
function combine(a: Bits, b: Bits, keep: (inA: boolean, inB: boolean) => boolean): Bits {
  return new Map(PROTOCOLS.map((protocol) => [protocol, new Set(PROBES.filter((port) => keep(a.get(protocol)?.has(port) ?? false, b.get(protocol)?.has(port) ?? false)))]));
}
function expectSame(set: PortSet, bits: Bits): void {
  const members = (has: (port: number, protocol: Protocol) => boolean): string[] => PROTOCOLS.flatMap((protocol) => PROBES.filter((port) => has(port, protocol)).map((port) => `${port}/${protocol}`));
  expect(members((port, protocol) => set.has({ port, protocol }))).toEqual(members((port, protocol) => bits.get(protocol)?.has(port) ?? false));
}
function canonical(set: PortSet): void {
  const ranges = set.ranges();
  ranges.forEach((range, i) => {
    expect(range.from).toBeGreaterThanOrEqual(1);
    expect(range.to).toBeLessThanOrEqual(MAX_PORT);
    expect(range.from).toBeLessThanOrEqual(range.to);
    const next = ranges[i + 1];
    // Sorted, disjoint and not adjacent: 80-81 and 82-90 are one range.
    if (next !== undefined && next.protocol === range.protocol) expect(next.from).toBeGreaterThan(range.to + 1);
  });
}

describe('PortSet against brute-force bit sets', () => {
  it('union, intersection, difference, equality, emptiness, fullness and size agree with the bits', () => {
    fc.assert(
      fc.property(rangesArb, rangesArb, (left, right) => {
        const a = PortSet.of(left);
        const b = PortSet.of(right);
        const bitsA = bitsOf(left);
        const bitsB = bitsOf(right);
        expectSame(a, bitsA);
        const results: [PortSet, Bits][] = [
          [a.union(b), combine(bitsA, bitsB, (x, y) => x || y)],
          [a.intersect(b), combine(bitsA, bitsB, (x, y) => x && y)],
          [a.subtract(b), combine(bitsA, bitsB, (x, y) => x && !y)],
        ];
        for (const [set, bits] of results) {
          expectSame(set, bits);
          canonical(set);
          // Rebuilt from its own ranges, the set is equal to itself: the representation is canonical.
          expect(PortSet.of(set.ranges()).equals(set)).toBe(true);
        }
        const sameBits = PROTOCOLS.every((protocol) => PROBES.every((port) => (bitsA.get(protocol)?.has(port) ?? false) === (bitsB.get(protocol)?.has(port) ?? false)));
        expect(a.equals(b)).toBe(sameBits);
        expect(a.format() === b.format()).toBe(sameBits);
        expect(a.isEmpty()).toBe(PROTOCOLS.every((protocol) => bitsA.get(protocol)?.size === 0));
        expect(a.isAll()).toBe(PROTOCOLS.every((protocol) => bitsA.get(protocol)?.size === PROBES.length));
        // Size: probes 1-31 count once each, 1000 stands for 32-65534, 65535 once.
        const size = PROTOCOLS.reduce((sum, protocol) => {
          const bits = bitsA.get(protocol) ?? new Set<number>();
          return sum + [...bits].reduce((n, port) => n + (port === 1000 ? MAX_PORT - 32 : 1), 0);
        }, 0);
        expect(a.size()).toBe(size);
      }),
      { numRuns: 2_000 },
    );
  });

  it('formats as ranges, protocols in the API order', () => {
    expect(PortSet.of([{ protocol: 'UDP', from: 53, to: 53 }, { protocol: 'TCP', from: 8080, to: 8090 }, { protocol: 'TCP', from: 80, to: 80 }]).format()).toBe('80/TCP, 8080-8090/TCP, 53/UDP');
    expect(PortSet.ALL.format()).toBe('every port');
    expect(PortSet.NONE.format()).toBe('no port');
    expect(PortSet.protocol('TCP').union(PortSet.port({ port: 53, protocol: 'UDP' })).format()).toBe('every TCP port, 53/UDP');
    expect(PortSet.ALL.subtract(PortSet.port({ port: 22, protocol: 'TCP' })).format()).toBe('1-21/TCP, 23-65535/TCP, every UDP port, every SCTP port');
    expect(PortSet.range('TCP', 90, 80).isEmpty()).toBe(true);
    expect(PortSet.range('TCP', 0, 70000).equals(PortSet.protocol('TCP'))).toBe(true);
  });
});
