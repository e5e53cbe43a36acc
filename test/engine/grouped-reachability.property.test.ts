import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { endpointName, evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { answerConnection, groupedAnswer } from '../../src/engine/grouped-reachability.js';
import type { ConnectionAnswer, SideAnswer } from '../../src/engine/grouped-reachability.js';
import { parseIp } from '../../src/model/ip.js';
import type { Namespace } from '../../src/model/namespace.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import type { Pod } from '../../src/model/pod.js';
import { askedPorts } from '../../src/engine/port-query.js';
import type { PortQuery } from '../../src/engine/port-query.js';
import { MAX_PORT } from '../../src/model/port-set.js';
import { PROTOCOLS } from '../../src/model/protocol.js';
import type { Port, Protocol } from '../../src/model/protocol.js';
import { allowedPorts, samePod } from '../../src/engine/reachability.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { networkPolicyArb, policyPortArb } from '../support/policy-manifests.js';
import type { RawSelector } from '../support/policy-manifests.js';

/**
 * `simulate`'s grouped answers against the answers pod by pod. For random states, sides and port
 * queries, every connection between different pods is in exactly one group (a pod to itself in
 * none: it is listed apart, always allowed), and every member of a group gets the group's answer:
 * the same as answerConnection for that pod pair (ports, outcome and each side's rules), the same
 * ports as allowedPorts, and port by port what evaluateConnection says. Policies name ports 1-20
 * (numbers, endPort ranges, container ports), so the probes 1-21 and 65535 decide every port.
 */

const NAMESPACE_NAMES = ['ns1', 'ns2'];
const PORT_NAMES = ['http', 'dns'];
const PROBES: Port[] = PROTOCOLS.flatMap((protocol) => [...Array.from({ length: 21 }, (_, i) => i + 1), MAX_PORT].map((port) => ({ port, protocol })));
const OUTSIDE = ['10.0.1.9', '192.0.2.1'];

const keyArb = fc.constantFrom('app', 'tier');
const valueArb = fc.constantFrom('x', 'y');
const selectorArb: fc.Arbitrary<RawSelector> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 1 }) }),
  fc.record({ matchExpressions: fc.tuple(keyArb, fc.constantFrom('Exists', 'DoesNotExist')).map(([key, operator]) => [{ key, operator }]) }),
);
const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: fc.constantFrom<RawSelector>({}, { matchLabels: { team: 'x' } }) }),
  fc.record({ podSelector: selectorArb, namespaceSelector: fc.constantFrom<RawSelector>({}, { matchLabels: { team: 'x' } }) }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.0.0.0/16' }, { cidr: '10.0.0.0/8', except: ['10.0.1.0/24'] }) }),
);
const portNumberArb = fc.integer({ min: 1, max: 20 });
const policyArb = (name: string): fc.Arbitrary<NetworkPolicy> =>
  networkPolicyArb(name, { namespaces: NAMESPACE_NAMES, podSelector: selectorArb, peer: peerArb, port: policyPortArb({ numbers: portNumberArb, names: PORT_NAMES, defaults: true }), maxPorts: 2, optionalParts: true });
// Few label sets, container port sets and addresses, so that pods often fall into one class.
const containerPortsArb = fc.constantFrom(
  [],
  [{ name: 'http', port: 8, protocol: 'TCP' as Protocol }],
  [{ name: 'http', port: 9, protocol: 'TCP' as Protocol }, { name: 'dns', port: 5, protocol: 'UDP' as Protocol }],
);
const podArb = (index: number): fc.Arbitrary<Pod> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACE_NAMES),
      labels: fc.dictionary(keyArb, valueArb, { maxKeys: 1 }),
      ip: fc.constantFrom('10.0.1.5', '10.0.2.5', '10.0.2.6', ''),
      containerPorts: containerPortsArb,
      template: fc.constantFrom(false, false, false, true),
    })
    .map(({ namespace, labels, ip, containerPorts, template }): Pod => {
      const address = template ? undefined : parseIp(ip);
      return {
        namespace,
        name: template ? `Deployment/w${index}` : `pod${index}`,
        labels: new Map(Object.entries(labels)),
        ips: address === undefined ? [] : [address],
        containerPorts,
        ...(template ? { workload: { kind: 'Deployment' as const, name: `w${index}`, template: true } } : {}),
      };
    });
const indexed = <T>(make: (index: number) => fc.Arbitrary<T>, min: number, max: number): fc.Arbitrary<T[]> =>
  fc.integer({ min, max }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => make(i))));
const namespacesArb: fc.Arbitrary<Namespace[]> = fc.tuple(...NAMESPACE_NAMES.map(() => fc.constantFrom<Record<string, string>>({}, { team: 'x' }))).map((sets) =>
  NAMESPACE_NAMES.map((name, i) => ({ name, labels: new Map(Object.entries({ ...sets[i], 'kubernetes.io/metadata.name': name })) })),
);
const queryArb: fc.Arbitrary<PortQuery> = fc.oneof(
  fc.record({ kind: fc.constant('port' as const), port: fc.constantFrom(1, 5, 8, 9, 20, 21, MAX_PORT), protocol: fc.constantFrom(...PROTOCOLS) }),
  {
    weight: 2,
    arbitrary: fc
      .record({ a: fc.integer({ min: 1, max: 21 }), b: fc.constantFrom(1, 8, 12, 21, MAX_PORT), protocol: fc.constantFrom(...PROTOCOLS) })
      .map(({ a, b, protocol }) => ({ kind: 'range' as const, from: Math.min(a, b), to: Math.max(a, b), protocol })),
  },
  fc.record({ kind: fc.constant('named' as const), name: fc.constantFrom('http', 'dns', 'none'), protocol: fc.option(fc.constantFrom(...PROTOCOLS), { nil: undefined }) }),
  fc.record({ kind: fc.constant('any' as const), protocol: fc.option(fc.constantFrom(...PROTOCOLS), { nil: undefined }) }),
);
const worldArb = fc.record({
  namespaces: namespacesArb,
  pods: indexed(podArb, 1, 6),
  policies: indexed((i) => policyArb(`p${i}`), 0, 4),
  query: queryArb,
  // Which pods are sources and targets (bit masks), and whether an address joins either side.
  sourceMask: fc.integer({ min: 1, max: 63 }),
  targetMask: fc.integer({ min: 1, max: 63 }),
  outside: fc.constantFrom<'none' | 'source' | 'target'>('none', 'none', 'source', 'target'),
  address: fc.constantFrom(...OUTSIDE),
});

/** sideSummary is what must agree for one side: everything the output prints of it. */
function sideSummary(side: SideAnswer): unknown {
  return { ...side, ports: side.ports.format(), grants: side.grants.map((grant) => ({ ...grant.rule, ports: grant.ports.format() })) };
}

function summary(answer: ConnectionAnswer): unknown {
  return { asked: answer.asked.format(), ports: answer.ports.format(), outcome: answer.outcome, egress: sideSummary(answer.egress), ingress: sideSummary(answer.ingress) };
}

describe('grouped answers against pod-by-pod answers', () => {
  it('every connection in exactly one group, and every member of a group answered as the group says', () => {
    let pairsInLargerGroups = 0;
    let selfPairs = 0;
    let outcomes = { allowed: 0, partly: 0, denied: 0 };
    fc.assert(
      fc.property(worldArb, ({ namespaces, pods, policies, query, sourceMask, targetMask, outside, address }) => {
        const state = new MemoryState({ namespaces, pods, services: [], policies });
        const all: Endpoint[] = state.pods().map((pod) => ({ kind: 'pod', pod }));
        const ip = parseIp(address);
        if (ip === undefined) throw new Error(`bad test address ${address}`);
        const pick = (mask: number): Endpoint[] => all.filter((_, i) => (mask >> i) % 2 === 1);
        const sources = [...pick(sourceMask), ...(outside === 'source' ? [{ kind: 'ip' as const, ip }] : [])];
        const targets = [...pick(targetMask), ...(outside === 'target' ? [{ kind: 'ip' as const, ip }] : [])];
        const answer = groupedAnswer(state, state.policies(), sources, targets, query);

        const selfNames = new Set(answer.self.map(endpointName));
        const unresolvedNames = new Set(answer.unresolved.map(endpointName));
        let expectedPairs = 0;
        for (const source of sources) {
          for (const target of targets) {
            const asked = askedPorts(query, target);
            const containing = answer.groups.filter((group) => group.sources.includes(source) && group.targets.includes(target));
            if (asked === undefined) {
              expect(unresolvedNames.has(endpointName(target))).toBe(true);
              expect(containing).toEqual([]);
              continue;
            }
            if (samePod(source, target)) {
              selfPairs++;
              expect(selfNames.has(endpointName(source))).toBe(true);
              expect(containing.length).toBeLessThanOrEqual(1); // inside a class's rectangle, but not counted
              continue;
            }
            expectedPairs++;
            expect(containing, `${endpointName(source)} -> ${endpointName(target)}`).toHaveLength(1);
            const [group] = containing;
            if (group === undefined) continue;
            if (group.pairs > 1) pairsInLargerGroups++;
            outcomes = { ...outcomes, [group.answer.outcome]: outcomes[group.answer.outcome] + 1 };
            const single = answerConnection(state, source, target, query);
            expect(single && summary(single)).toEqual(summary(group.answer));
            expect(group.answer.ports.equals(allowedPorts(state, source, target).ports.intersect(asked))).toBe(true);
            for (const probe of PROBES) {
              if (!asked.has(probe)) continue;
              expect(group.answer.ports.has(probe), `${endpointName(source)} -> ${endpointName(target)} on ${probe.port}/${probe.protocol}`).toBe(evaluateConnection(state, source, target, probe).allowed);
            }
          }
        }
        expect(answer.totals.pairs).toBe(expectedPairs);
        expect(answer.groups.reduce((sum, group) => sum + group.pairs, 0)).toBe(expectedPairs);
        expect(answer.totals.allowed + answer.totals.partly + answer.totals.denied).toBe(expectedPairs);
        for (const group of answer.groups) {
          const both = group.sources.filter((source) => group.targets.some((target) => samePod(source, target))).length;
          expect(group.pairs).toBe(group.sources.length * group.targets.length - both);
        }
        const expectedSelf = sources.filter((source) => targets.some((target) => samePod(source, target)) && askedPorts(query, source) !== undefined);
        expect(answer.self.map(endpointName)).toEqual(expectedSelf.map(endpointName));
      }),
      { numRuns: 3_000 },
    );
    // Each case must be common, or agreement would prove little.
    expect(pairsInLargerGroups).toBeGreaterThan(4_000);
    expect(selfPairs).toBeGreaterThan(1_000);
    expect(outcomes.allowed).toBeGreaterThan(2_000);
    expect(outcomes.partly).toBeGreaterThan(20);
    expect(outcomes.denied).toBeGreaterThan(2_000);
  });

  it('answers a pod and itself as allowed on every port asked, whatever the policies say', () => {
    fc.assert(
      fc.property(worldArb, ({ namespaces, pods, policies, query }) => {
        const state = new MemoryState({ namespaces, pods, services: [], policies });
        for (const pod of state.pods()) {
          const endpoint: Endpoint = { kind: 'pod', pod };
          const answer = answerConnection(state, endpoint, endpoint, query);
          if (answer === undefined || !samePod(endpoint, endpoint)) continue;
          expect(answer.outcome).toBe('allowed');
          expect(answer.ports.equals(answer.asked)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
