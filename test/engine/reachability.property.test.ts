import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { parseIp } from '../../src/model/ip.js';
import type { Namespace } from '../../src/model/namespace.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import { isTemplatePod } from '../../src/model/pod.js';
import type { Pod } from '../../src/model/pod.js';
import { MAX_PORT } from '../../src/model/port-set.js';
import { PROTOCOLS } from '../../src/model/protocol.js';
import type { Port, Protocol } from '../../src/model/protocol.js';
import { diffReachability } from '../../src/engine/reachability-diff.js';
import type { ReachabilityDiff } from '../../src/engine/reachability-diff.js';
import { ReachabilityMap, allowedPorts, classifyPods, samePod, standsForOnePod } from '../../src/engine/reachability.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { networkPolicyArb, policyPortArb } from '../support/policy-manifests.js';
import type { RawSelector } from '../support/policy-manifests.js';

/**
 * The port-set engine against the brute-force oracle `evaluateConnection`, port by port. Policies
 * draw their port numbers and endPort ranges from 1-20 and their named ports from container ports
 * in 1-20, so the probes 1-21 (21 stands for 21-65534, which nothing splits) and 65535 decide every
 * port. A pod to itself is always allowed; a workload template stands for several pods, so its
 * connection to itself is what its pods get from one another.
 */

const NAMESPACE_NAMES = ['ns1', 'ns2', 'ns3'];
const NAMESPACE_LABEL_SETS: Record<string, string>[] = [{}, { team: 'x' }, { team: 'y' }, { team: 'x', env: 'prod' }];
const PORT_NAMES = ['http', 'dns', 'web'];
const PROBES: Port[] = PROTOCOLS.flatMap((protocol) => [...Array.from({ length: 21 }, (_, i) => i + 1), MAX_PORT].map((port) => ({ port, protocol })));

const keyArb = fc.constantFrom('app', 'tier');
const valueArb = fc.constantFrom('x', 'y', 'z');
const selectorArb: fc.Arbitrary<RawSelector> = fc.record(
  {
    matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 1 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: keyArb, operator: fc.constantFrom('In', 'NotIn'), values: fc.uniqueArray(valueArb, { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: keyArb, operator: fc.constantFrom('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 1 },
    ),
  },
  { requiredKeys: [] },
);
const namespaceSelectorArb: fc.Arbitrary<RawSelector> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ team: fc.constantFrom('x', 'y') }) }),
  fc.record({ matchExpressions: fc.constant([{ key: 'env', operator: 'Exists' }]) }),
);
const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: namespaceSelectorArb }),
  fc.record({ podSelector: selectorArb, namespaceSelector: namespaceSelectorArb }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.0.0.0/16' }, { cidr: '10.0.0.0/8', except: ['10.0.1.0/24'] }, { cidr: '0.0.0.0/0' }) }),
);
const portNumberArb = fc.integer({ min: 1, max: 20 });
const policyArb = (name: string): fc.Arbitrary<NetworkPolicy> =>
  networkPolicyArb(name, { namespaces: NAMESPACE_NAMES, podSelector: selectorArb, peer: peerArb, port: policyPortArb({ numbers: portNumberArb, names: PORT_NAMES, defaults: true }), maxPorts: 3, optionalParts: true });
const containerPortsArb = fc.uniqueArray(fc.record({ name: fc.constantFrom(...PORT_NAMES), port: portNumberArb, protocol: fc.constantFrom<Protocol>(...PROTOCOLS) }), {
  maxLength: 3,
  selector: (port) => port.name,
});
const labelsArb = fc.dictionary(keyArb, valueArb, { maxKeys: 2 });
const podArb = (index: number): fc.Arbitrary<Pod> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACE_NAMES),
      labels: labelsArb,
      ip: fc.constantFrom('10.0.1.5', '10.0.2.5', '10.1.0.5', '172.16.0.5', ''),
      containerPorts: containerPortsArb,
      template: fc.boolean(),
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
const namespacesArb: fc.Arbitrary<Namespace[]> = fc.tuple(...NAMESPACE_NAMES.map(() => fc.constantFrom(...NAMESPACE_LABEL_SETS))).map((sets) =>
  NAMESPACE_NAMES.map((name, i) => ({ name, labels: new Map(Object.entries({ ...sets[i], 'kubernetes.io/metadata.name': name })) })),
);
const stateArb = fc.record({ namespaces: namespacesArb, pods: indexed(podArb, 1, 5), policies: indexed((i) => policyArb(`p${i}`), 0, 5) });

function stateOf(world: { namespaces: Namespace[]; pods: Pod[]; policies: NetworkPolicy[] }): MemoryState {
  return new MemoryState({ namespaces: world.namespaces, pods: world.pods, services: [], policies: world.policies });
}

const OUTSIDE: Endpoint[] = ['10.0.1.9', '8.8.8.8'].map((text) => {
  const ip = parseIp(text);
  if (ip === undefined) throw new Error(text);
  return { kind: 'ip', ip };
});

/** allowedByOracle is evaluateConnection on one port, with a pod always allowed to reach itself. */
function allowedByOracle(state: MemoryState, from: Endpoint, to: Endpoint, port: Port): boolean {
  return samePod(from, to) || evaluateConnection(state, from, to, port).allowed;
}

const portText = (port: Port): string => `${port.port}/${port.protocol}`;

describe('allowedPorts against evaluateConnection, port by port', () => {
  it('allows exactly the ports the per-port verdict allows, side by side, with the same rules behind each port', () => {
    let allowed = 0;
    let denied = 0;
    fc.assert(
      fc.property(stateArb, (world) => {
        const state = stateOf(world);
        const endpoints: Endpoint[] = [...state.pods().map((pod): Endpoint => ({ kind: 'pod', pod })), ...OUTSIDE];
        for (const from of endpoints) {
          for (const to of endpoints) {
            const answer = allowedPorts(state, from, to);
            const expected: string[] = [];
            const egressExpected: string[] = [];
            const ingressExpected: string[] = [];
            const rulesExpected: string[] = [];
            for (const port of PROBES) {
              const verdict = evaluateConnection(state, from, to, port);
              if (samePod(from, to) || verdict.allowed) expected.push(portText(port));
              if (verdict.egress.allowed) egressExpected.push(portText(port));
              if (verdict.ingress.allowed) ingressExpected.push(portText(port));
              for (const ref of [...verdict.egress.allowedBy, ...verdict.ingress.allowedBy]) rulesExpected.push(`${portText(port)} ${ref.policy} ${ref.direction}[${ref.index}]`);
              if (verdict.allowed) allowed++;
              else denied++;
            }
            const holds = (set: { has(port: Port): boolean }): string[] => PROBES.filter((port) => set.has(port)).map(portText);
            expect(holds(answer.ports)).toEqual(expected);
            expect(answer.self).toBe(samePod(from, to));
            expect(holds(answer.egress.ports)).toEqual(egressExpected);
            expect(holds(answer.ingress.ports)).toEqual(ingressExpected);
            const grants = [...answer.egress.grants, ...answer.ingress.grants];
            const rules = PROBES.flatMap((port) => grants.filter((grant) => grant.ports.has(port)).map((grant) => `${portText(port)} ${grant.rule.policy} ${grant.rule.direction}[${grant.rule.index}]`));
            expect(rules.sort()).toEqual(rulesExpected.sort());
            const verdict = evaluateConnection(state, from, to, { port: 1, protocol: 'TCP' });
            expect(answer.egress.isolated).toBe(verdict.egress.isolated);
            expect(answer.ingress.selectedBy).toEqual(verdict.ingress.selectedBy);
          }
        }
      }),
      { numRuns: 300 },
    );
    // Both answers must be common, or agreement would prove little.
    expect(allowed).toBeGreaterThan(50_000);
    expect(denied).toBeGreaterThan(50_000);
  });

  it('gives every pod of a class the answers of the pod that stands for it', () => {
    // Each pod has a twin at another address, so classes have several members that ipBlocks may tell apart.
    const twinArb = fc.constantFrom('10.0.1.6', '10.0.2.6', '10.1.0.6', '');
    const worldArb = stateArb.chain((world) => fc.tuple(...world.pods.map(() => twinArb)).map((addresses) => ({ world, addresses })));
    fc.assert(
      fc.property(worldArb, ({ world, addresses }) => {
        const twins = world.pods.map((pod, i): Pod => {
          const address = isTemplatePod(pod) ? undefined : parseIp(addresses[i] ?? '');
          return { ...pod, name: `${pod.name}-twin`, ips: address === undefined ? [] : [address] };
        });
        const state = stateOf({ ...world, pods: [...world.pods, ...twins] });
        const classes = classifyPods(state.pods(), state.policies());
        const map = new ReachabilityMap(state, classes);
        classes.forEach((sourceClass, i) => {
          classes.forEach((_targetClass, j) => {
            const ports = map.ports(i, j);
            for (const from of sourceClass.pods) {
              for (const to of classes[j]?.pods ?? []) {
                if (from === to && !standsForOnePod(sourceClass)) continue; // a class's own pair is its members' to one another
                expect(ports.format(), `${from.name} -> ${to.name}`).toBe(allowedPorts(state, { kind: 'pod', pod: from }, { kind: 'pod', pod: to }).ports.format());
              }
            }
          });
        });
      }),
      { numRuns: 500 },
    );
  });
});

// --- diffs ------------------------------------------------------------------------------------------

/**
 * A change: some policies replaced, deleted or added, namespaces relabelled, pods relabelled. The
 * pods keep their names, so every pair is compared.
 */
function relabelled(pod: Pod, labels: Record<string, string> | undefined): Pod {
  return labels === undefined ? pod : { ...pod, labels: new Map(Object.entries(labels)) };
}

const changeArb = stateArb.chain((before) =>
  fc
    .record({
      keep: fc.array(fc.boolean(), { minLength: before.policies.length, maxLength: before.policies.length }),
      replaced: fc.tuple(...before.policies.map((policy) => fc.option(policyArb(policy.name), { nil: undefined, freq: 2 }))),
      added: indexed((i) => policyArb(`new${i}`), 0, 2),
      namespaces: fc.option(namespacesArb, { nil: undefined }),
      relabel: fc.tuple(...before.pods.map(() => fc.option(labelsArb, { nil: undefined, freq: 4 }))),
      // One kind of change alone, or all at once: alone, a missed kind cannot hide behind another.
      only: fc.constantFrom('policies', 'namespaces', 'pods', 'all'),
    })
    .map(({ keep, replaced, added, namespaces, relabel, only }) => {
      const policies =
        only === 'policies' || only === 'all'
          ? [
              ...before.policies.flatMap((policy, i) => {
                if (keep[i] === false) return [];
                const next = replaced[i];
                // A replacement stays in the policy's namespace: it is the same object, edited.
                return [next === undefined ? policy : { ...next, namespace: policy.namespace }];
              }),
              ...added,
            ]
          : before.policies;
      const pods = only === 'pods' || only === 'all' ? before.pods.map((pod, i) => relabelled(pod, relabel[i])) : before.pods;
      const relabelledNamespaces = only === 'namespaces' || only === 'all' ? (namespaces ?? before.namespaces) : before.namespaces;
      return { before, after: { namespaces: relabelledNamespaces, pods, policies } };
    }),
);

function lineFor(diff: ReachabilityDiff, from: Pod, to: Pod): { opened: string[]; closed: string[] } | undefined {
  const name = (pod: Pod): string => `${pod.namespace}/${pod.name}`;
  const lines = diff.namespacePairs.flatMap((pair) => pair.connections).filter((line) => line.from.names.includes(name(from)) && line.to.names.includes(name(to)));
  expect(lines.length).toBeLessThanOrEqual(1);
  const [line] = lines;
  if (line === undefined) return undefined;
  return { opened: PROBES.filter((port) => line.opened.has(port)).map(portText), closed: PROBES.filter((port) => line.closed.has(port)).map(portText) };
}

describe('diffReachability against evaluateConnection before and after', () => {
  it('lists a pair exactly when some port changes, with exactly the ports opened and closed, and a cause', () => {
    let changedPairs = 0;
    let samePairs = 0;
    fc.assert(
      fc.property(changeArb, ({ before, after }) => {
        const old = stateOf(before);
        const now = stateOf(after);
        const diff = diffReachability(old, now);
        for (const from of now.pods()) {
          for (const to of now.pods()) {
            const wasFrom = old.pod(from.namespace, from.name);
            const wasTo = old.pod(to.namespace, to.name);
            if (wasFrom === undefined || wasTo === undefined) throw new Error('pods keep their names');
            // A pod may always reach itself; a line from a group to itself is about its pods' connections to one another.
            if (samePod({ kind: 'pod', pod: from }, { kind: 'pod', pod: to })) continue;
            const opened: string[] = [];
            const closed: string[] = [];
            for (const port of PROBES) {
              const was = allowedByOracle(old, { kind: 'pod', pod: wasFrom }, { kind: 'pod', pod: wasTo }, port);
              const is = allowedByOracle(now, { kind: 'pod', pod: from }, { kind: 'pod', pod: to }, port);
              if (is && !was) opened.push(portText(port));
              if (was && !is) closed.push(portText(port));
            }
            const line = lineFor(diff, from, to);
            if (opened.length === 0 && closed.length === 0) {
              samePairs++;
              expect(line, `${from.name} -> ${to.name} did not change`).toBeUndefined();
            } else {
              changedPairs++;
              expect(line, `${from.name} -> ${to.name} changed`).toEqual({ opened, closed });
            }
          }
        }
        for (const line of diff.namespacePairs.flatMap((pair) => pair.connections)) {
          expect(line.policies.length + line.namespaces.length + (line.podChanged ? 1 : 0)).toBeGreaterThan(0);
          for (const policy of line.policies) expect(diff.delta.policies).toContain(policy);
        }
      }),
      { numRuns: 500 },
    );
    expect(changedPairs).toBeGreaterThan(500);
    expect(samePairs).toBeGreaterThan(500);
  });
});
