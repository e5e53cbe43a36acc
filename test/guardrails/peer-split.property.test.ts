import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyLookup } from '../../src/model/cluster-state.js';
import { evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { parseIp } from '../../src/model/ip.js';
import type { Labels } from '../../src/model/labels.js';
import { selectorManifest } from '../../src/model/manifest.js';
import type { JsonObject, JsonValue } from '../../src/model/manifest.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import { peerSplitFindings } from '../../src/guardrails/rules/peer-split.js';
import { isSelectAll, matchesSelector } from '../../src/model/selector.js';
import type { LabelSelector } from '../../src/model/selector.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { allLabelSets, selectorArb } from '../support/arbitraries.js';

/**
 * The fix `peer-split` suggests, checked with the connection evaluator over every pod of a small
 * universe (every label set, in each of three namespaces): the joined peer admits exactly the pods
 * that both halves' selectors match (the namespaces half's namespaces AND the pods half's labels),
 * so it never admits what the split rule did not; other peers keep admitting what they did.
 */

const NAMESPACE_NAMES = ['ns1', 'ns2', 'ns3'] as const;
const TARGET_LABELS: Labels = new Map([['role', 'target']]);
const PORT = { port: 80, protocol: 'TCP' } as const;

type PeerShape = { kind: 'namespaces'; selector: LabelSelector } | { kind: 'pods'; selector: LabelSelector } | { kind: 'both'; namespaces: LabelSelector; pods: LabelSelector } | { kind: 'own' } | { kind: 'ip'; cidr: string };

const nonEmptySelectorArb = selectorArb.filter((selector) => !isSelectAll(selector));
const namespacesHalfArb: fc.Arbitrary<PeerShape> = selectorArb.map((selector) => ({ kind: 'namespaces', selector }));
const podsHalfArb: fc.Arbitrary<PeerShape> = nonEmptySelectorArb.map((selector) => ({ kind: 'pods', selector }));
const otherPeerArb: fc.Arbitrary<PeerShape> = fc.oneof(
  fc.record({ kind: fc.constant('both' as const), namespaces: selectorArb, pods: nonEmptySelectorArb }),
  fc.constant({ kind: 'own' as const }),
  fc.constantFrom('10.1.0.0/16', '10.2.0.0/16', '10.0.0.0/8').map((cidr) => ({ kind: 'ip' as const, cidr })),
);
const anyPeerArb = fc.oneof(namespacesHalfArb, podsHalfArb, otherPeerArb);

function peerManifest(peer: PeerShape): JsonObject {
  switch (peer.kind) {
    case 'namespaces':
      return { namespaceSelector: selectorManifest(peer.selector) };
    case 'pods':
      return { podSelector: selectorManifest(peer.selector) };
    case 'both':
      return { namespaceSelector: selectorManifest(peer.namespaces), podSelector: selectorManifest(peer.pods) };
    case 'own':
      return { podSelector: {} };
    case 'ip':
      return { ipBlock: { cidr: peer.cidr } };
  }
}

/** policyWith is a policy in ns1 that selects only the target pod, with one rule of these peers in one direction. */
function policyWith(peers: readonly PeerShape[], direction: 'Ingress' | 'Egress'): NetworkPolicy {
  const rule: JsonValue = { [direction === 'Ingress' ? 'from' : 'to']: peers.map(peerManifest) };
  return decodeNetworkPolicy({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'p', namespace: 'ns1' },
    spec: { podSelector: { matchLabels: { role: 'target' } }, policyTypes: [direction], [direction === 'Ingress' ? 'ingress' : 'egress']: [rule] },
  });
}

function fixOf(policy: NetworkPolicy): NetworkPolicy | undefined {
  const findings = peerSplitFindings({ kind: 'NetworkPolicy', operation: 'CREATE', namespace: 'ns1', name: 'p', policy, oldPolicy: undefined, requester: { username: 'u', groups: [] } });
  const fix = findings[0]?.fix;
  return fix === undefined ? undefined : decodeNetworkPolicy(fix);
}

function endpoint(namespace: string, name: string, labels: Labels, ip: string): Endpoint {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad test IP ${ip}`);
  return { kind: 'pod', pod: { namespace, name, labels, ips: [address], containerPorts: [] } };
}

const TARGET = endpoint('ns1', 'target', TARGET_LABELS, '10.1.255.254');
/** PODS: every label set of the universe in each namespace, each with its own address (ns1 in 10.1/16, ns2 in 10.2/16, ...). */
const PODS: Endpoint[] = NAMESPACE_NAMES.flatMap((namespace, n) =>
  allLabelSets().map((labels, i) => endpoint(namespace, `pod${i}`, labels, `10.${n + 1}.${Math.floor(i / 250)}.${(i % 250) + 1}`)),
);

/** namespaceLabelsArb gives the three namespaces labels over the universe (the name label too, as the API server sets it). */
const namespaceLabelsArb: fc.Arbitrary<ReadonlyMap<string, Labels>> = fc.tuple(...NAMESPACE_NAMES.map(() => fc.constantFrom(...allLabelSets()))).map(
  (sets) => new Map(NAMESPACE_NAMES.map((name, index) => [name, new Map([...(sets[index] ?? []), ['kubernetes.io/metadata.name', name]])])),
);

function lookupOf(policy: NetworkPolicy, namespaces: ReadonlyMap<string, Labels>): PolicyLookup {
  return { policiesIn: (namespace) => (namespace === policy.namespace ? [policy] : []), namespaceLabels: (namespace) => namespaces.get(namespace) };
}

/** admits says whether the policy lets `pod` talk with the target in the policy's direction. */
function admits(policy: NetworkPolicy, namespaces: ReadonlyMap<string, Labels>, pod: Endpoint): boolean {
  const lookup = lookupOf(policy, namespaces);
  const verdict = policy.policyTypes.has('Ingress') ? evaluateConnection(lookup, pod, TARGET, PORT).ingress : evaluateConnection(lookup, TARGET, pod, PORT).egress;
  return verdict.allowed;
}

const directionArb = fc.constantFrom<'Ingress' | 'Egress'>('Ingress', 'Egress');

describe('peer-split: the joined peer', () => {
  it('admits exactly what both halves select: the namespaces half AND the pods half, a subset of the split rule', () => {
    fc.assert(
      fc.property(
        fc.array(otherPeerArb, { maxLength: 2 }),
        namespacesHalfArb,
        podsHalfArb,
        fc.nat(),
        fc.boolean(),
        directionArb,
        namespaceLabelsArb,
        (others, namespacesHalf, podsHalf, at, podsFirst, direction, namespaces) => {
          const halves = podsFirst ? [podsHalf, namespacesHalf] : [namespacesHalf, podsHalf];
          // The halves side by side or apart, among whole peers.
          const position = at % (others.length + 1);
          const peers = [...others.slice(0, position), ...halves, ...others.slice(position)];
          const split = policyWith(peers, direction);
          const joined = fixOf(split);
          expect(joined).toBeDefined();
          if (joined === undefined) return;
          const untouched = policyWith(others, direction);
          if (namespacesHalf.kind !== 'namespaces' || podsHalf.kind !== 'pods') throw new Error('halves expected');
          for (const pod of PODS) {
            if (pod.kind !== 'pod') continue;
            const namespaceLabels = namespaces.get(pod.pod.namespace) ?? new Map<string, string>();
            const both = matchesSelector(namespacesHalf.selector, namespaceLabels) && matchesSelector(podsHalf.selector, pod.pod.labels);
            const admitted = admits(joined, namespaces, pod);
            expect(admitted).toBe((others.length > 0 && admits(untouched, namespaces, pod)) || both);
            if (admitted) expect(admits(split, namespaces, pod)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never admits more than the split rule, whatever the peers, and leaves nothing for peer-split to find', () => {
    fc.assert(
      fc.property(fc.array(anyPeerArb, { minLength: 1, maxLength: 6 }), directionArb, namespaceLabelsArb, (peers, direction, namespaces) => {
        const split = policyWith(peers, direction);
        const joined = fixOf(split);
        const halves = new Set(peers.filter((peer) => peer.kind === 'namespaces' || peer.kind === 'pods').map((peer) => peer.kind));
        // It fires exactly when the rule holds both kinds of half.
        expect(joined !== undefined).toBe(halves.size === 2);
        if (joined === undefined) return;
        expect(fixOf(joined)).toBeUndefined();
        for (const pod of PODS) {
          if (admits(joined, namespaces, pod)) expect(admits(split, namespaces, pod)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is never suggested for a rule whose selector peers all have both selectors', () => {
    fc.assert(
      fc.property(fc.array(otherPeerArb, { minLength: 1, maxLength: 6 }), directionArb, (peers, direction) => {
        expect(fixOf(policyWith(peers, direction))).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
