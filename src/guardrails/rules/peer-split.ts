import type { Finding } from '../finding.js';
import { networkPolicyManifest } from '../../model/manifest.js';
import { DIRECTIONS, rulesFor } from '../../model/network-policy.js';
import type { Direction, NetworkPolicy, Peer, PolicyRule } from '../../model/network-policy.js';
import { formatSelector, isSelectAll } from '../../model/selector.js';
import type { LabelSelector } from '../../model/selector.js';
import type { PolicyChange } from './change.js';
import { summaryLine } from './summary.js';

/**
 * `peer-split`: "pods labelled app=backend in namespaces labelled env=production" is ONE peer with
 * both selectors (AND). Written as two list items, `- namespaceSelector: ...` and `- podSelector: ...`,
 * it is two peers (OR): every pod of those namespaces, or backend pods of the policy's own namespace.
 * The rule finds such halves side by side in one rule and suggests the peer that joins them.
 */

/**
 * Half is a peer that holds one half of a "these pods in these namespaces" peer: `namespaces`, a
 * namespaceSelector with no pod restriction (every pod of those namespaces); `pods`, a podSelector
 * that selects something and no namespaceSelector (those pods of the policy's own namespace only).
 * `podSelector: {}` alone (the own namespace) is a whole thought, not a half.
 */
export interface Half {
  readonly kind: 'namespaces' | 'pods';
  /** index is the peer's position in `from`/`to`. */
  readonly index: number;
  readonly selector: LabelSelector;
}

/** halfOf says which half a peer is, if it is one. */
export function halfOf(peer: Peer, index: number): Half | undefined {
  if (peer.kind !== 'pods') return undefined;
  if (peer.namespaceSelector !== null) return isSelectAll(peer.podSelector) ? { kind: 'namespaces', index, selector: peer.namespaceSelector } : undefined;
  return isSelectAll(peer.podSelector) ? undefined : { kind: 'pods', index, selector: peer.podSelector };
}

/** PeerPair is a namespaces half and a pods half that were most likely meant as one peer. */
export interface PeerPair {
  readonly namespaces: Half;
  readonly pods: Half;
}

/**
 * intendedPairs says which halves of a rule's peers were most likely meant as one peer (none when
 * the rule has no namespaces half or no pods half). Halves next to each other, in either order, are
 * one peer with a `-` too many, and are paired with each other. When some half has no neighbour to
 * pair with, the list was most likely read as "any of these pods in any of these namespaces": every
 * namespaces half is paired with every pods half. ipBlock peers and whole peers are left alone.
 */
export function intendedPairs(peers: readonly Peer[]): PeerPair[] {
  const halves = peers.map(halfOf);
  const namespaces = halves.filter((half): half is Half => half?.kind === 'namespaces');
  const pods = halves.filter((half): half is Half => half?.kind === 'pods');
  if (namespaces.length === 0 || pods.length === 0) return [];
  const adjacent: PeerPair[] = [];
  for (let index = 0; index + 1 < halves.length; index++) {
    const [first, second] = [halves[index], halves[index + 1]];
    if (first === undefined || second === undefined || first.kind === second.kind) continue;
    adjacent.push(first.kind === 'namespaces' ? { namespaces: first, pods: second } : { namespaces: second, pods: first });
    index++;
  }
  if (2 * adjacent.length === namespaces.length + pods.length) return adjacent;
  return namespaces.flatMap((namespace) => pods.map((pod) => ({ namespaces: namespace, pods: pod })));
}

/** joinedPeer is the one peer a pair stands for: the pods half's pods in the namespaces half's namespaces. */
function joinedPeer(pair: PeerPair): Peer {
  return { kind: 'pods', namespaceSelector: pair.namespaces.selector, podSelector: pair.pods.selector };
}

/**
 * joinPeers is a rule with each pair joined into one peer, placed where the pair's first half was;
 * the halves go, every other peer (ipBlock, whole peers) stays where it is.
 */
export function joinPeers(rule: PolicyRule, pairs: readonly PeerPair[]): PolicyRule {
  if (rule.peers === null || pairs.length === 0) return rule;
  const paired = new Set(pairs.flatMap((pair) => [pair.namespaces.index, pair.pods.index]));
  const peers = rule.peers.flatMap((peer, index): Peer[] => {
    if (!paired.has(index)) return [peer];
    return pairs.filter((pair) => Math.min(pair.namespaces.index, pair.pods.index) === index).map(joinedPeer);
  });
  return { ...rule, peers };
}

/** SplitRule is a rule whose peers hold halves, and how they pair. */
export interface SplitRule {
  readonly direction: Direction;
  readonly index: number;
  readonly pairs: readonly PeerPair[];
}

/** splitRules lists the rules of a policy, in the directions it isolates, whose peers hold halves that pair. */
export function splitRules(policy: NetworkPolicy): SplitRule[] {
  return DIRECTIONS.filter((direction) => policy.policyTypes.has(direction)).flatMap((direction) =>
    rulesFor(policy, direction).flatMap((rule, index): SplitRule[] => {
      const pairs = intendedPairs(rule.peers ?? []);
      return pairs.length === 0 ? [] : [{ direction, index, pairs }];
    }),
  );
}

/** joinedPolicy is the policy with every split rule's pairs joined: the fix, so one apply clears them all. */
export function joinedPolicy(policy: NetworkPolicy, split: readonly SplitRule[]): NetworkPolicy {
  const join = (direction: Direction) => (rule: PolicyRule, index: number) =>
    joinPeers(rule, split.find((entry) => entry.direction === direction && entry.index === index)?.pairs ?? []);
  return { ...policy, ingress: policy.ingress.map(join('Ingress')), egress: policy.egress.map(join('Egress')) };
}

function inNamespaces(selector: LabelSelector): string {
  return isSelectAll(selector) ? 'in every namespace' : `in namespaces ${formatSelector(selector)}`;
}

/** describeHalf says in words what a half admits by itself. */
function describeHalf(half: Half, namespace: string, side: string): string {
  const what = half.kind === 'namespaces' ? `every pod ${inNamespaces(half.selector)}` : `pods ${formatSelector(half.selector)} in ${namespace}`;
  return `${what} (${side}[${half.index}])`;
}

function uniqueHalves(pairs: readonly PeerPair[]): Half[] {
  const byIndex = new Map<number, Half>();
  for (const pair of pairs) byIndex.set(pair.namespaces.index, pair.namespaces).set(pair.pods.index, pair.pods);
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

/** peerSplitFindings reports `peer-split`: one finding per rule whose peers split a "pods in namespaces" peer in two. */
export function peerSplitFindings(change: PolicyChange): Finding[] {
  const policy = change.policy;
  if (policy === undefined) return [];
  const split = splitRules(policy);
  if (split.length === 0) return [];
  const object = `${change.namespace}/${change.name}`;
  const fix = networkPolicyManifest(joinedPolicy(policy, split), { labels: policy.labels });
  return split.map(({ direction, index, pairs }): Finding => {
    const field = `${direction === 'Ingress' ? 'ingress' : 'egress'}[${index}]`;
    const side = direction === 'Ingress' ? 'from' : 'to';
    const traffic = direction === 'Ingress' ? 'admits traffic from' : 'allows traffic to';
    const written = uniqueHalves(pairs).map((half) => describeHalf(half, policy.namespace, side));
    const joined = pairs.map((pair) => `pods ${formatSelector(pair.pods.selector)} ${inNamespaces(pair.namespaces.selector)} (${side}[${pair.namespaces.index}] with ${side}[${pair.pods.index}])`);
    const first = pairs[0];
    const shown = first === undefined ? '' : `${side}[${first.namespaces.index}] (namespaces) OR ${side}[${first.pods.index}] (pods)`;
    return {
      rule: 'peer-split',
      severity: 'warn',
      object,
      fix,
      summary: summaryLine('peer-split', `${object} ${field}: ${shown}${pairs.length > 1 ? ' and more' : ''}; meant one peer with both?`),
      message:
        `${object} ${field} lists a namespaceSelector-only peer and a podSelector-only peer side by side, and peers are OR'd: ` +
        `as written it ${traffic} ${written.join('; or ')}. ` +
        `One peer with both selectors (AND) would ${direction === 'Ingress' ? 'admit' : 'allow'} only ${joined.join('; or ')}. ` +
        `If that is what you meant, join them into one peer, as the fix does; if you meant either, write them as separate rules with the same ports.`,
    };
  });
}
