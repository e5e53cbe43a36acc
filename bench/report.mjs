// Report benchmark (issue 15): `netfence report --html` of a state of 2,000 pods in 200 namespaces
// with 1,000 policies (synthetic-cluster.mjs: 10 pods and 5 policies a namespace): the data model
// (every class pair's exact ports, the heatmap's counts, the explanations' lookups, the audit) and
// the HTML page, against the per-pair evaluation it replaces, measured in the same run:
// evaluateConnection for every pod pair on every port a policy names. That baseline takes minutes on
// the whole state, so it runs on every SAMPLE_EVERY-th source pod (against every destination) and is
// scaled up; on those sources the page's own answers (its model script, run here) must agree with it
// on every pair and port, or the run fails. Where Debian's chromium is installed, it also times the
// page drawing itself from file://.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../dist/config/defaults.js';
import { evaluateConnection } from '../dist/engine/connection.js';
import { PAGE_MODEL_SCRIPT } from '../dist/report/page-model-script.js';
import { renderReportPage } from '../dist/report/render-page.js';
import { buildReportModel, reportPodClasses } from '../dist/report/report-model.js';
import { MemoryState } from '../dist/state/memory-state.js';
import { formatMs, measure, printTable } from './measure.mjs';
import { syntheticCluster } from './synthetic-cluster.mjs';

const NAMESPACES = 200;
const PODS_PER_NAMESPACE = 10;
const POLICIES_PER_NAMESPACE = 5;
const SAMPLE_EVERY = 40;
const CHROMIUM = '/usr/bin/chromium';

function stateOf({ namespaces, pods, policies }) {
  return new MemoryState({ namespaces: [...namespaces].map(([name, labels]) => ({ name, labels })), pods, services: [], policies });
}

/** policyPorts lists every port a policy names: numbers, endPort ranges, named ports resolved on the pods. */
function policyPorts(state) {
  const ports = new Map();
  const add = (port, protocol) => ports.set(`${port}/${protocol}`, { port, protocol });
  for (const policy of state.policies()) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const entry of rule.ports ?? []) {
        const { range, protocol } = entry;
        if (range.kind === 'numbers') for (let port = range.from; port <= range.to; port++) add(port, protocol);
        else if (range.kind === 'named') for (const pod of state.pods()) for (const container of pod.containerPorts) if (container.name === range.name && container.protocol === protocol) add(container.port, protocol);
      }
    }
  }
  return [...ports.values()];
}

/** portSetHas reads a port set as the page prints it (`8080-8090/TCP, 53/UDP`, `every TCP port`, `every port`, `no port`). */
function portSetHas(text, { port, protocol }) {
  if (text === 'every port') return true;
  return text.split(', ').some((item) => {
    if (item === `every ${protocol} port`) return true;
    const match = /^(\d+)(?:-(\d+))?\/(\w+)$/.exec(item);
    return match !== null && match[3] === protocol && port >= Number(match[1]) && port <= Number(match[2] ?? match[1]);
  });
}

/** naiveSample evaluates every sampled source against every destination on every port: pairs with some allowed port, and each verdict. */
function naiveSample(state, pods, ports) {
  const verdicts = [];
  let reachable = 0;
  for (let i = 0; i < pods.length; i += SAMPLE_EVERY) {
    const from = { kind: 'pod', pod: pods[i] };
    for (const pod of pods) {
      if (pod === from.pod) continue; // a pod may always reach itself
      const to = { kind: 'pod', pod };
      let any = false;
      for (const port of ports) {
        const allowed = evaluateConnection(state, from, to, port).allowed;
        verdicts.push(allowed);
        any ||= allowed;
      }
      if (any) reachable++;
    }
  }
  return { verdicts, reachable };
}

/** pageSample is the page's answer on the same pairs and ports, from its own model script. */
function pageSample(model, classOf, pods, ports) {
  const queries = new Function('model', `${PAGE_MODEL_SCRIPT}\nreturn reportQueries(model);`)(model);
  const verdicts = [];
  let reachable = 0;
  for (let i = 0; i < pods.length; i += SAMPLE_EVERY) {
    for (const pod of pods) {
      if (pod === pods[i]) continue;
      const text = model.portSets[queries.portsIndex(classOf.get(pods[i]), classOf.get(pod))];
      if (text !== 'no port') reachable++;
      for (const port of ports) verdicts.push(text !== 'no port' && portSetHas(text, port));
    }
  }
  return { verdicts, reachable };
}

async function browserDrawMs(page) {
  if (!existsSync(CHROMIUM)) return 'chromium absent';
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'netfence-bench-report-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, page);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const start = performance.now();
    await tab.goto(`file://${file}`);
    await tab.waitForSelector('body[data-ready=true]', { timeout: 120_000 });
    const load = performance.now() - start;
    const clickStart = performance.now();
    await tab.click('#heatmap td[data-from="0"][data-to="3"]');
    await tab.click('#workloads td[data-from="4"][data-to="33"]');
    await tab.waitForSelector('#explanation .verdict');
    return `${formatMs(load)} to draw, ${formatMs(performance.now() - clickStart)} for two clicks`;
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** runReportBenchmarks prints the table. */
export async function runReportBenchmarks() {
  const cluster = syntheticCluster({ namespaces: NAMESPACES, podsPerNamespace: PODS_PER_NAMESPACE, policiesPerNamespace: POLICIES_PER_NAMESPACE });
  const state = stateOf(cluster);
  const pods = state.pods();
  const config = defaultConfig();
  console.log(`\n## netfence report --html (${pods.length} pods, ${NAMESPACES} namespaces, ${state.policies().length} policies) vs evaluateConnection per pair and port\n`);

  let model;
  let page;
  const modelMs = measure(() => {
    model = buildReportModel({ state, config, source: 'bench', generatedAt: '' });
  }, { rounds: 3, seconds: 1 });
  const pageMs = measure(() => {
    page = renderReportPage(model);
  }, { rounds: 3, seconds: 1 });

  const ports = policyPorts(state);
  const start = process.hrtime.bigint();
  const naive = naiveSample(state, pods, ports);
  const sampleMs = Number(process.hrtime.bigint() - start) / 1e6;
  const naiveMs = sampleMs * SAMPLE_EVERY;

  const classOf = new Map();
  reportPodClasses(state).forEach((podClass, index) => podClass.pods.forEach((pod) => classOf.set(pod, index)));
  const shown = pageSample(JSON.parse(JSON.stringify(model)), classOf, pods, ports);
  const disagreements = naive.verdicts.filter((allowed, k) => allowed !== shown.verdicts[k]).length;
  if (disagreements > 0 || naive.reachable !== shown.reachable) throw new Error(`the report disagrees with evaluateConnection on the sample: ${disagreements} verdicts, reachable pairs ${shown.reachable} vs ${naive.reachable}`);

  const reportMs = modelMs + pageMs;
  printTable([
    {
      pods: pods.length,
      policies: state.policies().length,
      'class pairs': (model.classes.length ** 2).toLocaleString('en'),
      'page size': `${(Buffer.byteLength(page) / 1024 / 1024).toFixed(1)} MiB`,
      'model + page': `${formatMs(reportMs)} (${formatMs(modelMs)} + ${formatMs(pageMs)})`,
      [`per pair x ${ports.length} ports`]: `${formatMs(naiveMs)} (1/${SAMPLE_EVERY} of sources: ${formatMs(sampleMs)}, ${naive.verdicts.length.toLocaleString('en')} verdicts agree)`,
      speedup: `${(naiveMs / reportMs).toFixed(0)}x`,
    },
  ]);
  console.log(`\nchromium, the page from file://: ${await browserDrawMs(page)}`);
}
