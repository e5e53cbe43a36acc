// The benchmark tenant: a namespace `bench` of N NetworkPolicies in one of three shapes, and the
// request the benchmarks send (a captured NetworkPolicy CREATE of `app: web` pods, with no DNS
// rule of its own, moved to `bench`, as a dry run). The request is allowed in every shape.
//  - `baselined`: a default-deny selecting every pod carries the DNS allow, as netfence's baseline
//    does, then N-1 app policies; the essential-access rule answers from the default-deny alone.
//  - `dns-per-app`: the default-deny allows nothing; `web-dns` allows DNS to `app: web` pods and
//    every app policy (`app: app-i`) carries its own DNS rule. The rule asks the index for the
//    policies that may contain the request's pods: `web-dns` alone, whatever N.
//  - `overlapping`: as dns-per-app, but the app policies select `tier: web, shard: s-i`, which
//    `app: web` pods may also carry: all N may overlap the request's pods (`web-dns` sorts last,
//    as the state keeps policies by name). The index still hands out `web-dns` alone as a possible
//    container, so the search among the N is not needed; a namespace where no single policy serves
//    all the pods (DNS split over several) would make the rule look at every overlapping one.
import { readFileSync } from 'node:fs';
import { decodeNetworkPolicy } from '../dist/k8s/network-policy.js';
import { loadState } from '../dist/state/load-state.js';
import { MemoryState } from '../dist/state/memory-state.js';

export const SHAPES = ['baselined', 'dns-per-app', 'overlapping'];

const DNS_EGRESS = {
  to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
  ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
};

function policy(name, spec) {
  return decodeNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: 'bench' }, spec });
}

/** tenantPolicies is a namespace's worth of realistic policies: a default-deny, then app policies. */
export function tenantPolicies(count, shape = 'baselined') {
  const perApp = shape !== 'baselined';
  const policies = [policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: perApp ? [] : [DNS_EGRESS] })];
  if (perApp) policies.push(policy('web-dns', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [DNS_EGRESS] }));
  for (let i = policies.length; i < count; i++) {
    policies.push(
      policy(`app-${i}`, {
        podSelector: { matchLabels: shape === 'overlapping' ? { tier: 'web', shard: `s-${i}` } : { app: `app-${i}` } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: `app-${i - 1}` } } }], ports: [{ port: 8080 }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { app: `app-${i + 1}` } } }], ports: [{ port: 8080 }] }, ...(perApp ? [DNS_EGRESS] : [])],
      }),
    );
  }
  return policies;
}

/** benchState is the bundled example cluster plus the `bench` namespace (mode `mode`, or the default when undefined). */
export async function benchState(count, shape = 'baselined', mode = undefined) {
  const { state: base } = await loadState(new URL('../examples/cluster', import.meta.url).pathname);
  const labels = new Map([['kubernetes.io/metadata.name', 'bench'], ...(mode === undefined ? [] : [['netfence.io/mode', mode]])]);
  return new MemoryState({
    namespaces: [...base.namespaces(), { name: 'bench', labels }],
    pods: base.pods(),
    services: base.services(),
    policies: [...base.policies(), ...tenantPolicies(count, shape)],
  });
}

/** benchReview is the AdmissionReview the benchmarks send, as JSON text. */
export function benchReview() {
  const review = JSON.parse(readFileSync(new URL('../test/fixtures/admission/009-validate-create-networkpolicies-web-egress-db.json', import.meta.url), 'utf8'));
  review.request.namespace = 'bench';
  review.request.object.metadata.namespace = 'bench';
  review.request.dryRun = true;
  return JSON.stringify(review);
}
