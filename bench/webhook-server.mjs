// A server for the webhook benchmark, run as a child process so the load generator has its own
// core: `netfence` (every rule on, the `bench` namespace of POLICIES policies in SHAPE, see
// tenant.mjs), `netfence-off` (the same, the namespace in mode off) or `bare` (fastify over the
// same TLS answering allowed:true). For the cost ladder (`npm run bench -- cost`), bare plus
// netfence's pieces one at a time: `bare+log` (netfence's decision log line), `bare+log+metrics`,
// `bare+log+metrics+parse` (parseAdmissionReview); and `bare+spin5`, bare with 5 µs of busy
// waiting per request, which shows what a few µs of handler work cost this machine's server in all
// (see runCostLadder). Prints its port on stdout.
import Fastify from 'fastify';
import { parseAdmissionReview } from '../dist/admission/admission-request.js';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { staticTls } from '../dist/certs/tls-source.js';
import { defaultConfig } from '../dist/config/defaults.js';
import { buildApp } from '../dist/server/app.js';
import { decisionWriter, serviceLogger } from '../dist/server/logger.js';
import { Metrics } from '../dist/server/metrics.js';
import { tuneRuntime } from '../dist/server/runtime.js';
import { StandaloneContext } from '../dist/server/standalone-context.js';
import { EditableState } from '../dist/state/editable-state.js';
import { benchState } from './tenant.mjs';

// Every server, bare included, runs as `netfence serve` would (before any state is built).
tuneRuntime();

const [kind, policyCount = '10', shape = 'baselined'] = process.argv.slice(2);
const certs = JSON.parse(process.env.BENCH_CERTS ?? 'null') ?? generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
const https = { key: certs.key, cert: certs.cert };

/** busyWait keeps the CPU busy for `ns` nanoseconds: work that touches next to no memory (a BigInt per clock read). */
function busyWait(ns) {
  const until = process.hrtime.bigint() + ns;
  while (process.hrtime.bigint() < until);
}

let app;
if (kind.startsWith('bare')) {
  const pieces = new Set(kind.split('+').slice(1));
  // Plain `bare` makes neither (the Metrics registry alone runs an event-loop-delay timer). The
  // decision line is written as app.ts writes it (decisionWriter over serve's logger).
  const writeDecision = pieces.has('log') ? decisionWriter(serviceLogger('/dev/null')) : undefined;
  const metrics = pieces.has('metrics') ? new Metrics() : undefined;
  app = Fastify({ https: { ...https, minVersion: 'TLSv1.2' }, bodyLimit: 7 * 1024 * 1024 });
  app.post('/validate', async (request) => {
    const uid = request.body.request.uid;
    if (pieces.has('spin5')) busyWait(5000n);
    if (pieces.has('parse')) parseAdmissionReview(request.body);
    if (metrics !== undefined) {
      metrics.countRequest({ webhook: 'validate', resource: 'networkpolicies', operation: 'CREATE', decision: 'allow', mode: 'enforce' }, 0.0001);
    }
    // The fields of app.ts's decision line.
    writeDecision?.({ webhook: 'validate', uid, resource: 'networkpolicies', namespace: 'bench', name: 'web-egress-db', operation: 'CREATE', user: 'kubernetes-admin', dryRun: true, decision: 'allow', mode: 'enforce', rules: [], durationMs: 0.012 });
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } };
  });
} else {
  // `netfence-off`: the namespace's mode is off, so a request costs the plumbing alone (parse,
  // decode, mode lookup, response, metrics, log line), without the rules.
  const state = await benchState(Number(policyCount), shape, kind === 'netfence-off' ? 'off' : undefined);
  // Requests are dry runs, so the state stays the same across the run.
  const context = new StandaloneContext(new EditableState(state), defaultConfig());
  // It logs as `netfence serve` does, one line per decision, to /dev/null (a log reader's cost is not netfence's).
  app = buildApp({ context, logger: serviceLogger('/dev/null'), metrics: new Metrics(), tls: staticTls(https), ready: () => true });
}
await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${app.server.address().port}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => void app.close().then(() => process.exit(0)));
