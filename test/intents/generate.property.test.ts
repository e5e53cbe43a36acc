import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { evaluateConnection } from '../../src/engine/connection.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { generateIntentPolicies } from '../../src/intents/generate.js';
import { proveIntentPolicies } from '../../src/intents/prove.js';
import type { ClientIntents, IntentsTarget } from '../../src/model/client-intents.js';
import { withPolicies } from '../../src/model/cluster-state.js';
import { parseIp } from '../../src/model/ip.js';
import { withNameLabel } from '../../src/model/namespace.js';
import type { ContainerPort, Pod } from '../../src/model/pod.js';
import type { Service } from '../../src/model/service.js';
import { MemoryState } from '../../src/state/memory-state.js';

/**
 * Over random states and intents: with the generated policies in place, evaluateConnection (the
 * engine's per-port verdict) allows a client's pod to reach a governed pod on a port exactly when
 * an intent of that client declares it (a workload target's declared ports, or every port when it
 * declares none; a Service target's target ports, named ones resolved on the pod), and every client
 * keeps DNS. The proof agrees: it finds nothing to object to.
 */

const NAMESPACES = ['a', 'b'] as const;
const PORTS: readonly ContainerPort[] = [
  { name: 'http', port: 8080, protocol: 'TCP' },
  { name: undefined, port: 80, protocol: 'TCP' },
  { name: 'metrics', port: 9090, protocol: 'TCP' },
];
const PROBES = [80, 443, 8080, 9090, 9999];

interface Spec {
  readonly workloads: ReadonlyArray<{ readonly namespace: (typeof NAMESPACES)[number]; readonly ports: readonly ContainerPort[]; readonly team: string }>;
  readonly services: ReadonlyArray<{ readonly workload: number; readonly named: boolean }>;
  readonly intents: ReadonlyArray<{ readonly client: number; readonly targets: ReadonlyArray<{ readonly workload: number; readonly viaService: boolean }> }>;
}

const specArb: fc.Arbitrary<Spec> = fc.integer({ min: 2, max: 6 }).chain((count) =>
  fc.record({
    workloads: fc.array(fc.record({ namespace: fc.constantFrom(...NAMESPACES), ports: fc.subarray([...PORTS]), team: fc.constantFrom('red', 'blue') }), { minLength: count, maxLength: count }),
    services: fc.array(fc.record({ workload: fc.nat({ max: count - 1 }), named: fc.boolean() }), { maxLength: 3 }),
    intents: fc.array(fc.record({ client: fc.nat({ max: count - 1 }), targets: fc.array(fc.record({ workload: fc.nat({ max: count - 1 }), viaService: fc.boolean() }), { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 3 }),
  }),
);

const coredns: Pod = { namespace: 'kube-system', name: 'coredns', labels: new Map([['k8s-app', 'kube-dns']]), ips: [parseIp('10.96.5.5') ?? { family: 4, value: 0n, text: '' }], containerPorts: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] };
const kubeDns: Service = { namespace: 'kube-system', name: 'kube-dns', selector: new Map([['k8s-app', 'kube-dns']]), clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }] };

function build(spec: Spec) {
  const pods: Pod[] = spec.workloads.map((workload, index) => ({
    namespace: workload.namespace,
    name: `Deployment/w${index}`,
    labels: new Map([['app', `w${index}`], ['team', workload.team]]),
    ips: [],
    containerPorts: workload.ports,
    workload: { kind: 'Deployment', name: `w${index}`, template: true },
  }));
  const services = [...new Map(spec.services.map((service) => [service.workload, service])).values()].map((service): Service => {
    const workload = spec.workloads[service.workload];
    const declared = workload?.ports ?? [];
    return {
      namespace: workload?.namespace ?? 'a',
      name: `s${service.workload}`,
      selector: new Map([['app', `w${service.workload}`]]),
      clusterIPs: [],
      // A named target port resolves on the pods that declare it; a number is taken as it is.
      ports: service.named ? [{ name: 'web', port: 80, protocol: 'TCP', targetPort: 'http' }] : declared.length === 0 ? [{ name: 'web', port: 80, protocol: 'TCP', targetPort: 8080 }] : declared.map((port) => ({ name: undefined, port: port.port, protocol: port.protocol, targetPort: port.port })),
    };
  });
  const state = new MemoryState({
    namespaces: ['kube-system', ...NAMESPACES].map((name) => ({ name, labels: withNameLabel(name, new Map()) })),
    pods: [coredns, ...pods],
    services: [kubeDns, ...services],
    policies: [],
  });
  const intents = spec.intents.map((intent, index): ClientIntents => ({
    namespace: spec.workloads[intent.client]?.namespace ?? 'a',
    name: `i${index}`,
    apiVersion: 'k8s.otterize.com/v2beta1',
    client: { name: `w${intent.client}`, kind: 'Deployment' },
    targets: intent.targets.map((target, t): IntentsTarget => {
      const namespace = spec.workloads[target.workload]?.namespace ?? 'a';
      const service = services.find((candidate) => candidate.name === `s${target.workload}`);
      return target.viaService && service !== undefined ? { kind: 'service', field: `spec.targets[${t}]`, name: service.name, namespace } : { kind: 'workload', field: `spec.targets[${t}]`, name: `w${target.workload}`, namespace, workloadKind: undefined };
    }),
  }));
  return { state, pods, services, intents };
}

describe('generated policies against evaluateConnection', () => {
  it('open exactly the declared ports between governed pods, keep DNS, and are proven', () => {
    let opened = 0;
    fc.assert(
      fc.property(specArb, (spec) => {
        const { state, pods, services, intents } = build(spec);
        const config = defaultConfig();
        const essentials = resolveEssentialServices(state, config);
        const generated = generateIntentPolicies(state, intents, essentials);
        const proof = proveIntentPolicies(state, generated, config, essentials);
        expect(proof.failures).toEqual([]);
        const after = withPolicies(state, generated.policies);
        const governed = new Set(generated.connections.flatMap((connection) => [...connection.client.pods, ...(connection.to.kind === 'pods' ? connection.to.server.pods : [])]));
        for (const intent of intents) {
          const client = pods.find((pod) => pod.workload?.name === intent.client.name);
          if (client === undefined) continue;
          expect(evaluateConnection(after, { kind: 'pod', pod: client }, { kind: 'pod', pod: coredns }, { port: 53, protocol: 'UDP' }).allowed).toBe(true);
          for (const target of governed) {
            if (target === client) continue;
            for (const port of PROBES) {
              // Declared: by any intent of this client (several may name it), to this pod, on this port.
              const declared = intents
                .filter((other) => other.client.name === intent.client.name)
                .some((other) =>
                  other.targets.some((t) => {
                    if (t.kind === 'workload') return t.name === target.workload?.name && (target.containerPorts.length === 0 || target.containerPorts.some((p) => p.port === port));
                    if (t.kind !== 'service') return false;
                    const service = services.find((candidate) => candidate.name === t.name);
                    if (service === undefined || service.selector?.get('app') !== target.labels.get('app')) return false;
                    return service.ports.some((p) => (typeof p.targetPort === 'number' ? p.targetPort === port : target.containerPorts.some((c) => c.name === p.targetPort && c.port === port)));
                  }),
                );
              const verdict = evaluateConnection(after, { kind: 'pod', pod: client }, { kind: 'pod', pod: target }, { port, protocol: 'TCP' }).allowed;
              if (verdict) opened++;
              expect(verdict, `${client.name} -> ${target.name} on ${port}`).toBe(declared);
            }
          }
        }
      }),
      { numRuns: 400 },
    );
    expect(opened).toBeGreaterThan(100);
  });
});
