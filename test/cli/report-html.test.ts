import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonForScript } from '../../src/report/render-page.js';
import type { ReportModel } from '../../src/report/report-model.js';
import { run } from '../support/cli.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { clusterDns, namespace, networkPolicy } from '../support/kube-objects.js';

/** `netfence report --html`: the command around the report model and page (test/report has the model and the browser). */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');

/** embeddedModel reads the JSON a page carries. */
function embeddedModel(page: string): ReportModel {
  const match = /<script type="application\/json" id="netfence-report-data">(.*?)<\/script>/s.exec(page);
  if (match?.[1] === undefined) throw new Error('the page carries no report data');
  return JSON.parse(match[1]) as ReportModel;
}

describe('netfence report --state', () => {
  it('writes one self-contained page and says what it holds', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netfence-report-')), 'report.html');
    const result = await run('report', '--state', EXAMPLE, '--html', out);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^wrote .*report\.html \(\d+ KiB\): 5 namespaces, 9 pods in 8 workloads, 7 policies, 7 audit findings$/);
    const page = readFileSync(out, 'utf8');
    expect(page.startsWith('<!doctype html>')).toBe(true);
    // Nothing to load: no external script, stylesheet, font, image or frame.
    expect(page).not.toMatch(/<(link|img|iframe)\b|\bsrc=|@import|url\(|https?:\/\//);
    expect(page).toContain('<title>netfence report: ');
    const model = embeddedModel(page);
    expect(model.format).toBe('netfence-report/v1');
    expect(model.namespaces.map((ns) => ns.name)).toEqual(['ingress-nginx', 'kube-system', 'monitoring', 'team-a', 'team-b']);
  });

  it('writes the page to standard output with --html -', async () => {
    const { code, out, err } = await run('report', '--state', EXAMPLE, '--html', '-');
    expect(code).toBe(0);
    expect(embeddedModel(out).counts).toMatchObject({ namespaces: 5, pods: 9 });
    expect(err).toBe('netfence report: 5 namespaces, 9 pods in 8 workloads, 7 policies, 7 audit findings');
  });

  it('cannot end its script element early, and escapes the source it names', async () => {
    expect(jsonForScript({ note: 'x</script><script>alert(1)</script>' })).toBe('{"note":"x\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"}');
    const dir = join(mkdtempSync(join(tmpdir(), 'netfence-report-')), 'a<b>&c');
    mkdirSync(dir);
    writeFileSync(join(dir, 'pods.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c, image: i}]}\n');
    const { code, out } = await run('report', '--state', dir, '--html', '-');
    expect(code).toBe(0);
    expect(out).toContain('a&#60;b&#62;&#38;c</title>');
    expect(out).not.toContain('a<b>');
    expect(embeddedModel(out).source).toBe(dir);
  });

  it('refuses a bad command line in one line, exit 2', async () => {
    const missing = await run('report', '--state', EXAMPLE);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('--html OUT is required');
    expect((await run('report', '--state', EXAMPLE, '--kubeconfig', 'k', '--html', '-')).code).toBe(2);
    const unwritable = await run('report', '--state', EXAMPLE, '--html', join(tmpdir(), 'no-such-dir', 'deeper', 'r.html'));
    expect(unwritable.code).toBe(2);
    expect(unwritable.err).toMatch(/^netfence report: cannot write --html .*r\.html: ENOENT/);
    const badState = await run('report', '--state', join(tmpdir(), 'no-such-state'), '--html', '-');
    expect(badState.code).toBe(2);
  });
});

describe('netfence report (live)', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("reads every namespace's pods from the cluster, not only where essential services run", async () => {
    const fake = new FakeApiServer();
    server = fake;
    const kubeConfig = await fake.start();
    for (const object of clusterDns()) fake.put(object);
    fake.put(namespace('shop', { 'netfence.io/baseline': 'default' }));
    fake.put(networkPolicy('shop', 'deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }));
    const pod = (name: string, app: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', labels: { app, 'pod-template-hash': '5c9f' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-5c9f`, uid: 'u1', controller: true }] },
      spec: { containers: [{ name: app, image: 'nginx' }] },
      status: { phase: 'Running', podIP: `10.244.1.${name.length}` },
    });
    fake.put(pod('web-5c9f-a', 'web'));
    fake.put(pod('web-5c9f-bb', 'web'));
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'netfence-report-')), 'kubeconfig');
    writeFileSync(kubeconfig, kubeConfig.exportConfig());

    const { code, out, err } = await run('report', '--kubeconfig', kubeconfig, '--html', '-');
    expect(err).toContain('netfence report: 2 namespaces, 3 pods');
    expect(code).toBe(0);
    const model = embeddedModel(out);
    expect(model.source).toMatch(/^https:\/\/127\.0\.0\.1:\d+/);
    // The ReplicaSet's pods are grouped under their Deployment, named from pod-template-hash.
    const web = model.workloads.find((workload) => workload.name === 'web');
    expect(web).toMatchObject({ kind: 'Deployment', pods: 2 });
    const shop = model.namespaces.find((ns) => ns.name === 'shop');
    expect(shop?.cut).toEqual([{ service: 0, pods: 2 }]); // deny-all: no DNS
  });
});
