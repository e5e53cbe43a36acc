import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PolicyLookup } from '../../src/model/cluster-state.js';
import { evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { parseIp } from '../../src/model/ip.js';
import type { Labels } from '../../src/model/labels.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import type { Pod } from '../../src/model/pod.js';
import type { Port, Protocol } from '../../src/model/protocol.js';
import { computeTruthTable } from '../../src/engine/truth-table.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';

/**
 * Connection verdicts and truth tables against an oracle written straight from the Kubernetes API
 * reference, over raw manifests (the shape users write). The oracle shares no code with the engine
 * or the decoder: it reads the raw spec, defaults policyTypes itself and does its own IPv4 math.
 */

type RawSelector = { matchLabels?: Record<string, string>; matchExpressions?: RawExpression[] };
type RawExpression = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };
type RawPeer = { podSelector?: RawSelector; namespaceSelector?: RawSelector; ipBlock?: { cidr: string; except?: string[] } };
type RawPort = { protocol?: Protocol; port?: number | string; endPort?: number };
type RawRule = { from?: RawPeer[]; to?: RawPeer[]; ports?: RawPort[] };
type RawPolicy = {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string };
  spec: { podSelector: RawSelector; policyTypes?: Array<'Ingress' | 'Egress'>; ingress?: RawRule[]; egress?: RawRule[] };
};
type RawPod = {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ip: string;
  ports: Array<{ name: string; containerPort: number; protocol: Protocol }>;
};

const NAMESPACES: Record<string, Record<string, string>> = {
  ns1: { 'kubernetes.io/metadata.name': 'ns1', team: 'x' },
  ns2: { 'kubernetes.io/metadata.name': 'ns2', team: 'y' },
  ns3: { 'kubernetes.io/metadata.name': 'ns3' },
};
const NAMESPACE_NAMES = Object.keys(NAMESPACES);
const PORT_NUMBERS = [53, 80, 8080];
const PORT_NAMES = ['dns', 'http', 'web'];
const PROTOCOLS: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const OUTSIDE_IPS = ['10.0.1.7', '192.168.3.4', '8.8.8.8'];

// --- generators -------------------------------------------------------------------------------

const keyArb = fc.constantFrom('app', 'tier', 'team');
const valueArb = fc.constantFrom('x', 'y', 'z');
const rawSelectorArb: fc.Arbitrary<RawSelector> = fc.record(
  {
    matchLabels: fc.dictionary(keyArb, valueArb, { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: keyArb, operator: fc.constantFrom('In' as const, 'NotIn' as const), values: fc.uniqueArray(valueArb, { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: keyArb, operator: fc.constantFrom('Exists' as const, 'DoesNotExist' as const) }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);
const rawPeerArb: fc.Arbitrary<RawPeer> = fc.oneof(
  fc.record({ podSelector: rawSelectorArb }),
  fc.record({ namespaceSelector: rawSelectorArb }),
  fc.record({ podSelector: rawSelectorArb, namespaceSelector: rawSelectorArb }),
  fc.record(
    {
      ipBlock: fc.constantFrom<{ cidr: string; except?: string[] }>(
        { cidr: '10.0.0.0/16' },
        { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] },
        { cidr: '10.0.0.0/8', except: ['10.0.1.7/32', '10.0.2.0/24'] },
        { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
        { cidr: '10.0.1.7/32' },
      ),
    },
  ),
);
const rawPortArb: fc.Arbitrary<RawPort> = fc.oneof(
  fc.record({ protocol: fc.constantFrom(...PROTOCOLS) }, { requiredKeys: [] }),
  fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...PORT_NUMBERS) }, { requiredKeys: ['port'] }),
  fc.record({ protocol: fc.constantFrom(...PROTOCOLS), port: fc.constantFrom(...PORT_NAMES) }, { requiredKeys: ['port'] }),
  fc.constantFrom<RawPort>({ port: 50, endPort: 53 }, { port: 53, endPort: 80 }, { port: 79, endPort: 9000 }, { port: 81, endPort: 8080, protocol: 'UDP' }),
);
const rawRuleArb = (side: 'from' | 'to'): fc.Arbitrary<RawRule> =>
  fc.record({ [side]: fc.array(rawPeerArb, { maxLength: 2 }), ports: fc.array(rawPortArb, { maxLength: 2 }) }, { requiredKeys: [] });
const rawPolicyArb = (index: number): fc.Arbitrary<RawPolicy> =>
  fc
    .record({
      namespace: fc.constantFrom(...NAMESPACE_NAMES),
      podSelector: rawSelectorArb,
      policyTypes: fc.option(fc.subarray<'Ingress' | 'Egress'>(['Ingress', 'Egress'], { minLength: 1 }), { nil: undefined }),
      ingress: fc.option(fc.array(rawRuleArb('from'), { maxLength: 2 }), { nil: undefined }),
      egress: fc.option(fc.array(rawRuleArb('to'), { maxLength: 2 }), { nil: undefined }),
    })
    .map(({ namespace, podSelector, policyTypes, ingress, egress }) => ({
      apiVersion: 'networking.k8s.io/v1' as const,
      kind: 'NetworkPolicy' as const,
      metadata: { name: `p${index}`, namespace },
      spec: {
        podSelector,
        ...(policyTypes === undefined ? {} : { policyTypes }),
        ...(ingress === undefined ? {} : { ingress }),
        ...(egress === undefined ? {} : { egress }),
      },
    }));
const rawPodArb = (index: number): fc.Arbitrary<RawPod> =>
  fc.record({
    namespace: fc.constantFrom(...NAMESPACE_NAMES),
    name: fc.constant(`pod${index}`),
    labels: fc.dictionary(keyArb, valueArb, { maxKeys: 3 }),
    ip: fc.constantFrom(`10.0.1.${index + 1}`, `10.0.2.${index + 1}`, `10.1.0.${index + 1}`, `172.16.0.${index + 1}`),
    ports: fc.uniqueArray(
      fc.record({ name: fc.constantFrom(...PORT_NAMES), containerPort: fc.constantFrom(...PORT_NUMBERS), protocol: fc.constantFrom(...PROTOCOLS) }),
      { maxLength: 3, selector: (p) => p.name },
    ),
  });
const indexed = <T>(make: (index: number) => fc.Arbitrary<T>, max: number): fc.Arbitrary<T[]> =>
  fc.integer({ min: 0, max }).chain((count) => fc.tuple(...Array.from({ length: count }, (_, i) => make(i))));
const portArb: fc.Arbitrary<Port> = fc.record({ port: fc.constantFrom(...PORT_NUMBERS), protocol: fc.constantFrom(...PROTOCOLS) });

// --- the oracle ------------------------------------------------------------------------------

type OracleEndpoint = { pod: RawPod } | { ip: string };

function ipv4(text: string): number {
  return text.split('.').reduce((value, part) => value * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '0'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}
function oracleMatches(selector: RawSelector | undefined, labels: Record<string, string>): boolean {
  const has = (key: string): boolean => Object.hasOwn(labels, key);
  return (
    Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => has(key) && labels[key] === value) &&
    (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      if (operator === 'In') return has(key) && values.includes(labels[key] ?? '');
      if (operator === 'NotIn') return !has(key) || !values.includes(labels[key] ?? '');
      if (operator === 'Exists') return has(key);
      return !has(key);
    })
  );
}
function oraclePolicyTypes(policy: RawPolicy): string[] {
  if (policy.spec.policyTypes !== undefined && policy.spec.policyTypes.length > 0) return policy.spec.policyTypes;
  return (policy.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}
function oraclePeer(peer: RawPeer, policyNamespace: string, endpoint: OracleEndpoint): boolean {
  if (peer.ipBlock !== undefined) {
    const ip = 'ip' in endpoint ? endpoint.ip : endpoint.pod.ip;
    return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((block) => inCidr(ip, block));
  }
  if (!('pod' in endpoint)) return false;
  const namespaceOk =
    peer.namespaceSelector === undefined
      ? endpoint.pod.namespace === policyNamespace
      : oracleMatches(peer.namespaceSelector, NAMESPACES[endpoint.pod.namespace] ?? {});
  return namespaceOk && oracleMatches(peer.podSelector, endpoint.pod.labels);
}
function oraclePort(entry: RawPort, port: Port, destination: OracleEndpoint): boolean {
  if ((entry.protocol ?? 'TCP') !== port.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'number') return port.port >= entry.port && port.port <= (entry.endPort ?? entry.port);
  const name = entry.port;
  return 'pod' in destination && destination.pod.ports.some((p) => p.name === name && p.protocol === port.protocol && p.containerPort === port.port);
}
function oracleSide(
  policies: readonly RawPolicy[],
  direction: 'Ingress' | 'Egress',
  local: OracleEndpoint,
  remote: OracleEndpoint,
  port: Port,
): boolean {
  if (!('pod' in local)) return true;
  const pod = local.pod;
  const selecting = policies.filter(
    (p) => p.metadata.namespace === pod.namespace && oraclePolicyTypes(p).includes(direction) && oracleMatches(p.spec.podSelector, pod.labels),
  );
  if (selecting.length === 0) return true;
  const destination = direction === 'Egress' ? remote : local;
  return selecting.some((policy) =>
    ((direction === 'Egress' ? policy.spec.egress : policy.spec.ingress) ?? []).some((rule) => {
      const peers = direction === 'Egress' ? rule.to : rule.from;
      const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => oraclePeer(peer, policy.metadata.namespace, remote));
      const portOk = rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((entry) => oraclePort(entry, port, destination));
      return peerOk && portOk;
    }),
  );
}
function oracleAllowed(policies: readonly RawPolicy[], from: OracleEndpoint, to: OracleEndpoint, port: Port): boolean {
  return oracleSide(policies, 'Egress', from, to, port) && oracleSide(policies, 'Ingress', to, from, port);
}

// --- the engine, fed the same world ---------------------------------------------------------------

function toPod(raw: RawPod): Pod {
  const ip = parseIp(raw.ip);
  return {
    namespace: raw.namespace,
    name: raw.name,
    labels: new Map(Object.entries(raw.labels)),
    ips: ip === undefined ? [] : [ip],
    containerPorts: raw.ports.map((p) => ({ name: p.name, port: p.containerPort, protocol: p.protocol })),
  };
}
function lookupOf(policies: readonly NetworkPolicy[]): PolicyLookup {
  return {
    policiesIn: (namespace) => policies.filter((policy) => policy.namespace === namespace),
    namespaceLabels: (namespace): Labels | undefined => {
      const labels = NAMESPACES[namespace];
      return labels === undefined ? undefined : new Map(Object.entries(labels));
    },
  };
}
function endpoints(pods: readonly RawPod[]): Array<{ engine: Endpoint; oracle: OracleEndpoint }> {
  const podEndpoints = pods.map((pod) => ({ engine: { kind: 'pod' as const, pod: toPod(pod) }, oracle: { pod } }));
  const ipEndpoints = OUTSIDE_IPS.map((text) => {
    const ip = parseIp(text);
    if (ip === undefined) throw new Error(`bad test IP ${text}`);
    return { engine: { kind: 'ip' as const, ip }, oracle: { ip: text } };
  });
  return [...podEndpoints, ...ipEndpoints];
}

describe('connection verdicts against an oracle written from the API reference', () => {
  const worldArb = fc.record({ pods: indexed(rawPodArb, 6), policies: indexed(rawPolicyArb, 5), port: portArb });

  it('evaluateConnection and computeTruthTable agree with the oracle on every pair', () => {
    let allowedPairs = 0;
    let deniedPairs = 0;
    fc.assert(
      fc.property(worldArb, ({ pods, policies, port }) => {
        const lookup = lookupOf(policies.map((policy) => decodeNetworkPolicy(policy)));
        const all = endpoints(pods);
        const table = computeTruthTable(
          lookup,
          all.map((e) => e.engine),
          all.map((e) => e.engine),
          port,
        );
        all.forEach((from, i) => {
          all.forEach((to, j) => {
            const expected = oracleAllowed(policies, from.oracle, to.oracle, port);
            if (expected) allowedPairs++;
            else deniedPairs++;
            expect(evaluateConnection(lookup, from.engine, to.engine, port).allowed).toBe(expected);
            expect(table.allowed(i, j)).toBe(expected);
          });
        });
      }),
      { numRuns: 3_000 },
    );
    // Both answers must be common, or agreement would prove little.
    expect(allowedPairs).toBeGreaterThan(10_000);
    expect(deniedPairs).toBeGreaterThan(10_000);
  });
});
