import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { evaluateConnection } from '../../src/engine/connection.js';
import type { Endpoint } from '../../src/engine/connection.js';
import { resolveEssentialServices } from '../../src/guardrails/resolve-essential-services.js';
import { generateIntentPolicies } from '../../src/intents/generate.js';
import { proveIntentPolicies } from '../../src/intents/prove.js';
import type { ClientIntents, IntentsTarget } from '../../src/model/client-intents.js';
import { withPolicies } from '../../src/model/cluster-state.js';
import type { ClusterState } from '../../src/model/cluster-state.js';
import { parseCidr, parseIp } from '../../src/model/ip.js';
import { networkPolicyManifest } from '../../src/model/manifest.js';
import type { Protocol } from '../../src/model/protocol.js';
import { loadState } from '../../src/state/load-state.js';

/**
 * The intents generator and its proof, on states read as `--state` reads them. Each answer is
 * checked with the engine's evaluateConnection on the state with the generated policies in place:
 * the declared connections open on their ports, the undeclared ones closed, DNS kept.
 */

const KUBE_SYSTEM = readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'kube-system.yaml'), 'utf8');
const config = defaultConfig();

const deployment = (namespace: string, name: string, ports: readonly (number | { name: string; containerPort: number; protocol?: string })[] = []) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name, tier: 'backend' } }, spec: { containers: [{ name: 'main', image: 'app', ports: ports.map((port) => (typeof port === 'number' ? { containerPort: port } : port)) }] } },
  },
});
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const service = (ns: string, name: string, selector: Record<string, string>, ports: readonly Record<string, unknown>[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector, ports } });

async function stateOf(objects: readonly object[]): Promise<ClusterState> {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-intents-'));
  writeFileSync(join(dir, 'kube-system.yaml'), KUBE_SYSTEM);
  writeFileSync(join(dir, 'state.yaml'), objects.map((object) => stringify(object)).join('---\n'));
  return (await loadState(dir)).state;
}

const intents = (ns: string, client: string, targets: readonly IntentsTarget[], name = client): ClientIntents => ({ namespace: ns, name, apiVersion: 'k8s.otterize.com/v2beta1', client: { name: client, kind: undefined }, targets });
const workloadTarget = (name: string, ns: string, field = 'spec.targets[0]'): IntentsTarget => ({ kind: 'workload', field, name, namespace: ns, workloadKind: undefined });
const serviceTarget = (name: string, ns: string, field = 'spec.targets[0]'): IntentsTarget => ({ kind: 'service', field, name, namespace: ns });

function generate(state: ClusterState, objects: readonly ClientIntents[]) {
  const essentials = resolveEssentialServices(state, config);
  const generated = generateIntentPolicies(state, objects, essentials);
  return { generated, proof: proveIntentPolicies(state, generated, config, essentials), after: withPolicies(state, generated.policies) };
}

function template(state: ClusterState, ns: string, name: string): Endpoint {
  const pod = state.podsIn(ns).find((candidate) => candidate.workload?.name === name);
  if (pod === undefined) throw new Error(`no pod of ${ns}/${name}`);
  return { kind: 'pod', pod };
}
const allowed = (state: ClusterState, from: Endpoint, to: Endpoint, port: number, protocol: Protocol = 'TCP') => evaluateConnection(state, from, to, { port, protocol }).allowed;
const coredns = (state: ClusterState): Endpoint => ({ kind: 'pod', pod: state.podsIn('kube-system').find((pod) => pod.labels.get('k8s-app') === 'kube-dns') ?? (() => { throw new Error('no CoreDNS'); })() });

describe('intents generate: the tutorial (client, client-other, server)', () => {
  const TUTORIAL = [namespace('tutorial'), deployment('tutorial', 'client'), deployment('tutorial', 'client-other'), deployment('tutorial', 'server', [80]), service('tutorial', 'server', { app: 'server' }, [{ port: 80, targetPort: 80 }])];

  it('lets client reach server on 80 and nothing else, keeps its DNS, leaves client-other out; proven', async () => {
    const state = await stateOf(TUTORIAL);
    const { generated, proof, after } = generate(state, [intents('tutorial', 'client', [workloadTarget('server', 'tutorial')])]);
    expect(proof.failures).toEqual([]);
    expect(generated.policies.map((policy) => `${policy.namespace}/${policy.name}`)).toEqual(['tutorial/netfence-intents-client', 'tutorial/netfence-intents-to-server']);
    const [client, other, server] = ['client', 'client-other', 'server'].map((name) => template(after, 'tutorial', name)) as [Endpoint, Endpoint, Endpoint];
    expect(allowed(after, client, server, 80)).toBe(true);
    expect(allowed(after, client, server, 8080)).toBe(false);
    expect(allowed(after, other, server, 80)).toBe(false);
    expect(allowed(after, client, coredns(after), 53, 'UDP')).toBe(true);
    expect(allowed(after, client, coredns(after), 53, 'TCP')).toBe(true);
    expect(allowed(after, client, other, 80)).toBe(false);
    // Labels the template does not give the pods (tier is every backend's) are not used alone: app and tier both.
    expect(Object.fromEntries(generated.policies[1]?.podSelector.matchLabels ?? [])).toEqual({ app: 'server', tier: 'backend' });
  });

  it('gives the same bytes for the same intents in any order', async () => {
    const state = await stateOf([...TUTORIAL, deployment('tutorial', 'api', [8080, 9090])]);
    const objects = [intents('tutorial', 'client', [workloadTarget('server', 'tutorial'), workloadTarget('api', 'tutorial', 'spec.targets[1]')]), intents('tutorial', 'client-other', [workloadTarget('api', 'tutorial')])];
    const text = (list: readonly ClientIntents[]) => generate(state, list).generated.policies.map((policy) => stringify(networkPolicyManifest(policy, { labels: policy.labels }))).join('---\n');
    expect(text([...objects].reverse())).toBe(text(objects));
    expect(text([{ ...objects[0], targets: [...(objects[0]?.targets ?? [])].reverse() } as ClientIntents, objects[1] as ClientIntents])).toBe(text(objects));
  });

  it('allows every port to a workload that declares none, and says so', async () => {
    const state = await stateOf([namespace('tutorial'), deployment('tutorial', 'client'), deployment('tutorial', 'quiet')]);
    const { generated, proof, after } = generate(state, [intents('tutorial', 'client', [workloadTarget('quiet', 'tutorial')])]);
    expect(proof.failures).toEqual([]);
    expect(generated.notices).toEqual(['ClientIntents tutorial/client spec.targets[0]: tutorial/Deployment/quiet declares no container port: every port is allowed to it']);
    expect(allowed(after, template(after, 'tutorial', 'client'), template(after, 'tutorial', 'quiet'), 31337)).toBe(true);
  });
});

describe('intents generate: targets', () => {
  it('opens a Service target on its target ports, a named one resolved per pod, across namespaces', async () => {
    const state = await stateOf([
      namespace('shop'),
      namespace('payments'),
      deployment('shop', 'web'),
      deployment('payments', 'api', [{ name: 'grpc', containerPort: 9443 }, 8081]),
      service('payments', 'api', { app: 'api' }, [{ name: 'grpc', port: 443, targetPort: 'grpc' }]),
    ]);
    const { proof, after } = generate(state, [intents('shop', 'web', [serviceTarget('api', 'payments')])]);
    expect(proof.failures).toEqual([]);
    const [web, api] = [template(after, 'shop', 'web'), template(after, 'payments', 'api')];
    expect(allowed(after, web, api, 9443)).toBe(true);
    expect(allowed(after, web, api, 443)).toBe(false); // the Service port is not the pods' port
    expect(allowed(after, web, api, 8081)).toBe(false);
  });

  it('aggregates two clients of one server in two namespaces into one ingress policy', async () => {
    const state = await stateOf([namespace('a'), namespace('b'), namespace('db'), deployment('a', 'app'), deployment('b', 'app'), deployment('db', 'postgres', [5432])]);
    const { generated, proof, after } = generate(state, [intents('a', 'app', [workloadTarget('postgres', 'db')]), intents('b', 'app', [workloadTarget('postgres', 'db')])]);
    expect(proof.failures).toEqual([]);
    const ingress = generated.policies.filter((policy) => policy.namespace === 'db');
    expect(ingress.map((policy) => policy.name)).toEqual(['netfence-intents-to-postgres']);
    expect(ingress[0]?.ingress).toHaveLength(2);
    for (const ns of ['a', 'b']) expect(allowed(after, template(after, ns, 'app'), template(after, 'db', 'postgres'), 5432)).toBe(true);
  });

  it('opens internet IPs on their ports only, says domains are not resolved, and ignores kafka', async () => {
    const state = await stateOf([namespace('shop'), deployment('shop', 'web')]);
    const block = parseCidr('203.0.113.0/24');
    if (block === undefined) throw new Error('bad CIDR');
    const { generated, proof, after } = generate(state, [
      intents('shop', 'web', [
        { kind: 'internet', field: 'spec.targets[0]', ips: [block], domains: ['api.example.com'], ports: [443] },
        { kind: 'ignored', field: 'spec.targets[1]', type: 'kafka', name: 'orders.kafka' },
      ]),
    ]);
    expect(proof.failures).toEqual([]);
    expect(generated.notices).toEqual([
      'ClientIntents shop/web spec.targets[0]: domains (api.example.com) cannot be resolved offline: not allowed; name their addresses under ips',
      'ClientIntents shop/web spec.targets[1]: a kafka target (orders.kafka) has nothing to do for the network: ignored',
    ]);
    const web = template(after, 'shop', 'web');
    const ip = (text: string): Endpoint => ({ kind: 'ip', ip: parseIp(text) ?? (() => { throw new Error(text); })() });
    expect(allowed(after, web, ip('203.0.113.7'), 443)).toBe(true);
    expect(allowed(after, web, ip('203.0.113.7'), 80)).toBe(false);
    expect(allowed(after, web, ip('198.51.100.1'), 443)).toBe(false);
  });

  it('reaches the API server (kubernetes.default) at its real endpoints and port', async () => {
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } }, addressType: 'IPv4', endpoints: [{ addresses: ['172.18.0.2'] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] };
    const state = await stateOf([namespace('default'), namespace('ops'), deployment('ops', 'operator'), slice]);
    const { proof, after } = generate(state, [intents('ops', 'operator', [serviceTarget('kubernetes', 'default')])]);
    expect(proof.failures).toEqual([]);
    const operator = template(after, 'ops', 'operator');
    const apiServer: Endpoint = { kind: 'ip', ip: parseIp('172.18.0.2') ?? (() => { throw new Error('ip'); })() };
    expect(allowed(after, operator, apiServer, 6443)).toBe(true);
    expect(allowed(after, operator, apiServer, 443)).toBe(false);
  });
});

describe('the proof', () => {
  it('reports what a hand-written policy opens between governed pods, by name', async () => {
    const open = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'legacy-open', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 9090 }] }] } };
    const metrics = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-metrics', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Ingress'], ingress: [{ ports: [{ port: 9090 }] }] } };
    const state = await stateOf([namespace('shop'), deployment('shop', 'web'), deployment('shop', 'api', [8080]), open, metrics]);
    const { proof } = generate(state, [intents('shop', 'web', [workloadTarget('api', 'shop')])]);
    expect(proof.failures).toEqual([]);
    expect(proof.openedElsewhere).toEqual([{ from: 'shop/Deployment/web', to: 'shop/Deployment/api', ports: '9090/TCP', policies: ['shop/legacy-open', 'shop/api-metrics'] }]);
  });

  it('fails when the generated selector also picks a governed pod no intent names (labels shared by two workloads)', async () => {
    const twin = { ...deployment('shop', 'api-canary', [8080]), spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api', tier: 'backend' } }, spec: { containers: [{ name: 'main', image: 'app', ports: [{ containerPort: 8080 }] }] } } } };
    const state = await stateOf([namespace('shop'), deployment('shop', 'web'), deployment('shop', 'api', [8080]), twin, deployment('shop', 'worker')]);
    // worker calls api-canary; the policies for web -> api select api-canary's pods too.
    const { proof } = generate(state, [intents('shop', 'web', [workloadTarget('api', 'shop')]), intents('shop', 'worker', [workloadTarget('api-canary', 'shop')])]);
    const twins = 'shop/Deployment/api (with shop/Deployment/api-canary, which no policy can tell apart from it)';
    expect(proof.failures).toEqual([`shop/Deployment/web -> ${twins}: the generated policies open 8080/TCP that no intent declares`, `shop/Deployment/worker -> ${twins}: the generated policies open 8080/TCP that no intent declares`]);
  });

  it('governs every pod the generated policies select by their labels, named in an intent or not', async () => {
    // client-other carries the client's app label too: the client's egress policy selects it, and the
    // server's ingress policy lets it in, though no intent names it.
    const lookalike = { ...deployment('shop', 'client-other'), spec: { selector: { matchLabels: { app: 'client', variant: 'other' } }, template: { metadata: { labels: { app: 'client', tier: 'backend', variant: 'other' } }, spec: { containers: [{ name: 'main', image: 'app' }] } } } };
    const state = await stateOf([namespace('shop'), { ...deployment('shop', 'client'), spec: { selector: { matchLabels: { app: 'client' } }, template: { metadata: { labels: { app: 'client', tier: 'backend' } }, spec: { containers: [{ name: 'main', image: 'app' }] } } } }, lookalike, deployment('shop', 'server', [80])]);
    const { proof } = generate(state, [intents('shop', 'client', [workloadTarget('server', 'shop')])]);
    expect(proof.failures).toEqual(['shop/Deployment/client-other -> shop/Deployment/server: the generated policies open 80/TCP that no intent declares']);
  });

  it('writes no ingress policy on a server that provides an essential service (CoreDNS): every other pod keeps DNS', async () => {
    const state = await stateOf([namespace('shop'), deployment('shop', 'web'), deployment('shop', 'other')]);
    const { generated, proof, after } = generate(state, [intents('shop', 'web', [serviceTarget('kube-dns', 'kube-system')])]);
    expect(proof.failures).toEqual([]);
    expect(generated.policies.map((policy) => `${policy.namespace}/${policy.name}`)).toEqual(['shop/netfence-intents-web']);
    expect(generated.notices).toEqual([expect.stringContaining('provides an essential service: no ingress policy is written for it')]);
    expect(allowed(after, template(after, 'shop', 'other'), coredns(after), 53, 'UDP')).toBe(true);
    expect(allowed(after, template(after, 'shop', 'web'), coredns(after), 53, 'UDP')).toBe(true);
  });
});
