import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { PolicyLookup } from '../../src/model/cluster-state.js';
import { evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { parseIp } from '../../src/model/ip.js';
import { withNameLabel } from '../../src/model/namespace.js';
import type { NetworkPolicy } from '../../src/model/network-policy.js';
import type { ContainerPort } from '../../src/model/pod.js';
import type { Port } from '../../src/model/protocol.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';

/**
 * Table tests for the NetworkPolicy pitfalls the API reference warns about. Each case is a policy
 * as a user writes it (YAML) and connections with the verdict the API reference gives.
 */

const NAMESPACE_LABELS = new Map([
  ['app-ns', withNameLabel('app-ns', new Map([['team', 'a']]))],
  ['other', withNameLabel('other', new Map([['team', 'b']]))],
]);

function pod(namespace: string, name: string, labels: Record<string, string>, ip: string, ports: ContainerPort[] = []): Endpoint {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad test IP ${ip}`);
  return { kind: 'pod', pod: { namespace, name, labels: new Map(Object.entries(labels)), ips: [address], containerPorts: ports } };
}
function host(ip: string): Endpoint {
  const address = parseIp(ip);
  if (address === undefined) throw new Error(`bad test IP ${ip}`);
  return { kind: 'ip', ip: address };
}
function lookupOf(...yamls: string[]): PolicyLookup {
  const policies: NetworkPolicy[] = yamls.map((text) => decodeNetworkPolicy(parse(text)));
  return {
    policiesIn: (namespace) => policies.filter((policy) => policy.namespace === namespace),
    namespaceLabels: (namespace) => NAMESPACE_LABELS.get(namespace),
  };
}
const tcp = (port: number): Port => ({ port, protocol: 'TCP' });

const web = pod('app-ns', 'web', { app: 'web' }, '10.0.0.1', [{ name: 'http', port: 8080, protocol: 'TCP' }]);
const db = pod('app-ns', 'db', { app: 'db' }, '10.0.0.2', [{ name: 'pg', port: 5432, protocol: 'TCP' }]);
const client = pod('app-ns', 'client', { role: 'client' }, '10.0.0.3');
const otherClient = pod('other', 'client', { role: 'client' }, '10.0.1.3');
const otherWeb = pod('other', 'web', { app: 'web' }, '10.0.1.1');

const policy = (spec: string): string => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: app-ns}
spec:
${spec
  .trim()
  .split('\n')
  .map((line) => `  ${line}`)
  .join('\n')}
`;

describe('policyTypes defaulting', () => {
  it('without policyTypes and without egress rules, a policy isolates ingress only', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\negress: []`));
    expect(evaluateConnection(lookup, web, db, tcp(5432)).egress.isolated).toBe(false);
    expect(evaluateConnection(lookup, client, web, tcp(8080)).allowed).toBe(false);
  });
  it('without policyTypes, an egress rule makes it isolate egress too', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\negress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]`));
    const toDb = evaluateConnection(lookup, web, db, tcp(5432));
    expect(toDb.egress).toMatchObject({ isolated: true, allowed: true, policies: ['app-ns/p'] });
    expect(evaluateConnection(lookup, web, client, tcp(80)).allowed).toBe(false);
  });
  it('policyTypes: [Egress] does not isolate ingress even with ingress rules listed', () => {
    const lookup = lookupOf(policy(`podSelector: {}\npolicyTypes: [Egress]\ningress: [{from: [{podSelector: {}}]}]`));
    expect(evaluateConnection(lookup, client, web, tcp(8080)).ingress.isolated).toBe(false);
    expect(evaluateConnection(lookup, client, web, tcp(8080)).allowed).toBe(false); // client's egress is isolated
  });
});

describe('empty rule versus no rule', () => {
  it('ingress: [{}] allows everything to the selected pods', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\ningress: [{}]`));
    expect(evaluateConnection(lookup, otherClient, web, tcp(1)).allowed).toBe(true);
    expect(evaluateConnection(lookup, host('203.0.113.9'), web, { port: 53, protocol: 'UDP' }).allowed).toBe(true);
  });
  it('no ingress at all (with policyTypes Ingress) allows nothing', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\npolicyTypes: [Ingress]`));
    const verdict = evaluateConnection(lookup, client, web, tcp(8080));
    expect(verdict.ingress).toMatchObject({ isolated: true, allowed: false, policies: [] });
  });
  it('from: [] is the same as no from: every peer', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\ningress: [{from: [], ports: [{port: 8080}]}]`));
    expect(evaluateConnection(lookup, otherClient, web, tcp(8080)).allowed).toBe(true);
    expect(evaluateConnection(lookup, otherClient, web, tcp(8081)).allowed).toBe(false);
  });
});

describe('namespaceSelector and podSelector: one peer (AND) versus two peers (OR)', () => {
  const one = lookupOf(
    policy(`podSelector: {matchLabels: {app: web}}
ingress:
- from:
  - namespaceSelector: {matchLabels: {team: b}}
    podSelector: {matchLabels: {role: client}}`),
  );
  const two = lookupOf(
    policy(`podSelector: {matchLabels: {app: web}}
ingress:
- from:
  - namespaceSelector: {matchLabels: {team: b}}
  - podSelector: {matchLabels: {role: client}}`),
  );
  it('in one peer both must match: client pods of team-b namespaces', () => {
    expect(evaluateConnection(one, otherClient, web, tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(one, otherWeb, web, tcp(80)).allowed).toBe(false);
    expect(evaluateConnection(one, client, web, tcp(80)).allowed).toBe(false); // own namespace is team a
  });
  it('as two peers either matches: any pod of team-b namespaces, or client pods of the own namespace', () => {
    expect(evaluateConnection(two, otherWeb, web, tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(two, client, web, tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(two, db, web, tcp(80)).allowed).toBe(false);
  });
  it('a podSelector alone means the policy namespace only', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\ningress: [{from: [{podSelector: {}}]}]`));
    expect(evaluateConnection(lookup, client, web, tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(lookup, otherClient, web, tcp(80)).allowed).toBe(false);
  });
  it('namespaceSelector: {} means every namespace', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\ningress: [{from: [{namespaceSelector: {}}]}]`));
    expect(evaluateConnection(lookup, otherClient, web, tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(lookup, host('10.0.1.3'), web, tcp(80)).allowed).toBe(false); // not a pod
  });
});

describe('ipBlock', () => {
  const lookup = lookupOf(
    policy(`podSelector: {matchLabels: {app: web}}
policyTypes: [Egress]
egress:
- to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.1.0/24]}}]`),
  );
  it('allows addresses in the cidr and outside every except', () => {
    expect(evaluateConnection(lookup, web, host('10.0.200.1'), tcp(443)).allowed).toBe(true);
    expect(evaluateConnection(lookup, web, db, tcp(5432)).allowed).toBe(true); // db's pod IP 10.0.0.2
  });
  it('denies addresses in an except block, pods included', () => {
    expect(evaluateConnection(lookup, web, host('10.0.1.77'), tcp(443)).allowed).toBe(false);
    expect(evaluateConnection(lookup, web, otherClient, tcp(443)).allowed).toBe(false); // 10.0.1.3
  });
  it('denies addresses outside the cidr and of the other family', () => {
    expect(evaluateConnection(lookup, web, host('10.1.0.1'), tcp(443)).allowed).toBe(false);
    expect(evaluateConnection(lookup, web, host('fd00::1'), tcp(443)).allowed).toBe(false);
  });
  it('reads IPv6 blocks', () => {
    const v6 = lookupOf(policy(`podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 'fd00:10::/32', except: ['fd00:10:1::/48']}}]}]`));
    expect(evaluateConnection(v6, web, host('fd00:10:2::5'), tcp(443)).allowed).toBe(true);
    expect(evaluateConnection(v6, web, host('fd00:10:1::5'), tcp(443)).allowed).toBe(false);
    expect(evaluateConnection(v6, web, host('fd00:11::1'), tcp(443)).allowed).toBe(false);
  });
  it('masks host bits of a cidr as the API does (192.168.1.10/4 is 192.0.0.0/4)', () => {
    const masked = lookupOf(policy(`podSelector: {}\npolicyTypes: [Egress]\negress: [{to: [{ipBlock: {cidr: 192.168.1.10/4}}]}]`));
    expect(evaluateConnection(masked, web, host('200.1.1.1'), tcp(80)).allowed).toBe(true);
    expect(evaluateConnection(masked, web, host('208.0.0.1'), tcp(80)).allowed).toBe(false);
  });
});

describe('ports', () => {
  it('protocol defaults to TCP', () => {
    const lookup = lookupOf(policy(`podSelector: {matchLabels: {app: web}}\ningress: [{ports: [{port: 53}]}]`));
    expect(evaluateConnection(lookup, client, web, tcp(53)).allowed).toBe(true);
    expect(evaluateConnection(lookup, client, web, { port: 53, protocol: 'UDP' }).allowed).toBe(false);
  });
  it('a named port resolves against the destination pod; a pod without that name is not allowed', () => {
    const lookup = lookupOf(policy(`podSelector: {}\ningress: [{ports: [{port: http}]}]`));
    expect(evaluateConnection(lookup, client, web, tcp(8080)).allowed).toBe(true);
    expect(evaluateConnection(lookup, client, web, tcp(8081)).allowed).toBe(false);
    expect(evaluateConnection(lookup, client, db, tcp(8080)).allowed).toBe(false); // db has no "http" port
  });
  it('a named egress port cannot match a host outside the cluster', () => {
    const lookup = lookupOf(policy(`podSelector: {}\npolicyTypes: [Egress]\negress: [{ports: [{port: http}]}]`));
    expect(evaluateConnection(lookup, client, web, tcp(8080)).allowed).toBe(true);
    expect(evaluateConnection(lookup, client, host('203.0.113.1'), tcp(8080)).allowed).toBe(false);
  });
  it('endPort opens an inclusive range', () => {
    const lookup = lookupOf(policy(`podSelector: {}\ningress: [{ports: [{port: 32000, endPort: 32768}]}]`));
    expect([31999, 32000, 32768, 32769].map((p) => evaluateConnection(lookup, client, web, tcp(p)).allowed)).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
  it('SCTP is its own protocol, and a port with only a protocol admits every port of it', () => {
    const lookup = lookupOf(policy(`podSelector: {}\ningress: [{ports: [{protocol: SCTP}]}]`));
    expect(evaluateConnection(lookup, client, web, { port: 9999, protocol: 'SCTP' }).allowed).toBe(true);
    expect(evaluateConnection(lookup, client, web, tcp(9999)).allowed).toBe(false);
  });
});

describe('both sides and explanations', () => {
  it('pod to pod needs egress of the source and ingress of the target, and says which rules allowed it', () => {
    const lookup = lookupOf(
      policy(`podSelector: {matchLabels: {app: web}}\npolicyTypes: [Egress]\negress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]`),
      policy(`podSelector: {matchLabels: {app: db}}\ningress: []`).replace('name: p,', 'name: db-deny,'),
    );
    const verdict = evaluateConnection(lookup, web, db, tcp(5432));
    expect(verdict.egress).toMatchObject({ allowed: true, isolated: true, policies: ['app-ns/p'] });
    expect(verdict.egress.allowedBy).toEqual([{ policy: 'app-ns/p', direction: 'Egress', index: 0 }]);
    expect(verdict.ingress).toMatchObject({ allowed: false, isolated: true, policies: [], selectedBy: ['app-ns/db-deny'] });
    expect(verdict.allowed).toBe(false);
  });
  it('an IP endpoint has no policies of its own: only the pod side applies', () => {
    const lookup = lookupOf(policy(`podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]`));
    const verdict = evaluateConnection(lookup, host('203.0.113.5'), web, tcp(80));
    expect(verdict.egress).toMatchObject({ applies: false, allowed: true, isolated: false });
    expect(verdict.allowed).toBe(true);
  });
});
