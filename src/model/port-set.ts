import { PROTOCOLS } from './protocol.js';
import type { Port, Protocol } from './protocol.js';

/**
 * Port sets: which destination ports, of which protocols, a connection may use. Per protocol a
 * sorted list of disjoint, non-adjacent inclusive ranges within 1-65535, so that two sets are equal
 * exactly when their lists are, and answers print as ranges ("8080-8090/TCP"), not samples.
 */

/** MIN_PORT and MAX_PORT bound the port numbers a NetworkPolicy can name. */
export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** PortRangeOf is one range of a port set: `from` to `to` (inclusive) of one protocol. */
export interface PortRangeOf {
  readonly protocol: Protocol;
  readonly from: number;
  readonly to: number;
}

/** Ranges of one protocol, flattened: [from0, to0, from1, to1, ...], sorted, disjoint, not adjacent. */
type Flat = readonly number[];
type ByProtocol = Readonly<Record<Protocol, Flat>>;

const EMPTY: Flat = [];
const FULL: Flat = [MIN_PORT, MAX_PORT];

/** PortSet is an immutable set of ports per protocol. */
export class PortSet {
  /** NONE is the empty set: no connection at all. */
  static readonly NONE = new PortSet({ TCP: EMPTY, UDP: EMPTY, SCTP: EMPTY });
  /** ALL is every port of every protocol (a rule without `ports`, or a side that isolates nothing). */
  static readonly ALL = new PortSet({ TCP: FULL, UDP: FULL, SCTP: FULL });

  private constructor(private readonly byProtocol: ByProtocol) {}

  /** range is the ports `from` to `to` of one protocol, clipped to 1-65535 (empty when `to` < `from`). */
  static range(protocol: Protocol, from: number, to: number): PortSet {
    const low = Math.max(MIN_PORT, Math.ceil(from));
    const high = Math.min(MAX_PORT, Math.floor(to));
    if (high < low) return PortSet.NONE;
    return new PortSet({ ...PortSet.NONE.byProtocol, [protocol]: [low, high] });
  }

  /** protocol is every port of one protocol (a `ports` entry with a protocol and no port). */
  static protocol(protocol: Protocol): PortSet {
    return PortSet.range(protocol, MIN_PORT, MAX_PORT);
  }

  /** port is one port, like 53/UDP. */
  static port(port: Port): PortSet {
    return PortSet.range(port.protocol, port.port, port.port);
  }

  /** of is the union of any ranges, in any order, overlapping or not. */
  static of(ranges: readonly PortRangeOf[]): PortSet {
    return ranges.reduce((set, range) => set.union(PortSet.range(range.protocol, range.from, range.to)), PortSet.NONE);
  }

  /** union is the ports in either set. */
  union(other: PortSet): PortSet {
    if (other === this || other.isEmpty() || this.isAll()) return this;
    if (this.isEmpty() || other.isAll()) return other;
    return this.combine(other, unionFlat);
  }

  /** intersect is the ports in both sets. */
  intersect(other: PortSet): PortSet {
    if (other === this || other.isAll() || this.isEmpty()) return this;
    if (this.isAll() || other.isEmpty()) return other;
    return this.combine(other, intersectFlat);
  }

  /** subtract is the ports of this set that are not in `other`. */
  subtract(other: PortSet): PortSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    if (other === this || other.isAll()) return PortSet.NONE;
    return this.combine(other, (a, b) => intersectFlat(a, complementFlat(b)));
  }

  /** equals says whether two sets hold the same ports (the representation is canonical, so it compares ranges). */
  equals(other: PortSet): boolean {
    if (other === this) return true;
    return PROTOCOLS.every((protocol) => sameFlat(this.byProtocol[protocol], other.byProtocol[protocol]));
  }

  /** isEmpty says whether the set holds no port: no connection at all. */
  isEmpty(): boolean {
    return PROTOCOLS.every((protocol) => this.byProtocol[protocol].length === 0);
  }

  /** isAll says whether the set holds every port of every protocol. */
  isAll(): boolean {
    return PROTOCOLS.every((protocol) => isFull(this.byProtocol[protocol]));
  }

  /** has says whether the set holds one port. */
  has(port: Port): boolean {
    const flat = this.byProtocol[port.protocol];
    for (let i = 0; i < flat.length; i += 2) {
      if (port.port < (flat[i] ?? 0)) return false;
      if (port.port <= (flat[i + 1] ?? 0)) return true;
    }
    return false;
  }

  /** ranges lists the set's ranges, TCP first, then UDP, then SCTP, each in port order. */
  ranges(): PortRangeOf[] {
    return PROTOCOLS.flatMap((protocol) => rangesOf(protocol, this.byProtocol[protocol]));
  }

  /** size counts the ports of the set (each protocol's separately). */
  size(): number {
    return PROTOCOLS.reduce((sum, protocol) => {
      const flat = this.byProtocol[protocol];
      let count = 0;
      for (let i = 0; i < flat.length; i += 2) count += (flat[i + 1] ?? 0) - (flat[i] ?? 0) + 1;
      return sum + count;
    }, 0);
  }

  /**
   * format prints the set as people read it: `80/TCP, 8080-8090/TCP, 53/UDP`, `every TCP port`,
   * `every port`, or `no port`.
   */
  format(): string {
    if (this.isAll()) return 'every port';
    if (this.isEmpty()) return 'no port';
    return PROTOCOLS.flatMap((protocol) => {
      const flat = this.byProtocol[protocol];
      if (isFull(flat)) return [`every ${protocol} port`];
      return rangesOf(protocol, flat).map(formatRange);
    }).join(', ');
  }

  /** toString is format(), for template strings. */
  toString(): string {
    return this.format();
  }

  private combine(other: PortSet, operation: (a: Flat, b: Flat) => Flat): PortSet {
    return new PortSet({
      TCP: operation(this.byProtocol.TCP, other.byProtocol.TCP),
      UDP: operation(this.byProtocol.UDP, other.byProtocol.UDP),
      SCTP: operation(this.byProtocol.SCTP, other.byProtocol.SCTP),
    });
  }
}

/** formatRange prints one range: `53/UDP`, `8080-8090/TCP`. */
export function formatRange(range: PortRangeOf): string {
  return range.from === range.to ? `${range.from}/${range.protocol}` : `${range.from}-${range.to}/${range.protocol}`;
}

function rangesOf(protocol: Protocol, flat: Flat): PortRangeOf[] {
  const ranges: PortRangeOf[] = [];
  for (let i = 0; i < flat.length; i += 2) ranges.push({ protocol, from: flat[i] ?? 0, to: flat[i + 1] ?? 0 });
  return ranges;
}

function isFull(flat: Flat): boolean {
  return flat.length === 2 && flat[0] === MIN_PORT && flat[1] === MAX_PORT;
}

function sameFlat(a: Flat, b: Flat): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}

/** unionFlat merges two range lists, joining ranges that overlap or touch. */
function unionFlat(a: Flat, b: Flat): Flat {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const takeA = j >= b.length || (i < a.length && (a[i] ?? 0) <= (b[j] ?? 0));
    const from = takeA ? (a[i] ?? 0) : (b[j] ?? 0);
    const to = takeA ? (a[i + 1] ?? 0) : (b[j + 1] ?? 0);
    if (takeA) i += 2;
    else j += 2;
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] ?? 0) + 1) out[last] = Math.max(out[last] ?? 0, to);
    else out.push(from, to);
  }
  return out;
}

function intersectFlat(a: Flat, b: Flat): Flat {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const from = Math.max(a[i] ?? 0, b[j] ?? 0);
    const aTo = a[i + 1] ?? 0;
    const bTo = b[j + 1] ?? 0;
    const to = Math.min(aTo, bTo);
    if (from <= to) out.push(from, to);
    if (aTo < bTo) i += 2;
    else j += 2;
  }
  return out;
}

function complementFlat(a: Flat): Flat {
  const out: number[] = [];
  let next = MIN_PORT;
  for (let i = 0; i < a.length; i += 2) {
    const from = a[i] ?? 0;
    if (from > next) out.push(next, from - 1);
    next = (a[i + 1] ?? 0) + 1;
  }
  if (next <= MAX_PORT) out.push(next, MAX_PORT);
  return out;
}
