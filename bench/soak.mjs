// Soak (issue 6): netfence under a steady load for SOAK_SECONDS (default 300), loopback only, its
// RSS sampled every 10 s. Each request is a different policy (names and labels vary), so caches
// keyed by content are exercised, not just hit. Reports RSS at the start, the end and the peak,
// and the growth per minute over the second half (after warm-up), which should be noise.
//   npm run build && node bench/soak.mjs        (SOAK_SECONDS=60 for a short one)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:https';
import { generateCertificates } from '../dist/certs/generate-certificates.js';
import { IMAGE_RUNTIME } from './measure.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const RATE = Number(process.env.SOAK_RATE ?? 1000); // requests per second
const certs = generateCertificates({ dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 1 });
const template = JSON.parse(readFileSync(new URL('../test/fixtures/admission/009-validate-create-networkpolicies-web-egress-db.json', import.meta.url), 'utf8'));

function rssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(line.split(/\s+/)[1]) / 1024;
}

function review(i) {
  const body = structuredClone(template);
  body.request.uid = `soak-${i}`;
  body.request.namespace = 'bench';
  body.request.dryRun = i % 10 !== 0; // one in ten is admitted for real: the state changes as it would
  body.request.name = `soak-${i % 5000}`;
  body.request.object.metadata = { name: `soak-${i % 5000}`, namespace: 'bench' };
  body.request.object.spec.podSelector = { matchLabels: { app: `app-${i % 997}` } };
  return JSON.stringify(body);
}

// The server runs as installed (IMAGE_RUNTIME).
const child = spawn(process.execPath, [...IMAGE_RUNTIME.execArgv, new URL('./webhook-server.mjs', import.meta.url).pathname, 'netfence', '100'], {
  env: { ...process.env, ...IMAGE_RUNTIME.env, BENCH_CERTS: JSON.stringify(certs) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve) => child.stdout.once('data', (chunk) => resolve(Number(String(chunk).trim()))));
const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: certs.caCert });
let sent = 0;
let failed = 0;
const post = (body) =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/validate?timeout=10s', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (response) => {
      if (response.statusCode !== 200) failed++;
      response.resume();
      response.on('end', resolve);
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end(body);
  });

const samples = [];
const started = Date.now();
const sampler = setInterval(() => samples.push({ t: (Date.now() - started) / 1000, rss: rssMiB(child.pid) }), 10_000);
samples.push({ t: 0, rss: rssMiB(child.pid) });
while (Date.now() - started < SECONDS * 1000) {
  const tick = Date.now();
  await Promise.all(Array.from({ length: RATE / 10 }, () => post(review(sent++))));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))));
}
clearInterval(sampler);
samples.push({ t: (Date.now() - started) / 1000, rss: rssMiB(child.pid) });
child.kill('SIGTERM');
agent.destroy();

const second = samples.filter((sample) => sample.t >= SECONDS / 2);
const slope = (() => {
  const n = second.length;
  const meanT = second.reduce((sum, s) => sum + s.t, 0) / n;
  const meanR = second.reduce((sum, s) => sum + s.rss, 0) / n;
  const cov = second.reduce((sum, s) => sum + (s.t - meanT) * (s.rss - meanR), 0);
  const varT = second.reduce((sum, s) => sum + (s.t - meanT) ** 2, 0);
  return varT === 0 ? 0 : (cov / varT) * 60;
})();
console.log(`# Soak: ${SECONDS} s at ${RATE} req/s, ${sent.toLocaleString('en')} requests, ${failed} failed`);
console.log(`RSS (MiB): start ${samples[0].rss.toFixed(0)}, end ${samples.at(-1).rss.toFixed(0)}, peak ${Math.max(...samples.map((s) => s.rss)).toFixed(0)}; second half: ${slope >= 0 ? '+' : ''}${slope.toFixed(2)} MiB/min`);
console.log(`samples: ${samples.map((s) => `${s.t.toFixed(0)}s=${s.rss.toFixed(0)}`).join(' ')}`);
process.exit(failed === 0 ? 0 : 1);
