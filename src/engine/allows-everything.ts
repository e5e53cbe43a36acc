import type { Cidr } from '../model/ip.js';
import type { Peer, PolicyPort, PolicyRule } from '../model/network-policy.js';
import { PortSet } from '../model/port-set.js';

/**
 * Whether a rule allows everything, decided by what it admits, not by how it is written: its peers
 * admit every address of an address family (and so every pod and namespace, whose addresses are in
 * it) and its ports admit every port of every protocol. `0.0.0.0/1` with `128.0.0.0/1` admits what
 * `0.0.0.0/0` does; ports 1-65535 on TCP, UDP and SCTP are every port. A named port admits only the
 * ports it names on each pod, so it never makes a rule admit every port.
 */

const FAMILY_LAST: Readonly<Record<4 | 6, bigint>> = { 4: (1n << 32n) - 1n, 6: (1n << 128n) - 1n };

/** ruleAllowsEverything says whether a rule admits every peer on every port of every protocol. */
export function ruleAllowsEverything(rule: PolicyRule): boolean {
  return peersAdmitEverything(rule.peers) && portsAdmitEverything(rule.ports);
}

/** peersAdmitEverything: no `from`/`to`, or ipBlocks that, less their exceptions, cover a whole address family. */
export function peersAdmitEverything(peers: readonly Peer[] | null): boolean {
  if (peers === null) return true;
  const blocks = peers.flatMap((peer) => (peer.kind === 'ipBlock' ? [peer.block] : []));
  if (blocks.length === 0) return false; // pods and namespaces only: no address outside the cluster
  return ([4, 6] as const).some((family) => coversFamily(family, blocks.filter((block) => block.cidr.family === family).flatMap((block) => rangesOf(block.cidr, block.except))));
}

/** portsAdmitEverything: no `ports`, or ports that together cover 1-65535 of TCP, UDP and SCTP. */
export function portsAdmitEverything(ports: readonly PolicyPort[] | null): boolean {
  if (ports === null) return true;
  let set = PortSet.NONE;
  for (const { protocol, range } of ports) {
    if (range.kind === 'any') set = set.union(PortSet.protocol(protocol));
    else if (range.kind === 'numbers') set = set.union(PortSet.range(protocol, range.from, range.to));
  }
  return set.isAll();
}

type Range = readonly [bigint, bigint];

/** rangesOf is a block's addresses less its exceptions, as inclusive ranges. */
function rangesOf(cidr: Cidr, except: readonly Cidr[]): Range[] {
  let ranges: Range[] = [[cidr.first, cidr.last]];
  for (const hole of except) {
    ranges = ranges.flatMap(([first, last]): Range[] => {
      if (hole.last < first || hole.first > last) return [[first, last]];
      const kept: Range[] = [];
      if (hole.first > first) kept.push([first, hole.first - 1n]);
      if (hole.last < last) kept.push([hole.last + 1n, last]);
      return kept;
    });
  }
  return ranges;
}

/** coversFamily says whether ranges together cover every address of a family. */
function coversFamily(family: 4 | 6, ranges: readonly Range[]): boolean {
  let next = 0n;
  for (const [first, last] of [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (first > next) return false;
    if (last >= next) next = last + 1n;
    if (next > FAMILY_LAST[family]) return true;
  }
  return false;
}
