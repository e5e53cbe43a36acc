import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import type { ClusterState } from '../../src/model/cluster-state.js';
import { parseIp } from '../../src/model/ip.js';
import type { Pod } from '../../src/model/pod.js';
import { decodeNetworkPolicy } from '../../src/k8s/network-policy.js';
import { renderReportPage } from '../../src/report/render-page.js';
import { buildReportModel } from '../../src/report/report-model.js';
import { loadState } from '../../src/state/load-state.js';
import { MemoryState } from '../../src/state/memory-state.js';

/**
 * The report page in a real browser: Debian's chromium, headless, loads the file from file:// (no
 * server: the page must need nothing else), and the test reads the DOM as a person would use it,
 * with the mouse and with the keyboard. Screenshots go to a temporary folder; with
 * UPDATE_DOCS_SCREENSHOT=1 the example cluster's becomes docs/report.png.
 *
 * `npm test` installs chromium first when it is absent and the tests run as root
 * (scripts/ensure-chromium.mjs); CI installs it in .ci/run.
 */

const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..', '..');
const SHOTS = mkdtempSync(join(tmpdir(), 'netfence-report-page-'));
// The flags this machine's Chromium needs as root, with nothing reaching for the network.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (Debian's package; .ci/run and npm test's pretest install it when run as root)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
});

/** openReport writes the page of a state to a file and opens it, failing on any script error or request for anything but the file. */
async function openReport(state: ClusterState, source: string): Promise<{ page: Page; problems: string[] }> {
  const model = buildReportModel({ state, config: defaultConfig(), source, generatedAt: '2026-01-01T00:00:00.000Z' });
  const file = join(mkdtempSync(join(tmpdir(), 'netfence-report-html-')), 'report.html');
  writeFileSync(file, renderReportPage(model));
  const url = pathToFileURL(file).href;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('request', (request) => {
    if (request.url() !== url) problems.push(`request: ${request.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  return { page, problems };
}

async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SHOTS, name);
  await page.screenshot({ path, fullPage: true });
  const bytes = readFileSync(path);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return path;
}

describe('the report page of examples/cluster in chromium', () => {
  let page: Page;
  let problems: string[];
  beforeAll(async () => {
    ({ page, problems } = await openReport((await loadState(join(ROOT, 'examples', 'cluster'))).state, 'examples/cluster'));
  });

  it('draws one focusable, labelled cell per namespace pair, with a title and a legend', async () => {
    expect(await page.title()).toBe('netfence report: examples/cluster');
    const cells = page.locator('#heatmap td[role=gridcell]');
    expect(await cells.count()).toBe(5 * 5);
    const labels = await cells.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('aria-label') ?? ''));
    expect(labels.every((label) => / → /.test(label))).toBe(true);
    expect(labels).toContain('ingress-nginx → team-a: 33% of pod pairs reachable (1 of 3)');
    // One tab stop in the grid (roving tabindex).
    expect(await page.locator('#heatmap td[tabindex="0"]').count()).toBe(1);
    expect(await page.locator('#legend li').count()).toBeGreaterThanOrEqual(7);
    // CoreDNS's namespace is marked as serving cluster DNS, team-b's cut off from it.
    expect(await page.locator('#heatmap thead th.host').innerText()).toBe('kube-system');
    const flagged = page.locator('#heatmap td.flagged');
    expect(await flagged.count()).toBe(1);
    expect(await flagged.getAttribute('aria-label')).toBe('team-b → kube-system: 50% of pod pairs reachable (2 of 4); 1 pod of team-b cannot reach cluster-dns');
    expect(await page.locator('#findings li').count()).toBe(7);
  });

  it('opens a namespace pair from the keyboard: arrows, then Enter', async () => {
    await page.locator('#heatmap td[tabindex="0"]').focus();
    for (const key of ['ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowDown', 'ArrowRight']) await page.keyboard.press(key);
    expect(await page.locator(':focus').getAttribute('aria-label')).toMatch(/^team-b → kube-system/);
    await page.keyboard.press('Enter');
    expect(await page.locator('#pair h2').innerText()).toBe('team-b → kube-system');
    expect(await page.locator('#workloads td[role=gridcell]').count()).toBe(2); // db-0 and reports, against CoreDNS's two pods
    expect(await page.locator('#pair .warning').innerText()).toBe('⚠ 1 pod of team-b cannot reach cluster-dns');
    await page.locator('#workloads td[aria-label^="team-b/reports"]').click();
    const explanation = await page.locator('#explanation').innerText();
    expect(explanation).toContain('Denied: no port');
    expect(explanation).toContain('isolated by team-b/reports-egress');
    expect(explanation).toContain('No egress rule of theirs admits kube-system/coredns-5d78c9869d-4xk2p and 1 alike: nothing is allowed.');
    await screenshot(page, 'team-b-to-dns.png');
  });

  it("explains a workload cell after a click: ingress-nginx's controller reaches team-a's web on 8080/TCP", async () => {
    await page.locator('#heatmap td[data-from="0"][data-to="3"]').click();
    expect(await page.locator('#pair h2').innerText()).toBe('ingress-nginx → team-a');
    const workloadCells = page.locator('#workloads td[role=gridcell]');
    expect(await workloadCells.count()).toBe(3);
    const web = page.locator('#workloads td[aria-label*="team-a/web-6f7d9c8b5-2kq9x"]');
    expect(await web.innerText()).toBe('8080/TCP');
    await web.click();
    const explanation = await page.locator('#explanation').innerText();
    expect(explanation).toContain('Allowed on 8080/TCP');
    expect(explanation).toContain('Egress of ingress-nginx/ingress-nginx-controller-7c6974c4d8-m2vqz: not isolated');
    expect(explanation).toContain('isolated by team-a/allow-prometheus-scrape, team-a/default-deny, team-a/web-from-ingress');
    expect(explanation).toContain('team-a/web-from-ingress ingress[0] (from pods app.kubernetes.io/name=ingress-nginx in namespaces kubernetes.io/metadata.name=ingress-nginx on http/TCP) allows 8080/TCP');
    expect(await page.locator('#findings h3').allInnerTexts()).toEqual(['ingress-nginx — not adopted, mode enforce', 'team-a — adopted (profile default), mode enforce']);
    const shot = await screenshot(page, 'report.png');
    if (process.env['UPDATE_DOCS_SCREENSHOT'] === '1') {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      writeFileSync(join(ROOT, 'docs', 'report.png'), readFileSync(shot));
    }
    expect(problems).toEqual([]);
  });
});

/** tenants is a state of `namespaces` namespaces of `pods` pods (ten apps, replicas alike) with default-deny, DNS and app-to-app policies. */
function tenants(namespaces: number, podsEach: number): MemoryState {
  const apps = ['web', 'api', 'db', 'cache', 'worker', 'queue', 'auth', 'search', 'report', 'mail'];
  const pods: Pod[] = [];
  const policies = [];
  const namespaceList = [];
  for (let n = 0; n < namespaces; n++) {
    const namespace = `tenant-${String(n).padStart(2, '0')}`;
    namespaceList.push({ name: namespace, labels: new Map([['kubernetes.io/metadata.name', namespace], ['tier', n % 3 === 0 ? 'gold' : 'silver']]) });
    for (let p = 0; p < podsEach; p++) {
      const app = apps[p % apps.length] ?? 'web';
      const ip = parseIp(`10.1.${n}.${p + 1}`);
      pods.push({ namespace, name: `${app}-${p}`, labels: new Map([['app', app]]), ips: ip === undefined ? [] : [ip], containerPorts: [{ name: 'http', port: 8080, protocol: 'TCP' }], workload: { kind: 'Deployment', name: app, template: false } });
    }
    const policy = (name: string, spec: Record<string, unknown>) => decodeNetworkPolicy({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });
    policies.push(
      policy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
      policy('web-to-api', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 'http' }] }] }),
      policy('api-from-web', { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }, { namespaceSelector: { matchLabels: { tier: 'gold' } } }], ports: [{ port: 8080 }] }] }),
      policy('gold-out', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { tier: 'gold' } } }] }] }),
    );
  }
  return new MemoryState({ namespaces: namespaceList, pods, services: [], policies });
}

describe('the report page of 50 namespaces and 2,000 pods in chromium', () => {
  it('draws 2,500 namespace cells, a pair of namespaces as its ten workloads, and a cell explained', async () => {
    const { page, problems } = await openReport(tenants(50, 40), '50 tenants');
    expect(await page.locator('#heatmap td[role=gridcell]').count()).toBe(50 * 50);
    await page.locator('#heatmap td[data-from="3"][data-to="6"]').click();
    expect(await page.locator('#workloads td[role=gridcell]').count()).toBe(10 * 10);
    // tenant-03's web pods reach tenant-06 (gold) everywhere: gold-out allows every port, default-deny isolates the other side.
    await page.locator('#workloads td[aria-label^="tenant-03/Deployment/web"][aria-label*="tenant-06/Deployment/api"]').click();
    const explanation = await page.locator('#explanation').innerText();
    expect(explanation).toContain('Allowed on 8080/TCP');
    expect(explanation).toContain('tenant-06/api-from-web ingress[0]');
    await screenshot(page, 'tenants.png');
    expect(problems).toEqual([]);
    await page.close();
  });
});
