import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import type { EssentialService } from '../../src/guardrails/essential-service.js';
import { servedBy } from '../../src/guardrails/essential-service.js';
import { parseIp } from '../../src/model/ip.js';
import { withNameLabel } from '../../src/model/namespace.js';
import type { NetworkPolicy, PolicyRule } from '../../src/model/network-policy.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { findCutOff, findRegression, policySetAfter, policySetOf } from '../../src/guardrails/rules/essential-access.js';
import { policiesAfter } from '../../src/guardrails/rules/namespace-policies.js';
import type { PolicyChange } from '../../src/guardrails/rules/change.js';
import { matchesSelector } from '../../src/model/selector.js';
import type { LabelSelector } from '../../src/model/selector.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { allLabelSets, selectorArb } from '../support/arbitraries.js';

/**
 * The essential-service question ("can every pod this selector picks still reach DNS?") against a
 * brute-force oracle: enumerate every label set of the small universe, find the policies that
 * isolate it, and ask servedBy concretely. findCutOff must agree exactly, and its counterexample
 * must be a pod the oracle also finds cut off.
 */

const UNIVERSE = allLabelSets();
// Two CoreDNS pods: the pods alternative has two requirements, and a rule may allow only one.
const coredns = (name: string, ip: string) => ({
  namespace: 'kube-system',
  name,
  labels: new Map([['k8s-app', 'kube-dns']]),
  ips: [parseIp(ip) ?? { family: 4 as const, value: 0n, text: '' }],
  containerPorts: [
    { name: 'dns', port: 53, protocol: 'UDP' as const },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' as const },
  ],
});
const STATE = new MemoryState({
  namespaces: [{ name: 'kube-system', labels: withNameLabel('kube-system', new Map()) }],
  pods: [coredns('coredns-a', '10.96.5.5'), coredns('coredns-b', '10.96.5.6')],
  services: [
    {
      namespace: 'kube-system',
      name: 'kube-dns',
      selector: new Map([['k8s-app', 'kube-dns']]),
      clusterIPs: ['10.96.0.10'],
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 'dns' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      ],
    },
  ],
  policies: [],
});
const DNS: EssentialService = (() => {
  const service = resolveEssentialServices(STATE, defaultConfig()).services[0];
  if (service === undefined) throw new Error('cluster DNS not resolved');
  return service;
})();

const SELECT = (matchLabels: Record<string, string>): LabelSelector => ({ matchLabels: new Map(Object.entries(matchLabels)), matchExpressions: [] });

/** Egress rules that do or do not serve DNS, in the ways users get it right and wrong. */
const RULES: PolicyRule[] = [
  { peers: [{ kind: 'pods', namespaceSelector: SELECT({ 'kubernetes.io/metadata.name': 'kube-system' }), podSelector: SELECT({ 'k8s-app': 'kube-dns' }) }], ports: [{ protocol: 'UDP', range: { kind: 'numbers', from: 53, to: 53 } }] },
  { peers: [{ kind: 'pods', namespaceSelector: SELECT({}), podSelector: SELECT({}) }], ports: [{ protocol: 'UDP', range: { kind: 'named', name: 'dns' } }] },
  { peers: null, ports: [{ protocol: 'TCP', range: { kind: 'numbers', from: 53, to: 53 } }] }, // TCP only: not enough
  { peers: [{ kind: 'pods', namespaceSelector: null, podSelector: SELECT({}) }], ports: null }, // own namespace only
  { peers: [{ kind: 'ipBlock', block: { cidr: { family: 4, first: 0xa9fe140an, last: 0xa9fe140an, prefix: 32, text: '169.254.20.10/32' }, except: [] } }], ports: null }, // NodeLocal DNSCache
  { peers: [{ kind: 'ipBlock', block: { cidr: { family: 4, first: 0x0a600505n, last: 0x0a600505n, prefix: 32, text: '10.96.5.5/32' }, except: [] } }], ports: null }, // one CoreDNS pod of two: not enough
  { peers: [{ kind: 'ipBlock', block: { cidr: { family: 4, first: 0x0a000000n, last: 0x0affffffn, prefix: 8, text: '10.0.0.0/8' }, except: [] } }], ports: [{ protocol: 'UDP', range: { kind: 'any' } }] },
];

const policyArb = (index: number): fc.Arbitrary<NetworkPolicy> =>
  fc
    .record({
      podSelector: selectorArb,
      egress: fc.subarray(RULES, { maxLength: 2 }),
      types: fc.constantFrom<Array<'Ingress' | 'Egress'>>(['Egress'], ['Ingress'], ['Ingress', 'Egress']),
    })
    .map(({ podSelector, egress, types }) => ({
      namespace: 'tenant',
      name: `p${index}`,
      labels: new Map(),
      podSelector,
      policyTypes: new Set(types),
      policyTypesDefaulted: false,
      ingress: [],
      egress,
    }));
const policiesArb = fc.integer({ min: 0, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => policyArb(i))));

function oracleCutOff(subject: LabelSelector, policies: readonly NetworkPolicy[]): boolean {
  return UNIVERSE.some((labels) => {
    if (!matchesSelector(subject, labels)) return false;
    const isolating = policies.filter((policy) => policy.policyTypes.has('Egress') && matchesSelector(policy.podSelector, labels));
    return isolating.length > 0 && !servedBy(DNS, isolating, STATE);
  });
}

describe('findCutOff against a brute-force oracle', () => {
  it('finds a pod cut off from DNS exactly when one exists, and the pod it names is one', () => {
    let cut = 0;
    fc.assert(
      fc.property(selectorArb, policiesArb, (subject, policies) => {
        const answer = findCutOff(DNS, subject, policySetOf(policies, STATE));
        expect(answer.kind).not.toBe('too-complex');
        const expected = oracleCutOff(subject, policies);
        if (expected) cut++;
        expect(answer.kind === 'cut').toBe(expected);
        if (answer.kind === 'cut') {
          expect(matchesSelector(subject, answer.labels)).toBe(true);
          const isolating = policies.filter((policy) => policy.policyTypes.has('Egress') && matchesSelector(policy.podSelector, answer.labels));
          expect(isolating.length).toBeGreaterThan(0);
          expect(servedBy(DNS, isolating, STATE)).toBe(false);
        }
      }),
      { numRuns: 10_000 },
    );
    expect(cut).toBeGreaterThan(1_000);
    expect(cut).toBeLessThan(9_000);
  });

  it('answers the same from the incremental view of a change as from the full list after it', () => {
    fc.assert(
      fc.property(selectorArb, policiesArb, policyArb(0), fc.nat(), fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), (subject, before, created, pick, operation) => {
        const target = before[pick % Math.max(1, before.length)];
        const name = operation === 'CREATE' || target === undefined ? 'new-policy' : target.name;
        const policy = operation === 'DELETE' ? undefined : { ...created, name };
        const change: PolicyChange = { kind: 'NetworkPolicy', operation, namespace: 'tenant', name, policy, oldPolicy: target, requester: { username: 'u', groups: [] } };
        const incremental = findCutOff(DNS, subject, policySetAfter(before, change, STATE));
        const full = findCutOff(DNS, subject, policySetOf(policiesAfter(before, change), STATE));
        expect(incremental.kind).toBe(full.kind);
        // Twice: the second call is answered from the caches.
        expect(findCutOff(DNS, subject, policySetAfter(before, change, STATE)).kind).toBe(full.kind);
      }),
      { numRuns: 5_000 },
    );
  });

  it('is exact for the pods of the changed policy itself, as the webhook asks', () => {
    fc.assert(
      fc.property(policiesArb, policyArb(0), fc.nat(), fc.boolean(), (before, created, pick, update) => {
        const target = update ? before[pick % Math.max(1, before.length)] : undefined;
        const policy = { ...created, name: target?.name ?? 'new-policy' };
        const change: PolicyChange = { kind: 'NetworkPolicy', operation: target === undefined ? 'CREATE' : 'UPDATE', namespace: 'tenant', name: policy.name, policy, oldPolicy: target, requester: { username: 'u', groups: [] } };
        const answer = findCutOff(DNS, policy.podSelector, policySetAfter(before, change, STATE));
        expect(answer.kind === 'cut').toBe(oracleCutOff(policy.podSelector, policiesAfter(before, change)));
      }),
      { numRuns: 5_000 },
    );
  });
});

/** oracleCut says whether a pod with these labels is isolated for Egress by `policies` and not served DNS by them. */
function oracleCut(labels: ReturnType<typeof allLabelSets>[number], policies: readonly NetworkPolicy[]): boolean {
  const isolating = policies.filter((policy) => policy.policyTypes.has('Egress') && matchesSelector(policy.podSelector, labels));
  return isolating.length > 0 && !servedBy(DNS, isolating, STATE);
}

describe('findRegression (judge the change, not the namespace) against a brute-force oracle', () => {
  it('finds a pod the change cuts off that was not cut off before exactly when one exists, and names one', () => {
    let worse = 0;
    let predating = 0;
    fc.assert(
      fc.property(policiesArb, policyArb(0), fc.nat(), fc.constantFrom('CREATE', 'UPDATE', 'DELETE'), (before, created, pick, operation) => {
        const target = before[pick % Math.max(1, before.length)];
        const name = operation === 'CREATE' || target === undefined ? 'new-policy' : target.name;
        const policy = operation === 'DELETE' ? undefined : { ...created, name };
        const change: PolicyChange = { kind: 'NetworkPolicy', operation, namespace: 'tenant', name, policy, oldPolicy: operation === 'CREATE' ? undefined : target, requester: { username: 'u', groups: [] } };
        const subject = policy?.podSelector ?? target?.podSelector ?? SELECT({});
        const after = policiesAfter(before, change);
        const answer = findRegression(DNS, subject, policySetOf(before, STATE), policySetAfter(before, change, STATE));
        expect(answer.kind).not.toBe('too-complex');
        const loses = (labels: ReturnType<typeof allLabelSets>[number]): boolean => matchesSelector(subject, labels) && oracleCut(labels, after) && !oracleCut(labels, before);
        const expected = UNIVERSE.some(loses);
        if (expected) worse++;
        else if (UNIVERSE.some((labels) => matchesSelector(subject, labels) && oracleCut(labels, after))) predating++;
        expect(answer.kind === 'worse').toBe(expected);
        if (answer.kind === 'worse') {
          expect(loses(answer.labels)).toBe(true);
          // Its test for real pods agrees with the oracle on every label set.
          for (const labels of UNIVERSE) expect(answer.loses(labels)).toBe(loses(labels));
        }
      }),
      { numRuns: 5_000 },
    );
    // Both kinds of answer, and cuts that predate the change, are exercised.
    expect(worse).toBeGreaterThan(500);
    expect(predating).toBeGreaterThan(100);
  });
});
