import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/parse-config.js';
import type { ClusterState } from '../../src/model/cluster-state.js';
import type { Config } from '../../src/guardrails/config.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { findCutOff, policySetOf } from '../../src/guardrails/rules/essential-access.js';
import { SELECT_ALL } from '../../src/model/selector.js';
import { decodeObject } from '../../src/k8s/object.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { MemoryState } from '../../src/state/memory-state.js';
import { corednsPod, endpointSlice, kubeDnsService, namespace, networkPolicy } from '../support/kube-objects.js';

/**
 * Where essential services really are: NodeLocal DNSCache counts as DNS only where it runs, and
 * the API server is found at the endpoints of its `default/kubernetes` EndpointSlices.
 */

function stateOf(...raw: unknown[]): MemoryState {
  const objects = raw.map((object) => decodeObject(object));
  const of = <K extends KubeObject['kind']>(kind: K) => objects.filter((object): object is Extract<KubeObject, { kind: K }> => object.kind === kind);
  return new MemoryState({
    namespaces: of('Namespace').map((object) => object.namespace),
    pods: of('Pod').map((object) => object.pod),
    services: of('Service').map((object) => object.service),
    policies: of('NetworkPolicy').map((object) => object.policy),
    endpointSlices: of('EndpointSlice').map((object) => object.endpointSlice),
  });
}

const nodeLocalDnsPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'node-local-dns-x7k2p', namespace: 'kube-system', labels: { 'k8s-app': 'node-local-dns' } },
  spec: { hostNetwork: true, containers: [{ name: 'node-cache', ports: [{ containerPort: 53, protocol: 'UDP', name: 'dns' }] }] },
  status: { podIP: '172.18.0.2' },
};

/** onlyNodeLocal isolates team-a for Egress and lets it reach DNS only at NodeLocal DNSCache's address. */
const onlyNodeLocal = networkPolicy('team-a', 'dns-via-nodelocal', {
  podSelector: {},
  policyTypes: ['Egress'],
  egress: [{ to: [{ ipBlock: { cidr: '169.254.20.10/32' } }], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
});

function served(state: ClusterState, config: Config, serviceName: string): string {
  const service = resolveEssentialServices(state, config).services.find((candidate) => candidate.name === serviceName);
  if (service === undefined) return 'not checked';
  return findCutOff(service, SELECT_ALL, policySetOf(state.policiesIn('team-a'), state)).kind;
}

const DEFAULTS = parseConfig(undefined);
const WITH_API_SERVER = parseConfig(parse('apiServer: {enabled: true}'));

describe('NodeLocal DNSCache', () => {
  it('satisfies DNS where its pods run', () => {
    const state = stateOf(namespace('kube-system'), namespace('team-a'), kubeDnsService(), corednsPod('coredns-1', '10.244.0.10'), nodeLocalDnsPod, onlyNodeLocal);
    expect(served(state, DEFAULTS, 'cluster-dns')).toBe('served');
    expect(resolveEssentialServices(state, DEFAULTS).services[0]?.describe).toBe('kube-system/kube-dns or NodeLocal DNSCache 169.254.20.10 on 53/UDP');
  });

  it('does not where the DNS namespace shows no NodeLocal DNSCache pod: allowing only its address leaves pods without DNS', () => {
    const state = stateOf(namespace('kube-system'), namespace('team-a'), kubeDnsService(), corednsPod('coredns-1', '10.244.0.10'), onlyNodeLocal);
    expect(served(state, DEFAULTS, 'cluster-dns')).toBe('cut');
    expect(resolveEssentialServices(state, DEFAULTS).services[0]?.describe).toBe('kube-system/kube-dns on 53/UDP');
  });

  it('trusts the configuration when the state shows no pod of the DNS namespace at all', () => {
    const state = stateOf(namespace('team-a'), onlyNodeLocal);
    expect(served(state, DEFAULTS, 'cluster-dns')).toBe('served');
  });
});

describe('API server discovery', () => {
  const slice = (addresses: string[], port = 6443) => endpointSlice('default', 'kubernetes', 'kubernetes', addresses, [{ name: 'https', port }]);
  const egressTo = (cidrs: string[], port: number) =>
    networkPolicy('team-a', 'to-api', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [{ protocol: 'TCP', port }] }] });

  it('finds the endpoints and port of default/kubernetes, and requires every endpoint', () => {
    const base = [namespace('team-a'), slice(['10.0.0.5', '10.0.0.6'])];
    const api = resolveEssentialServices(stateOf(...base), WITH_API_SERVER).services.find((service) => service.name === 'api-server');
    expect(api?.describe).toBe('default/kubernetes endpoints 10.0.0.5, 10.0.0.6 on 6443/TCP');
    expect(served(stateOf(...base, egressTo(['10.0.0.5/32', '10.0.0.6/32'], 6443)), WITH_API_SERVER, 'api-server')).toBe('served');
    // One endpoint only: a connection to the kubernetes Service may be sent to the other.
    expect(served(stateOf(...base, egressTo(['10.0.0.5/32'], 6443)), WITH_API_SERVER, 'api-server')).toBe('cut');
    // The Service's port (443) is not what policies see: the endpoints listen on 6443.
    expect(served(stateOf(...base, egressTo(['10.0.0.0/24'], 443)), WITH_API_SERVER, 'api-server')).toBe('cut');
  });

  it('leaves out endpoints that are not ready, and other Services\' slices', () => {
    const notReady = slice(['10.0.0.5', '10.0.0.6']);
    (notReady.endpoints[1] as { conditions: { ready: boolean } }).conditions.ready = false;
    const other = endpointSlice('default', 'web-x', 'web', ['10.244.3.3'], [{ name: 'http', port: 80 }]);
    const api = resolveEssentialServices(stateOf(namespace('team-a'), notReady, other), WITH_API_SERVER).services.find((service) => service.name === 'api-server');
    expect(api?.describe).toBe('default/kubernetes endpoints 10.0.0.5 on 6443/TCP');
  });

  it('takes configured CIDRs and ports over what it discovers', () => {
    const config = parseConfig(parse('apiServer: {cidrs: [192.168.10.0/24], ports: [443]}'));
    const api = resolveEssentialServices(stateOf(namespace('team-a'), slice(['10.0.0.5'])), config).services.find((service) => service.name === 'api-server');
    expect(api?.describe).toBe('192.168.10.0/24 on 443/TCP');
  });

  it('checks nothing when it is neither configured nor discovered, and nothing unless enabled', () => {
    expect(served(stateOf(namespace('team-a')), WITH_API_SERVER, 'api-server')).toBe('not checked');
    expect(served(stateOf(namespace('team-a'), slice(['10.0.0.5'])), DEFAULTS, 'api-server')).toBe('not checked');
  });
});
