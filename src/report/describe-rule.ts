import type { Direction, Peer, PolicyPort, PolicyRule } from '../model/network-policy.js';
import { formatRange } from '../model/port-set.js';
import { formatSelector, isSelectAll } from '../model/selector.js';

/**
 * describeRule says in one line what a NetworkPolicy rule admits, as its manifest says it (named
 * ports by name): `from pods app=web of team-a on 8080/TCP`. The report shows it beside each rule
 * that grants, or could have granted, a connection.
 */
export function describeRule(rule: PolicyRule, direction: Direction, policyNamespace: string): string {
  const towards = direction === 'Ingress' ? 'from' : 'to';
  const peers = rule.peers === null ? 'anywhere' : rule.peers.map((peer) => describePeer(peer, policyNamespace)).join(' or ');
  return `${towards} ${peers} on ${describePorts(rule.ports)}`;
}

function describePeer(peer: Peer, policyNamespace: string): string {
  if (peer.kind === 'ipBlock') {
    const except = peer.block.except.map((cidr) => cidr.text);
    return `${peer.block.cidr.text}${except.length === 0 ? '' : ` except ${except.join(', ')}`}`;
  }
  const pods = isSelectAll(peer.podSelector) ? 'every pod' : `pods ${formatSelector(peer.podSelector)}`;
  if (peer.namespaceSelector === null) return `${pods} of ${policyNamespace}`;
  if (isSelectAll(peer.namespaceSelector)) return `${pods} in every namespace`;
  return `${pods} in namespaces ${formatSelector(peer.namespaceSelector)}`;
}

function describePorts(ports: readonly PolicyPort[] | null): string {
  if (ports === null) return 'every port';
  return ports
    .map((entry) => {
      const range = entry.range;
      switch (range.kind) {
        case 'any':
          return `every ${entry.protocol} port`;
        case 'numbers':
          return formatRange({ protocol: entry.protocol, from: range.from, to: range.to });
        case 'named':
          return `${range.name}/${entry.protocol}`;
      }
    })
    .join(', ');
}
