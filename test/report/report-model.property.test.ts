import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
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
import { allowedPorts, samePod } from '../../src/engine/reachability.js';
import { buildReportModel, reportPodClasses } from '../../src/report/report-model.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { networkPolicyArb, policyPortArb } from '../support/policy-manifests.js';
import type { RawSelector } from '../support/policy-manifests.js';
import { pageQueries } from './model-queries.js';

/**
 * The report's model on random states, against brute force: the heatmap's counts against
 * evaluateConnection on every port that can differ (policies name ports 1-8, so probes 1-9 and
 * 65535 of each protocol decide every port), and every pod pair's explanation, as the page's script
 * puts it together from the model's lookups, against allowedPorts of the two pods themselves.
 */

const NAMESPACES = ['ns1', 'ns2', 'ns3'];
const PORT_NAMES = ['http', 'dns'];
const PROBES: Port[] = PROTOCOLS.flatMap((protocol) => [1, 2, 3, 4, 5, 6, 7, 8, 9, MAX_PORT].map((port) => ({ port, protocol })));

const keyArb = fc.constantFrom('app', 'tier');
const valueArb = fc.constantFrom('x', 'y');
const selectorArb: fc.Arbitrary<RawSelector> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.dictionary(keyArb, valueArb, { minKeys: 1, maxKeys: 1 }) }),
  fc.record({ matchExpressions: fc.tuple(fc.record({ key: keyArb, operator: fc.constantFrom('In', 'NotIn'), values: fc.constant(['x']) })) }),
);
const peerArb = fc.oneof(
  fc.record({ podSelector: selectorArb }),
  fc.record({ namespaceSelector: fc.constantFrom({}, { matchLabels: { team: 'x' } }), podSelector: selectorArb }),
  fc.record({ ipBlock: fc.constantFrom({ cidr: '10.0.0.0/16' }, { cidr: '10.0.0.0/8', except: ['10.0.1.0/24'] }) }),
);
const policyArb = (name: string): fc.Arbitrary<NetworkPolicy> =>
  networkPolicyArb(name, { namespaces: NAMESPACES, podSelector: selectorArb, peer: peerArb, port: policyPortArb({ numbers: fc.integer({ min: 1, max: 8 }), names: PORT_NAMES, defaults: false }), maxPorts: 2, optionalParts: false });
const podArb = (index: number): fc.Arbitrary<Pod> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACES),
      labels: fc.dictionary(keyArb, valueArb, { maxKeys: 2 }),
      ip: fc.constantFrom('10.0.1.5', '10.0.2.5', '172.16.0.5'),
      ports: fc.uniqueArray(fc.record({ name: fc.constantFrom(...PORT_NAMES), port: fc.integer({ min: 1, max: 8 }), protocol: fc.constantFrom<Protocol>(...PROTOCOLS) }), { maxLength: 2, selector: (port) => port.name }),
      template: fc.boolean(),
      group: fc.constantFrom('a', 'b', undefined),
    })
    .map(({ namespace, labels, ip, ports, template, group }): Pod => {
      const address = parseIp(ip);
      const workload = template ? { kind: 'Deployment' as const, name: `w${index}`, template: true } : group === undefined ? undefined : { kind: 'StatefulSet' as const, name: group, template: false };
      return {
        namespace,
        name: template ? `Deployment/w${index}` : `pod${index}`,
        labels: new Map(Object.entries(labels)),
        ips: template || address === undefined ? [] : [address],
        containerPorts: ports,
        ...(workload === undefined ? {} : { workload }),
      };
    });
const indexed = <T>(make: (index: number) => fc.Arbitrary<T>, min: number, max: number): fc.Arbitrary<T[]> =>
  fc.integer({ min, max }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => make(i))));
const namespacesArb: fc.Arbitrary<Namespace[]> = fc
  .tuple(...NAMESPACES.map(() => fc.boolean()))
  .map((teams) => NAMESPACES.map((name, i) => ({ name, labels: new Map([['kubernetes.io/metadata.name', name], ...(teams[i] === true ? [['team', 'x'] as [string, string]] : [])]) })));
const stateArb = fc
  .record({ namespaces: namespacesArb, pods: indexed(podArb, 1, 6), policies: indexed((i) => policyArb(`p${i}`), 0, 5) })
  .map(({ namespaces, pods, policies }) => new MemoryState({ namespaces, pods, services: [], policies }));

describe('report model against brute force', () => {
  it('counts the pod pairs evaluateConnection allows on some port, and explains each pair as allowedPorts does', () => {
    fc.assert(
      fc.property(stateArb, (state) => {
        const model = buildReportModel({ state, config: defaultConfig(), source: 'random', generatedAt: '' });
        const queries = pageQueries(model);
        const names = model.namespaces.map((namespace) => namespace.name);
        const classOf = new Map<Pod, number>();
        reportPodClasses(state).forEach((podClass, index) => podClass.pods.forEach((pod) => classOf.set(pod, index)));

        const reachable = new Map<string, number>();
        const total = new Map<string, number>();
        for (const from of state.pods()) {
          for (const to of state.pods()) {
            const source: Endpoint = { kind: 'pod', pod: from };
            const target: Endpoint = { kind: 'pod', pod: to };
            const answer = queries.explainPair(classOf.get(from) ?? -1, classOf.get(to) ?? -1);
            const truth = allowedPorts(state, source, target);
            // A pod and itself: its class's answer is what its members get from one another, unless it is that one pod.
            if (!samePod(source, target) || answer.self) expect(answer.ports, `${from.name} -> ${to.name}`).toBe(truth.ports.format());
            for (const [side, engine] of [
              [answer.egress, truth.egress],
              [answer.ingress, truth.ingress],
            ] as const) {
              expect(side.selectedBy).toEqual(engine.selectedBy);
              expect(side.grants.map(({ policy, index, ports }) => ({ policy, index, ports }))).toEqual(engine.grants.map((grant) => ({ policy: grant.rule.policy, index: grant.rule.index, ports: grant.ports.format() })));
            }
            if (from === to && !isTemplatePod(from)) continue;
            const key = `${from.namespace} ${to.namespace}`;
            total.set(key, (total.get(key) ?? 0) + 1);
            const open = samePod(source, target) || PROBES.some((port) => evaluateConnection(state, source, target, port).allowed);
            if (open) reachable.set(key, (reachable.get(key) ?? 0) + 1);
          }
        }
        names.forEach((from, a) =>
          names.forEach((to, b) => {
            const key = `${from} ${to}`;
            expect(queries.namespaceCell(a, b)).toEqual({ reachable: reachable.get(key) ?? 0, total: total.get(key) ?? 0 });
          }),
        );
        expect(model.workloads.reduce((sum, workload) => sum + workload.pods, 0)).toBe(state.pods().length);
      }),
      { numRuns: 300 },
    );
  });
});
