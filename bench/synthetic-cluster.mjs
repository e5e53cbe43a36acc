// A synthetic multi-tenant cluster for benchmarks: NAMESPACES tenants with PODS_PER_NAMESPACE pods
// each and POLICIES_PER_NAMESPACE policies each, shaped like real tenants' policies (default-deny,
// DNS egress, app-to-app ingress, namespaceSelector-based ingress, ipBlock egress). Deterministic.
import { parseIp } from '../dist/model/ip.js';
import { decodeNetworkPolicy } from '../dist/k8s/network-policy.js';

const APPS = ['web', 'api', 'db', 'cache', 'worker', 'queue', 'auth', 'search', 'report', 'mail'];

/** syntheticCluster returns { namespaces, pods, policies } as core objects, and a PolicyLookup. */
export function syntheticCluster({ namespaces: namespaceCount, podsPerNamespace, policiesPerNamespace }) {
  const namespaces = new Map();
  const pods = [];
  const policies = [];
  for (let n = 0; n < namespaceCount; n++) {
    const namespace = `tenant-${n}`;
    namespaces.set(namespace, new Map([['kubernetes.io/metadata.name', namespace], ['tier', n % 3 === 0 ? 'gold' : 'silver']]));
    for (let p = 0; p < podsPerNamespace; p++) {
      const app = APPS[p % APPS.length];
      const ip = parseIp(`10.${(n >> 8) & 255}.${n & 255}.${p + 1}`);
      pods.push({
        namespace,
        name: `${app}-${p}`,
        labels: new Map([['app', app], ['track', p % 2 === 0 ? 'stable' : 'canary']]),
        ips: [ip],
        containerPorts: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9100, protocol: 'TCP' },
        ],
      });
    }
    for (let k = 0; k < policiesPerNamespace; k++) policies.push(decodeNetworkPolicy(policyFor(namespace, k)));
  }
  const byNamespace = new Map();
  for (const policy of policies) {
    const list = byNamespace.get(policy.namespace) ?? [];
    list.push(policy);
    byNamespace.set(policy.namespace, list);
  }
  const lookup = {
    policiesIn: (namespace) => byNamespace.get(namespace) ?? [],
    namespaceLabels: (namespace) => namespaces.get(namespace),
  };
  return { namespaces, pods, policies, lookup };
}

function policyFor(namespace, k) {
  const metadata = { name: `policy-${k}`, namespace };
  const app = APPS[k % APPS.length];
  const peerApp = APPS[(k + 1) % APPS.length];
  const spec = (() => {
    switch (k % 5) {
      case 0:
        return k === 0 ? { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } : { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'] };
      case 1:
        return {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
        };
      case 2:
        return { podSelector: { matchLabels: { app } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: peerApp } } }], ports: [{ port: 'http' }] }] };
      case 3:
        return {
          podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [app, peerApp] }] },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { tier: 'gold' } }, podSelector: { matchLabels: { track: 'stable' } } }], ports: [{ port: 8080 }] }],
        };
      default:
        return {
          podSelector: { matchLabels: { app } },
          policyTypes: ['Egress'],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.5.0/24'] } }, { podSelector: { matchLabels: { app: peerApp } } }], ports: [{ port: 8080, endPort: 8090 }] }],
        };
    }
  })();
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
}
