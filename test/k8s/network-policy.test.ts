import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DecodeError } from '../../src/k8s/decode.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';

/** Decoding NetworkPolicies as the API server reads and validates them. */

const manifest = (spec: string): unknown =>
  parse(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: ns}
spec:
${spec
  .trim()
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}`);

function errorOf(spec: string): { path: string; reason: string } {
  try {
    decodeNetworkPolicy(manifest(spec));
  } catch (error) {
    if (error instanceof DecodeError) return { path: error.path, reason: error.reason };
    throw error;
  }
  throw new Error('expected a DecodeError');
}

describe('decodeNetworkPolicy', () => {
  it.each([
    ['no policyTypes, no egress', 'podSelector: {}', ['Ingress'], true],
    ['no policyTypes, egress: []', 'podSelector: {}\negress: []', ['Ingress'], true],
    ['no policyTypes, one egress rule', 'podSelector: {}\negress: [{}]', ['Ingress', 'Egress'], true],
    ['policyTypes: []', 'podSelector: {}\npolicyTypes: []\negress: [{}]', ['Ingress', 'Egress'], true],
    ['explicit Egress only', 'podSelector: {}\npolicyTypes: [Egress]\ningress: [{}]', ['Egress'], false],
  ])('policyTypes: %s', (_, spec, types, defaulted) => {
    const policy = decodeNetworkPolicy(manifest(spec));
    expect([...policy.policyTypes].sort()).toEqual([...types].sort());
    expect(policy.policyTypesDefaulted).toBe(defaulted);
  });

  it('reads ingress: [{}] as one rule allowing every peer on every port', () => {
    const policy = decodeNetworkPolicy(manifest('podSelector: {}\ningress: [{}]'));
    expect(policy.ingress).toEqual([{ peers: null, ports: null }]);
  });

  it('reads from: [] and ports: [] as "every"', () => {
    const policy = decodeNetworkPolicy(manifest('podSelector: {}\ningress: [{from: [], ports: []}]'));
    expect(policy.ingress).toEqual([{ peers: null, ports: null }]);
  });

  it('keeps podSelector-only peers in the own namespace and fills namespaceSelector-only peers with all pods', () => {
    const policy = decodeNetworkPolicy(manifest('podSelector: {}\ningress: [{from: [{podSelector: {matchLabels: {a: b}}}, {namespaceSelector: {}}]}]'));
    const peers = policy.ingress[0]?.peers ?? [];
    expect(peers[0]).toMatchObject({ kind: 'pods', namespaceSelector: null });
    expect(peers[1]).toMatchObject({ kind: 'pods', namespaceSelector: { matchExpressions: [] } });
    expect(peers[1]?.kind === 'pods' && peers[1].podSelector.matchLabels.size).toBe(0);
  });

  it('reads ports: protocol default, numbers, endPort ranges, names, SCTP', () => {
    const policy = decodeNetworkPolicy(
      manifest('podSelector: {}\ningress: [{ports: [{port: 80}, {port: 32000, endPort: 32768, protocol: UDP}, {port: http}, {protocol: SCTP}]}]'),
    );
    expect(policy.ingress[0]?.ports).toEqual([
      { protocol: 'TCP', range: { kind: 'numbers', from: 80, to: 80 } },
      { protocol: 'UDP', range: { kind: 'numbers', from: 32000, to: 32768 } },
      { protocol: 'TCP', range: { kind: 'named', name: 'http' } },
      { protocol: 'SCTP', range: { kind: 'any' } },
    ]);
  });

  it('reads IPv6 ipBlocks', () => {
    const policy = decodeNetworkPolicy(manifest("podSelector: {}\negress: [{to: [{ipBlock: {cidr: 'fd00::/64', except: ['fd00::/80']}}]}]"));
    const peer = policy.egress[0]?.peers?.[0];
    expect(peer?.kind === 'ipBlock' && peer.block.cidr.family).toBe(6);
  });

  it('defaults the namespace to default, as kubectl does', () => {
    const policy = decodeNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' }, spec: { podSelector: {} } });
    expect(policy.namespace).toBe('default');
  });

  it.each([
    ['bad operator', 'podSelector: {matchExpressions: [{key: a, operator: Inn, values: [x]}]}', 'spec.podSelector.matchExpressions[0].operator', /must be one of In, NotIn, Exists, DoesNotExist \(got "Inn"\)/],
    ['In without values', 'podSelector: {matchExpressions: [{key: a, operator: In}]}', 'spec.podSelector.matchExpressions[0].values', /at least one value/],
    ['Exists with values', 'podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}', 'spec.podSelector.matchExpressions[0].values', /must be empty/],
    ['bad label key', 'podSelector: {matchLabels: {"-bad": x}}', 'spec.podSelector.matchLabels', /label key "-bad"/],
    ['label value not a string', 'podSelector: {matchLabels: {a: 1}}', 'spec.podSelector.matchLabels.a', /must be a string \(got 1\)/],
    ['bad label value', 'podSelector: {matchLabels: {a: ok, b: "-no"}}', 'spec.podSelector.matchLabels.b', /label value "-no"/],
    ['bad expression value', 'podSelector: {matchExpressions: [{key: a, operator: In, values: [x, "y!"]}]}', 'spec.podSelector.matchExpressions[0].values[1]', /label value "y!"/],
    ['bad expression key', 'podSelector: {matchExpressions: [{key: "a/b/c", operator: Exists}]}', 'spec.podSelector.matchExpressions[0].key', /label key "a\/b\/c"/],
    ['bad peer selector key', 'podSelector: {}\negress: [{to: [{podSelector: {}}, {namespaceSelector: {matchLabels: {"x y": z}}}]}]', 'spec.egress[0].to[1].namespaceSelector.matchLabels', /label key "x y"/],
    ['empty peer', 'podSelector: {}\ningress: [{from: [{}]}]', 'spec.ingress[0].from[0]', /must set podSelector, namespaceSelector or ipBlock/],
    ['ipBlock with a selector', 'podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]', 'spec.ingress[0].from[0]', /cannot be combined/],
    ['bad cidr', 'podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/33}}]}]', 'spec.egress[0].to[0].ipBlock.cidr', /not a CIDR/],
    ['except outside cidr', 'podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]', 'spec.egress[0].to[0].ipBlock.except[0]', /not within cidr 10.0.0.0\/16/],
    ['except of the other family', "podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: ['fd00::/64']}}]}]", 'spec.egress[0].to[0].ipBlock.except[0]', /not within/],
    ['bad protocol', 'podSelector: {}\ningress: [{ports: [{protocol: ICMP}]}]', 'spec.ingress[0].ports[0].protocol', /TCP, UDP, SCTP/],
    ['port out of range', 'podSelector: {}\ningress: [{ports: [{port: 70000}]}]', 'spec.ingress[0].ports[0].port', /between 1 and 65535/],
    ['invalid port name', 'podSelector: {}\ningress: [{ports: [{port: "Http_Port"}]}]', 'spec.ingress[0].ports[0].port', /valid port name/],
    ['endPort below port', 'podSelector: {}\ningress: [{ports: [{port: 90, endPort: 80}]}]', 'spec.ingress[0].ports[0].endPort', /at least port 90/],
    ['endPort with a named port', 'podSelector: {}\ningress: [{ports: [{port: http, endPort: 80}]}]', 'spec.ingress[0].ports[0].endPort', /named port/],
    ['endPort without port', 'podSelector: {}\ningress: [{ports: [{endPort: 80}]}]', 'spec.ingress[0].ports[0].endPort', /requires a numeric port/],
    ['bad policyType', 'podSelector: {}\npolicyTypes: [Inbound]', 'spec.policyTypes[0]', /Ingress, Egress/],
    ['ingress not a list', 'podSelector: {}\ningress: {from: []}', 'spec.ingress', /must be a list/],
  ])('rejects %s at its field path', (_, spec, path, reason) => {
    const error = errorOf(spec);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
  });

  it('checks metadata labels and annotations at their paths, and keeps no annotations', () => {
    const metadata = (extra: object) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', ...extra }, spec: { podSelector: {} } });
    expect(() => decodeNetworkPolicy(metadata({ labels: { app: 'web', tier: '', 'bad key': 'x' } }))).toThrow('metadata.labels: label key "bad key"');
    expect(() => decodeNetworkPolicy(metadata({ labels: { app: 'web/1' } }))).toThrow('metadata.labels.app: label value "web/1"');
    expect(() => decodeNetworkPolicy(metadata({ annotations: { note: 'fine', count: 3 } }))).toThrow('metadata.annotations.count: must be a string (got 3)');
    expect(decodeNetworkPolicy(metadata({ annotations: { note: 'fine' } }))).not.toHaveProperty('annotations');
  });

  it('rejects an object without a spec or a name', () => {
    expect(() => decodeNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x' } })).toThrow('spec: is required');
    expect(() => decodeNetworkPolicy({ metadata: {}, spec: {} })).toThrow('metadata.name: is required');
    expect(() => decodeNetworkPolicy('text')).toThrow('must be an object (got "text")');
  });

  it('treats constructor and hasOwnProperty as ordinary label keys, and rejects __proto__ as the API does', () => {
    const policy = decodeNetworkPolicy(JSON.parse('{"metadata":{"name":"p"},"spec":{"podSelector":{"matchLabels":{"constructor":"x","hasOwnProperty":"y"}}}}'));
    expect([...policy.podSelector.matchLabels]).toEqual([
      ['constructor', 'x'],
      ['hasOwnProperty', 'y'],
    ]);
    const proto = JSON.parse('{"metadata":{"name":"p"},"spec":{"podSelector":{"matchLabels":{"__proto__":"x"}}}}');
    expect(() => decodeNetworkPolicy(proto)).toThrow('label key "__proto__"');
  });
});
