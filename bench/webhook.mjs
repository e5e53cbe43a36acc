// Webhook benchmark (issue 3): autocannon over HTTPS keep-alive, as the API server calls webhooks,
// against netfence's /validate with every rule on and against a bare fastify HTTPS route answering
// allowed:true, same machine, same run. Namespaces of 10, 100, 1,000 and 10,000 policies, baselined
// (BENCH_POLICIES), and of 10 and 1,000 with DNS allowed per app (BENCH_SEARCH_POLICIES; see tenant.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import autocannon from 'autocannon';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { IMAGE_RUNTIME, printTable } from './measure.mjs';
import { benchReview } from './tenant.mjs';

// BENCH_SECONDS: the length of one full-load round; BENCH_ROUNDS: how many rounds per server.
const ROUND_SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PACED_SECONDS = 5;
const CONNECTIONS = 16;
const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });

/**
 * pinCpus keeps the servers on the last CPU and this process (the load generator) on the others
 * (Linux, with taskset; BENCH_PIN=0 turns it off), so that neither is moved onto the other's core
 * mid-round: on a 2-vCPU VM unpinned rounds of bare fastify alone ranged 8,000-15,000 req/s, pinned
 * 13,900-17,000. Returns the taskset prefix for a server's command line.
 */
function pinCpus() {
  const cpus = availableParallelism();
  if (process.env.BENCH_PIN === '0' || process.platform !== 'linux' || cpus < 2) return [];
  const server = String(cpus - 1);
  const pinned = spawnSync('taskset', ['-a', '-pc', cpus === 2 ? '0' : `0-${cpus - 2}`, String(process.pid)], { stdio: 'ignore' });
  return pinned.status === 0 ? ['taskset', '-c', server] : [];
}

let serverPrefix;

/** unpin gives this process every CPU back (the memory benchmark runs after, in children that would inherit one). */
function unpin() {
  if (serverPrefix === undefined || serverPrefix.length === 0) return;
  spawnSync('taskset', ['-a', '-pc', `0-${availableParallelism() - 1}`, String(process.pid)], { stdio: 'ignore' });
  serverPrefix = undefined;
}

/** pinning pins (once) and says how, for a table's heading. */
function pinning() {
  serverPrefix ??= pinCpus();
  return serverPrefix.length > 0 ? `servers pinned to CPU ${serverPrefix[2]}, load generator to the others` : 'not pinned';
}

/**
 * serverNode is the node binary the servers run on: BENCH_NODE, a path or a major version (`24`,
 * the image's, fetched with npx as .ci/run does), or this process's.
 */
const serverNode = (() => {
  const wanted = process.env.BENCH_NODE;
  if (wanted === undefined || wanted === '') return process.execPath;
  if (!/^\d+$/.test(wanted)) return wanted;
  const found = spawnSync('npx', ['--yes', '-p', `node@${wanted}`, '-c', 'command -v node'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') throw new Error(`BENCH_NODE=${wanted}: npx could not provide node@${wanted}: ${found.stderr.trim()}`);
  return path;
})();

/** serverNodeVersion is serverNode's version, for the tables' headings. */
export const serverNodeVersion = spawnSync(serverNode, ['--version'], { encoding: 'utf8' }).stdout.trim();

function startServer(kind, policies, shape = 'baselined') {
  pinning();
  return new Promise((resolve, reject) => {
    // Every server, bare included, runs as installed (IMAGE_RUNTIME).
    const [command, ...prefix] = [...serverPrefix, serverNode];
    const child = spawn(command, [...prefix, ...IMAGE_RUNTIME.execArgv, new URL('./webhook-server.mjs', import.meta.url).pathname, kind, String(policies), shape], {
      env: { ...process.env, ...IMAGE_RUNTIME.env, BENCH_CERTS: JSON.stringify(certs) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.once('data', (chunk) => resolve({ child, port: Number(String(chunk).trim()), body: benchReview() }));
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

/**
 * load runs autocannon against one server. Only that server runs meanwhile: the others are
 * stopped (SIGSTOP), as their timers (event-loop-delay sampling, log flushes) would otherwise
 * wake on the measured server's core hundreds of times a second.
 */
async function load(server, options) {
  server.child.kill('SIGCONT');
  try {
    return await loadRunning(server, options);
  } finally {
    server.child.kill('SIGSTOP');
  }
}

function loadRunning(server, options) {
  return autocannon({
    url: `https://127.0.0.1:${server.port}/validate?timeout=10s`,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
    body: server.body,
    connections: CONNECTIONS,
    duration: PACED_SECONDS,
    tlsOptions: { ca: certs.caCert },
    ...options,
  });
}

/**
 * measure loads every server in turn, ROUNDS times over, so each netfence figure has a bare figure
 * taken moments before it: on a shared machine the bare server's throughput alone varies by 2x
 * between minutes, and a ratio of two figures minutes apart says more about the neighbours than
 * about netfence. Reported: the median over rounds of each round's ratio, and the ratio of each
 * server's best round to the bare server's (noise only subtracts, so best rounds are the nearest
 * to capacity).
 */
async function measure(servers) {
  for (const server of servers) server.child.kill('SIGSTOP');
  for (const server of servers) {
    await load(server, { duration: 2 }); // warm up: JIT, caches
    // A steady 2,000 requests/s over as many connections as the API server would keep open to one
    // replica, after 2 s at that rate (so the heap is in its steady state, not a full-load one).
    await load(server, { overallRate: 2000, connections: 4, duration: 2 });
    const cpuBefore = cpuSeconds(server.child.pid);
    const paced = await load(server, { overallRate: 2000, connections: 4 });
    if (paced.errors > 0 || paced.non2xx > 0) throw new Error(`${server.name}: ${paced.non2xx} non-2xx, ${paced.errors} errors at 2,000/s`);
    server.paced = paced;
    server.pacedCpuPerRequest = ((cpuSeconds(server.child.pid) - cpuBefore) / paced.requests.total) * 1e6;
    server.rounds = [];
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of servers) {
      const cpuBefore = cpuSeconds(server.child.pid);
      const max = await load(server, { duration: ROUND_SECONDS });
      const cpu = cpuSeconds(server.child.pid) - cpuBefore;
      if (max.non2xx > 0 || max.errors > 0) throw new Error(`${server.name}: ${max.non2xx} non-2xx, ${max.errors} errors`);
      server.rounds.push({ rps: max.requests.average, p99: max.latency.p99, cpuPerRequest: (cpu / max.requests.total) * 1e6 });
      if (process.env.BENCH_VERBOSE === '1') console.log(`round ${round + 1} ${server.name} ${server.policies}: ${max.requests.total} requests, ${Math.round(max.requests.average)} req/s, ${cpu.toFixed(2)} s CPU`);
    }
  }
}

/** measured measures the servers, prints what `report` makes of them, and stops them whatever happens. */
async function measured(servers, report) {
  try {
    await measure(servers);
    printTable(report(servers));
  } finally {
    for (const server of servers) {
      server.child.kill('SIGCONT'); // a stopped process would not handle SIGTERM
      server.child.kill('SIGTERM');
    }
    unpin();
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const best = (server) => Math.max(...server.rounds.map((round) => round.rps));

/** runWebhookBenchmarks prints throughput ratio and latency, netfence against the bare server. */
export async function runWebhookBenchmarks() {
  const counts = (process.env.BENCH_POLICIES ?? '10,100,1000,10000').split(',').map(Number);
  const searchCounts = (process.env.BENCH_SEARCH_POLICIES ?? '10,1000').split(',').filter(Boolean).map(Number);
  console.log(`\n## Webhook: /validate over HTTPS keep-alive (${CONNECTIONS} connections), netfence vs bare fastify, servers on node ${serverNodeVersion}, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s, ${pinning()}\n`);
  const servers = [{ name: 'bare fastify', policies: '-', ...(await startServer('bare', 0)) }];
  // The same app with the namespace in mode off: what parsing, decoding, metrics and the response cost without the rules.
  if (process.env.BENCH_PLUMBING !== '0') servers.push({ name: 'netfence, mode off', policies: counts[0], ...(await startServer('netfence-off', counts[0])) });
  for (const policies of counts) servers.push({ name: 'netfence', policies, ...(await startServer('netfence', policies)) });
  // The namespace without a default-deny that carries DNS: the essential-access rule searches.
  for (const policies of searchCounts) servers.push({ name: 'netfence, DNS per app', policies, ...(await startServer('netfence', policies, 'dns-per-app')) });
  await measured(servers, () => {
    const [bare] = servers;
    return servers.map((server) => {
      const ratios = server.rounds.map((round, i) => round.rps / bare.rounds[i].rps);
      return {
        server: server.name,
        policies: server.policies,
        'req/s (median)': Math.round(median(server.rounds.map((round) => round.rps))),
        'ratio (median, range)': server === bare ? '100%' : `${(median(ratios) * 100).toFixed(0)}% (${(Math.min(...ratios) * 100).toFixed(0)}-${(Math.max(...ratios) * 100).toFixed(0)}%)`,
        // Neighbours only ever take CPU away: each server's best round is the nearest to its capacity.
        'best/best': server === bare ? '100%' : `${((best(server) / best(bare)) * 100).toFixed(0)}%`,
        'p99 @max': `${median(server.rounds.map((round) => round.p99))} ms`,
        'p50/p99 @2000/s': `${server.paced.latency.p50}/${server.paced.latency.p99} ms`,
        'CPU/req': `${median(server.rounds.map((round) => round.cpuPerRequest)).toFixed(0)} µs`,
        // At a rate both servers keep up with, each pays the same for waking the load generator.
        'CPU/req @2000/s': `${server.pacedCpuPerRequest.toFixed(0)} µs`,
        RSS: `${rssMiB(server.child.pid)} MiB`,
      };
    });
  });
}

/**
 * runCostLadder (`npm run bench -- cost`) attributes netfence's cost per request over bare
 * fastify: bare, then bare with netfence's pieces added one at a time (the decision log line,
 * metrics, parseAdmissionReview), then netfence in mode off and with every rule. Each row's CPU
 * per request is read against the row above it; "best" is the cheapest round (neighbours only add).
 * A last row calibrates: bare with 5 µs of busy waiting per request, read against bare. On a VM
 * whose load generator shares the host, a server's CPU per request grows by more than the work it
 * adds (a slower server leaves the load generator idle, and waking it costs the server's write
 * more), so this row says what a µs of handler work costs here, and what a throughput ratio means.
 */
export async function runCostLadder() {
  console.log(`\n## Cost ladder: CPU per request at full load, servers on node ${serverNodeVersion}, ${ROUNDS} interleaved rounds of ${ROUND_SECONDS}s, ${pinning()}\n`);
  const kinds = [
    ['bare fastify', 'bare'],
    ['+ decision log line', 'bare+log'],
    ['+ metrics', 'bare+log+metrics'],
    ['+ parseAdmissionReview', 'bare+log+metrics+parse'],
    ['netfence, mode off', 'netfence-off'],
    ['netfence, every rule', 'netfence'],
    ['calibration: bare + 5 µs busy wait (vs bare)', 'bare+spin5'],
  ];
  const servers = [];
  for (const [name, kind] of kinds) servers.push({ name, policies: 10, ...(await startServer(kind, 10)) });
  const cpu = (server) => server.rounds.map((round) => round.cpuPerRequest);
  const rps = (server) => server.rounds.map((round) => round.rps);
  await measured(servers, () => {
    const [bare] = servers;
    return servers.map((server, i) => {
      const against = server.name.startsWith('calibration') ? bare : servers[i - 1];
      const added = against === undefined ? '' : `${(Math.min(...cpu(server)) - Math.min(...cpu(against))).toFixed(0)} µs`;
      const ratios = rps(server).map((value, round) => value / rps(bare)[round]);
      return {
        server: server.name,
        'CPU/req (median)': `${median(cpu(server)).toFixed(0)} µs`,
        'CPU/req (best)': `${Math.min(...cpu(server)).toFixed(0)} µs`,
        'added (best)': added,
        'req/s (median)': Math.round(median(rps(server))),
        'ratio to bare (median)': `${(median(ratios) * 100).toFixed(0)}%`,
      };
    });
  });
}
