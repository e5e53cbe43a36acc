// Webhook benchmark (issue 3): autocannon over HTTPS keep-alive, as the API server calls webhooks,
// against netfence's /validate with every rule on and against a bare fastify HTTPS route answering
// allowed:true, same machine, same run. Namespaces of 10, 100, 1,000 and 10,000 policies.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { printTable } from './measure.mjs';

const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 16;
const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });

/** body is a captured AdmissionReview (a NetworkPolicy CREATE), moved to the bench namespace, as a dry run. */
function body() {
  const review = JSON.parse(readFileSync(new URL('../test/fixtures/admission/009-validate-create-networkpolicies-web-egress-db.json', import.meta.url), 'utf8'));
  review.request.namespace = 'bench';
  review.request.object.metadata.namespace = 'bench';
  review.request.dryRun = true;
  return JSON.stringify(review);
}

function startServer(kind, policies) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./webhook-server.mjs', import.meta.url).pathname, kind, String(policies)], {
      env: { ...process.env, BENCH_CERTS: JSON.stringify(certs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (chunk) => resolve({ child, port: Number(String(chunk).trim()) }));
    child.once('error', reject);
  });
}

function cpuSeconds(pid) {
  // utime + stime of the server process, from /proc (Linux), in seconds.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line.split(/\s+/)[1]) / 1024);
}

async function load(port, options) {
  return autocannon({
    url: `https://127.0.0.1:${port}/validate?timeout=10s`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
    body: body(),
    connections: CONNECTIONS,
    duration: DURATION,
    tlsOptions: { ca: certs.caCert },
    ...options,
  });
}

async function measureServer(kind, policies) {
  const { child, port } = await startServer(kind, policies);
  try {
    await load(port, { duration: 2 }); // warm up: JIT, caches
    // A steady 2,000 requests/s over as many connections as the API server would keep open to one
    // replica, after 2 s at that rate (so the heap is in its steady state, not a full-load one).
    await load(port, { overallRate: 2000, connections: 4, duration: 2 });
    const paced = await load(port, { overallRate: 2000, connections: 4 });
    const cpuBefore = cpuSeconds(child.pid);
    const max = await load(port, {});
    const cpu = cpuSeconds(child.pid) - cpuBefore;
    if (max.non2xx > 0 || max.errors > 0 || paced.errors > 0) throw new Error(`${kind}: ${max.non2xx} non-2xx, ${max.errors + paced.errors} errors`);
    return { rps: max.requests.average, p99: max.latency.p99, pacedP50: paced.latency.p50, pacedP99: paced.latency.p99, cpuPerRequest: (cpu / max.requests.total) * 1e6, rss: rssMiB(child.pid) };
  } finally {
    child.kill('SIGTERM');
  }
}

/** runWebhookBenchmarks prints throughput ratio and latency, netfence against the bare server. */
export async function runWebhookBenchmarks() {
  console.log(`\n## Webhook: /validate over HTTPS keep-alive (${CONNECTIONS} connections, ${DURATION}s), netfence vs bare fastify\n`);
  const bare = await measureServer('bare', 0);
  const rows = [{ server: 'bare fastify', policies: '-', 'req/s (max)': Math.round(bare.rps), ratio: '100%', 'p99 @max': `${bare.p99} ms`, 'p50/p99 @2000/s': `${bare.pacedP50}/${bare.pacedP99} ms`, 'CPU/req': `${bare.cpuPerRequest.toFixed(0)} µs`, RSS: `${bare.rss} MiB` }];
  for (const policies of (process.env.BENCH_POLICIES ?? '10,100,1000,10000').split(',').map(Number)) {
    const result = await measureServer('netfence', policies);
    rows.push({
      server: 'netfence',
      policies,
      'req/s (max)': Math.round(result.rps),
      ratio: `${((result.rps / bare.rps) * 100).toFixed(0)}%`,
      'p99 @max': `${result.p99} ms`,
      'p50/p99 @2000/s': `${result.pacedP50}/${result.pacedP99} ms`,
      'CPU/req': `${result.cpuPerRequest.toFixed(0)} µs`,
      RSS: `${result.rss} MiB`,
    });
  }
  printTable(rows);
}
