import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run } from '../support/cli.js';

/** `netfence simulate` on the bundled example cluster, as a user runs it. */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');
const REPORTS = 'team-b/reports-7f9b6d5c4-h5x2n';
const WEB = 'team-a/web-6f7d9c8b5-2kq9x';
const API = 'team-a/api-5b8c7d6f4-7tj2m';
const COREDNS = 'kube-system/coredns-5d78c9869d-4xk2p';
const GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'gitops');

describe('netfence simulate', () => {
  it('explains a denied connection and exits 1', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--to', COREDNS, '--port', '53/UDP');
    expect(code).toBe(1);
    expect(out).toContain(`DENIED: ${REPORTS} -> ${COREDNS} on 53/UDP`);
    expect(out).toContain('isolated by team-b/reports-egress; no egress rule of theirs allows');
  });

  it('explains an allowed connection with the rules that allow it and exits 0', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', API, '--port', '8080');
    expect(code).toBe(0);
    expect(out).toContain('allowed by team-a/web-from-ingress egress[0]');
    expect(out).toContain('allowed by team-a/api-from-web ingress[0]');
  });

  it('prints the documented JSON for one connection', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', COREDNS, '--port', '53/udp', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      allowed: true,
      egress: { allowed: true, isolated: true, policies: ['team-a/default-deny'] },
      ingress: { allowed: true, isolated: false, policies: [] },
    });
  });

  it('treats an IP as a host outside the cluster', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', '203.0.113.7', '--to', WEB, '--port', '8080', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toEqual({
      allowed: false,
      egress: { allowed: true, isolated: false, policies: [] },
      ingress: { allowed: false, isolated: true, policies: [] },
    });
  });

  it('prints a truth table row when only --from is given', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--port', '53/UDP', '--json');
    expect(code).toBe(0);
    const table: { port: string; allowed: Record<string, Record<string, boolean>> } = JSON.parse(out);
    expect(table.port).toBe('53/UDP');
    expect(Object.keys(table.allowed)).toEqual([REPORTS]);
    expect(Object.values(table.allowed[REPORTS] ?? {})).not.toContain(true);
    expect(Object.keys(table.allowed[REPORTS] ?? {})).toHaveLength(9);
  });

  it('prints a readable grid for the whole state', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--port', '53/UDP');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^from \\ to\s+1 2 3 4 5 6 7 8 9$/);
    expect(lines.find((line) => line.includes(REPORTS))).toMatch(/X X X X X X X X X$/);
    expect(out).toContain('53/UDP: 31 of 81 connections allowed');
  });

  it.each([
    [['simulate', '--state', EXAMPLE, '--port', '53/ICMP'], /--port "53\/ICMP": protocol must be TCP, UDP or SCTP/],
    [['simulate', '--state', EXAMPLE, '--port', '70000'], /PORT 1-65535/],
    [['simulate', '--state', EXAMPLE], /--port PORT\[\/PROTO\] is required/],
    [['simulate', '--port', '53'], /--state PATH is required/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--from', 'team-a/nope'], /--from "team-a\/nope": no such pod in the state \(pods in team-a: api-/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--to', 'nonsense'], /expected NAMESPACE\/POD, NAMESPACE\/KIND\/NAME \(a workload: .*\) or an IP address/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--bogus'], /Unknown option '--bogus'/],
    [['simulate', '--state', '/no/such/dir', '--port', '53'], /\/no\/such\/dir: no such file or directory/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses bad input with one clear line and exit 2 (%#)', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  describe('on a repository of workloads (examples/gitops)', () => {
    it('resolves a named port through the target Deployment\'s pod template, and says what a template stands for', async () => {
      const { code, out } = await run('simulate', '--state', GITOPS, '--from', 'shop/Deployment/web', '--to', 'shop/Deployment/api', '--port', '8081');
      expect(code).toBe(0);
      expect(out.split('\n')).toEqual([
        'ALLOWED: shop/Deployment/web -> shop/Deployment/api on 8081/TCP',
        '  egress  of shop/Deployment/web: allowed by shop/web-to-api egress[0] (isolated by shop/default-deny, shop/web-to-api)',
        '  ingress of shop/Deployment/api: allowed by shop/api-from-web ingress[0] (isolated by shop/api-from-web, shop/default-deny)',
        '  note: shop/Deployment/web is the pod template of Deployment web: it stands for every pod the Deployment makes (no address, so no ipBlock peer matches it)',
        '  note: shop/Deployment/api is the pod template of Deployment api: it stands for every pod the Deployment makes (no address, so no ipBlock peer matches it)',
      ]);
    });

    it('denies the port the name does not resolve to', async () => {
      const { code, out } = await run('simulate', '--state', GITOPS, '--from', 'shop/Deployment/web', '--to', 'shop/Deployment/api', '--port', '8080', '--json');
      expect(code).toBe(1);
      expect(JSON.parse(out)).toEqual({
        allowed: false,
        egress: { allowed: false, isolated: true, policies: [] },
        ingress: { allowed: false, isolated: true, policies: [] },
      });
    });

    it.each([
      ['shop/cronjob/nightly-report', 'shop/sts/db', '5432', 0],
      ['shop/Deployments/api', 'shop/sts/db', '5432', 0],
      ['shop/Deployment/web', 'shop/StatefulSet/db', '5432', 1],
      ['shop/Deployment/web', 'kube-system/Deployment/coredns', '53/UDP', 0],
      ['shop/CronJob/nightly-report', 'kube-system/Deployment/coredns', '53/TCP', 0],
    ])('%s -> %s on %s exits %i (kubectl kind names accepted)', async (from, to, port, expected) => {
      const { code } = await run('simulate', '--state', GITOPS, '--from', from, '--to', to, '--port', port);
      expect(code).toBe(expected);
    });

    it('prints the truth table over the templates, keyed ns/Kind/name, with a legend', async () => {
      const json = await run('simulate', '--state', GITOPS, '--port', '5432', '--json');
      const table: { allowed: Record<string, Record<string, boolean>> } = JSON.parse(json.out);
      expect(Object.keys(table.allowed)).toEqual(['kube-system/Deployment/coredns', 'shop/CronJob/nightly-report', 'shop/Deployment/api', 'shop/Deployment/web', 'shop/StatefulSet/db']);
      const toDb = Object.fromEntries(Object.entries(table.allowed).map(([from, row]) => [from, row['shop/StatefulSet/db']]));
      expect(toDb).toEqual({
        'kube-system/Deployment/coredns': false,
        'shop/CronJob/nightly-report': true,
        'shop/Deployment/api': true,
        'shop/Deployment/web': false,
        'shop/StatefulSet/db': false,
      });
      const text = await run('simulate', '--state', GITOPS, '--port', '5432');
      expect(text.out).toContain('2 shop/CronJob/nightly-report');
      expect(text.out.split('\n').at(-1)).toBe("ns/Kind/name is a workload's pod template, standing for every pod it makes (no address, so no ipBlock peer matches it).");
    });

    it('matches no ipBlock peer to a template: it has no address', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'netfence-cli-'));
      writeFileSync(
        join(dir, 'state.yaml'),
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template: {metadata: {labels: {app: api}}, spec: {containers: [{name: api}]}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-from-pod-network, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
`,
      );
      const { code, out } = await run('simulate', '--state', dir, '--from', 'shop/Deployment/api', '--to', 'shop/Deployment/api', '--port', '80');
      expect(code).toBe(1);
      expect(out).toContain('ingress of shop/Deployment/api: DENIED (isolated by shop/api-from-pod-network; no ingress rule of theirs allows from shop/Deployment/api on 80/TCP)');
      expect(out).toContain('no address, so no ipBlock peer matches it');
    });

    it.each([
      [['--from', 'shop/Deployment/nope'], /--from "shop\/Deployment\/nope": no such workload in the state \(workloads in shop: CronJob\/nightly-report, Deployment\/api, Deployment\/web, StatefulSet\/db\)/],
      [['--to', 'shop/Service/web'], /--to "shop\/Service\/web": "Service" is not a workload kind; expected NAMESPACE\/POD, NAMESPACE\/KIND\/NAME/],
      [['--to', 'shop/Deployment/web/x'], /expected NAMESPACE\/POD, NAMESPACE\/KIND\/NAME \(a workload: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController\) or an IP address/],
    ])('refuses an unknown workload with what the state holds (%#)', async (flags, message) => {
      const { code, err } = await run('simulate', '--state', GITOPS, '--port', '80', ...flags);
      expect(code).toBe(2);
      expect(err.split('\n')[0]).toMatch(message);
    });
  });

  it('points at the real pods when the state holds them rather than the workload\'s template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-cli-'));
    copyFileSync(join(import.meta.dirname, '..', 'k8s', 'fixtures', 'workloads.yaml'), join(dir, 'workloads.yaml'));
    copyFileSync(join(import.meta.dirname, '..', 'state', 'fixtures', 'get-all-pods.yaml'), join(dir, 'pods.yaml'));
    const { code, err } = await run('simulate', '--state', dir, '--port', '80', '--from', 'shop/deploy/web');
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toMatch(
      /--from "shop\/deploy\/web": the state holds the real pods of Deployment shop\/web, name one of them: shop\/web-6f7d9c8b5-2kq9x, shop\/web-6f7d9c8b5-8hd4m, shop\/web-6f7d9c8b5-xv7pn$/,
    );
  });

  it('runs as the built `netfence` binary: exit codes and one-line errors without a stack', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
    const exec = promisify(execFile);
    const denied = await exec('node', [bin, 'simulate', '--state', EXAMPLE, '--from', REPORTS, '--to', COREDNS, '--port', '53/UDP']).catch((error: unknown) => error);
    expect(denied).toMatchObject({ code: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'netfence-cli-'));
    writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {matchLabels: {app: [x]}}}\n');
    const bad = await exec('node', [bin, 'simulate', '--state', dir, '--port', '53']).catch((error: unknown) => error);
    expect(bad).toMatchObject({ code: 2 });
    const stderr = typeof bad === 'object' && bad !== null && 'stderr' in bad ? String(bad.stderr) : '';
    expect(stderr.trim()).toMatch(/^netfence simulate: .*bad\.yaml:1 \(document 1\) NetworkPolicy a\/p: spec\.podSelector\.matchLabels\.app: must be a string \(got a list\)$/);
  });
});
