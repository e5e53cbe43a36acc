import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { peersAdmitEverything, portsAdmitEverything, ruleAllowsEverything } from '../../src/engine/allows-everything.js';
import { parseCidr } from '../../src/model/ip.js';
import type { Cidr } from '../../src/model/ip.js';
import type { Peer, PolicyPort } from '../../src/model/network-policy.js';
import { PROTOCOLS } from '../../src/model/protocol.js';
import type { Protocol } from '../../src/model/protocol.js';

/**
 * Whether a rule allows everything is decided by what it admits, not how it is written. Checked
 * against brute force: for ipBlocks whose prefixes are at most 3 bits, every address of a /3 is
 * treated alike, so the 8 blocks' first addresses stand for all of IPv4; for ports, every port
 * of every protocol is tried.
 */

const cidr = (text: string): Cidr => {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`bad CIDR ${text}`);
  return parsed;
};
const block = (text: string, ...except: string[]): Peer => ({ kind: 'ipBlock', block: { cidr: cidr(text), except: except.map(cidr) } });

/** A /0 to /3 IPv4 block, written with any address inside it (the API allows host bits). */
const coarseCidrArb = fc.record({ prefix: fc.integer({ min: 0, max: 3 }), top: fc.integer({ min: 0, max: 7 }) }).map(({ prefix, top }) => cidr(`${top * 32}.1.2.3/${prefix}`));
const coarseBlockArb: fc.Arbitrary<Peer> = fc.record({ cidr: coarseCidrArb, except: fc.array(coarseCidrArb, { maxLength: 2 }) }).map(({ cidr: c, except }) => ({ kind: 'ipBlock', block: { cidr: c, except: except.filter((e) => e.first >= c.first && e.last <= c.last) } }));
const podsPeer: Peer = { kind: 'pods', namespaceSelector: { matchLabels: new Map(), matchExpressions: [] }, podSelector: { matchLabels: new Map(), matchExpressions: [] } };

function oracleEveryAddress(peers: readonly Peer[]): boolean {
  return Array.from({ length: 8 }, (_, top) => BigInt(top) << 29n).every((address) =>
    peers.some((peer) => peer.kind === 'ipBlock' && address >= peer.block.cidr.first && address <= peer.block.cidr.last && !peer.block.except.some((hole) => address >= hole.first && address <= hole.last)),
  );
}

const POINTS = [1, 2, 52, 53, 54, 1000, 65534, 65535];
const portArb: fc.Arbitrary<PolicyPort> = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOCOLS), range: fc.constant({ kind: 'any' as const }) }),
  fc
    .record({ protocol: fc.constantFrom(...PROTOCOLS), from: fc.constantFrom(...POINTS), length: fc.constantFrom(0, 1, 52, 65534) })
    .map(({ protocol, from, length }) => ({ protocol, range: { kind: 'numbers' as const, from, to: Math.min(65535, from + length) } })),
  fc.record({ protocol: fc.constantFrom(...PROTOCOLS), range: fc.constant({ kind: 'named' as const, name: 'http' }) }),
);

function oracleEveryPort(ports: readonly PolicyPort[]): boolean {
  const admits = (protocol: Protocol, port: number): boolean =>
    ports.some((entry) => entry.protocol === protocol && (entry.range.kind === 'any' || (entry.range.kind === 'numbers' && port >= entry.range.from && port <= entry.range.to)));
  for (const protocol of PROTOCOLS) for (let port = 1; port <= 65535; port++) if (!admits(protocol, port)) return false;
  return true;
}

describe('ruleAllowsEverything', () => {
  it.each([
    ['no from/to', null, true],
    ['0.0.0.0/0', [block('0.0.0.0/0')], true],
    ['0.0.0.0/1 and 128.0.0.0/1', [block('0.0.0.0/1'), block('128.0.0.0/1')], true],
    ['::/0', [block('::/0')], true],
    ['0.0.0.0/0 except the metadata address', [block('0.0.0.0/0', '169.254.169.254/32')], false],
    ['0.0.0.0/0 except 10.0.0.0/8, with 10.0.0.0/8 again', [block('0.0.0.0/0', '10.0.0.0/8'), block('10.0.0.0/8')], true],
    ['every pod of every namespace (no address outside the cluster)', [podsPeer], false],
    ['0.0.0.0/1 alone', [block('0.0.0.0/1')], false],
  ] as const)('peers: %s -> %s', (_, peers, expected) => {
    expect(peersAdmitEverything(peers)).toBe(expected);
  });

  it('peers: agrees with brute force over every IPv4 address', () => {
    let everything = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof(coarseBlockArb, fc.constant(podsPeer)), { maxLength: 4 }), (peers) => {
        const expected = oracleEveryAddress(peers);
        if (expected) everything++;
        expect(peersAdmitEverything(peers)).toBe(expected);
      }),
      { numRuns: 5_000 },
    );
    expect(everything).toBeGreaterThan(250);
  });

  it('ports: 1-65535 on TCP, UDP and SCTP is every port; a named port never makes it so', () => {
    const all = PROTOCOLS.map((protocol): PolicyPort => ({ protocol, range: { kind: 'numbers', from: 1, to: 65535 } }));
    expect(portsAdmitEverything(null)).toBe(true);
    expect(portsAdmitEverything(all)).toBe(true);
    expect(portsAdmitEverything(all.slice(0, 2))).toBe(false);
    expect(ruleAllowsEverything({ peers: [block('0.0.0.0/1'), block('128.0.0.0/1')], ports: all })).toBe(true);
    expect(ruleAllowsEverything({ peers: [block('0.0.0.0/1'), block('128.0.0.0/1')], ports: all.slice(1) })).toBe(false);
  });

  it('ports: agrees with brute force over every port of every protocol', () => {
    let everything = 0;
    fc.assert(
      fc.property(fc.array(portArb, { maxLength: 7 }), (ports) => {
        const expected = oracleEveryPort(ports);
        if (expected) everything++;
        expect(portsAdmitEverything(ports)).toBe(expected);
      }),
      { numRuns: 300 },
    );
    expect(everything).toBeGreaterThan(5);
  });
});
