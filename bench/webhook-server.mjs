// A server for the webhook benchmark, run as a child process so the load generator has its own
// core: `netfence` (every rule on, a namespace with POLICIES policies), `netfence-off` (the same,
// the namespace in mode off) or `bare` (fastify over the
// same TLS answering allowed:true). Prints its port on stdout.
import Fastify from 'fastify';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { defaultConfig } from '../dist/config/defaults.js';
import { decodeNetworkPolicy } from '../dist/k8s/network-policy.js';
import { staticTls } from '../dist/certs/tls-source.js';
import { buildApp } from '../dist/server/app.js';
import { serviceLogger } from '../dist/server/logger.js';
import { Metrics } from '../dist/server/metrics.js';
import { StandaloneContext } from '../dist/server/standalone-context.js';
import { EditableState } from '../dist/state/editable-state.js';
import { loadState } from '../dist/state/load-state.js';
import { MemoryState } from '../dist/state/memory-state.js';

const [kind, policyCount = '10', certDir] = process.argv.slice(2);
const certs = JSON.parse(process.env.BENCH_CERTS ?? 'null') ?? generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
const https = { key: certs.key, cert: certs.cert };
void certDir;

/** tenantPolicies is a namespace's worth of realistic policies: a DNS-carrying default-deny, then app policies. */
function tenantPolicies(count) {
  const policies = [
    decodeNetworkPolicy({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: 'bench' },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
      },
    }),
  ];
  for (let i = 1; i < count; i++) {
    policies.push(
      decodeNetworkPolicy({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `app-${i}`, namespace: 'bench' },
        spec: {
          podSelector: { matchLabels: { app: `app-${i}` } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { app: `app-${i - 1}` } } }], ports: [{ port: 8080 }] }],
          egress: [{ to: [{ podSelector: { matchLabels: { app: `app-${i + 1}` } } }], ports: [{ port: 8080 }] }],
        },
      }),
    );
  }
  return policies;
}

let app;
if (kind === 'bare') {
  app = Fastify({ https: { ...https, minVersion: 'TLSv1.2' }, bodyLimit: 7 * 1024 * 1024 });
  app.post('/validate', async (request) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: request.body.request.uid, allowed: true } }));
} else {
  const example = await loadState(new URL('../examples/cluster', import.meta.url).pathname);
  const base = example.state;
  const state = new MemoryState({
    // `netfence-off`: the namespace's mode is off, so a request costs the plumbing alone (parse,
    // decode, mode lookup, response, metrics), without the rules.
    namespaces: [...base.namespaces(), { name: 'bench', labels: new Map([['kubernetes.io/metadata.name', 'bench'], ...(kind === 'netfence-off' ? [['netfence.io/mode', 'off']] : [])]) }],
    pods: base.pods(),
    services: base.services(),
    policies: [...base.policies(), ...tenantPolicies(Number(policyCount))],
  });
  const context = new StandaloneContext(new EditableState(state), defaultConfig());
  // Requests are dry runs, so the state stays the same across the run.
  // It logs as `netfence serve` does, one line per decision, to /dev/null (a log reader's cost is not netfence's).
  app = buildApp({ context, logger: serviceLogger('/dev/null'), metrics: new Metrics(), tls: staticTls(https), ready: () => true });
}
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${app.server.address().port}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void app.close().then(() => process.exit(0)));
