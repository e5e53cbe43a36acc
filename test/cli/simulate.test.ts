import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
const DB_A = 'team-a/db-0';
const NGINX = 'ingress-nginx/ingress-nginx-controller-7c6974c4d8-m2vqz';
const PROMETHEUS = 'monitoring/prometheus-0';
const DNS_PODS = [COREDNS, 'kube-system/coredns-5d78c9869d-q8zt7'];
const GITOPS = join(import.meta.dirname, '..', '..', 'examples', 'gitops');

/** LIVE_DUMP is a state as `kubectl get all -o yaml` dumps it: workloads and the real pods they made (3 of Deployment web). */
const LIVE_DUMP = ((): string => {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-cli-'));
  copyFileSync(join(import.meta.dirname, '..', 'k8s', 'fixtures', 'workloads.yaml'), join(dir, 'workloads.yaml'));
  copyFileSync(join(import.meta.dirname, '..', 'state', 'fixtures', 'get-all-pods.yaml'), join(dir, 'pods.yaml'));
  return dir;
})();

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
      query: {
        from: { text: WEB, kind: 'pod', name: WEB, pods: 1, namespace: 'team-a' },
        to: { text: COREDNS, kind: 'pod', name: COREDNS, pods: 1, namespace: 'kube-system' },
        port: { text: '53/udp', kind: 'port', port: 53, protocol: 'UDP' },
      },
      self: false,
      ports: ['53/UDP'],
    });
  });

  it('treats an IP as a host outside the cluster', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', '203.0.113.7', '--to', WEB, '--port', '8080', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({
      allowed: false,
      egress: { allowed: true, isolated: false, policies: [] },
      ingress: { allowed: false, isolated: true, policies: [] },
      query: { from: { text: '203.0.113.7', kind: 'ip', pods: 0 } },
    });
  });

  it('prints a truth table row when only --from is given', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--port', '53/UDP', '--json');
    expect(code).toBe(0);
    const table: { port: string; allowed: Record<string, Record<string, boolean>> } = JSON.parse(out);
    expect(table.port).toBe('53/UDP');
    expect(Object.keys(table.allowed)).toEqual([REPORTS]);
    const { [REPORTS]: itself, ...others } = table.allowed[REPORTS] ?? {};
    expect(itself).toBe(true); // a pod cannot block access to itself
    expect(Object.values(others)).not.toContain(true);
    expect(Object.keys(others)).toHaveLength(8);
  });

  it('prints a readable grid for the whole state', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--port', '53/UDP');
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^from \\ to\s+1 2 3 4 5 6 7 8 9$/);
    expect(lines.find((line) => line.includes(REPORTS))).toMatch(/X X X X X X X X =$/);
    expect(lines.find((line) => line.includes(WEB))).toMatch(/X \. \. X X X = X X$/);
    expect(out).toContain("53/UDP: 27 of 72 connections allowed ('.' allowed, 'X' denied)");
    expect(out).toContain(`'=' is a pod's connection to itself: always allowed ("a pod cannot block access to itself"), not counted.`);
  });

  it.each([
    [['simulate', '--state', EXAMPLE, '--port', '53/ICMP'], /--port "53\/ICMP": protocol must be TCP, UDP or SCTP/],
    [['simulate', '--state', EXAMPLE, '--port', '70000'], /--port "70000": "70000" is not a port number 1-65535$/],
    [['simulate', '--state', EXAMPLE], /--port is required: a port \(53\/UDP\), a range \(8080-8090\), a named port \(http\) or any/],
    [['simulate', '--port', '53'], /--state PATH is required/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--from', 'team-a/nope'], /--from "team-a\/nope": no such pod in the state \(pods in team-a: api-/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--to', 'nonsense'], /--to "nonsense": no namespace "nonsense" in the state \(namespaces: ingress-nginx, kube-system, monitoring, team-a, team-b\); expected NAMESPACE/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--to', 'Team_A'], /--to "Team_A": expected NAMESPACE \(all its pods\), NAMESPACE\/POD, NAMESPACE\/KIND\/NAME \(a workload\), NAMESPACE:LABELS/],
    [['simulate', '--state', EXAMPLE, '--port', 'any', '--to', 'team-a:app=nope'], /^netfence simulate: --to "team-a:app=nope": the label query app=nope matches no pod in namespace team-a$/],
    [['simulate', '--state', EXAMPLE, '--port', 'any', '--to', '*:app=nope'], /--to "\*:app=nope": the label query app=nope matches no pod of the state$/],
    [['simulate', '--state', EXAMPLE, '--port', 'any', '--to', 'nope:app=web'], /--to "nope:app=web": no namespace "nope" in the state/],
    [['simulate', '--state', EXAMPLE, '--port', 'any', '--to', 'team-a:app in web'], /--to "team-a:app in web": bad label query: "app in web" is not a requirement: write key=value/],
    [['simulate', '--state', EXAMPLE, '--port', 'any', '--to', 'team-a:app=web,,tier=x'], /bad label query: an empty requirement/],
    [['simulate', '--state', EXAMPLE, '--port', '9000-8000', '--to', 'team-a'], /--port "9000-8000": the range ends before it starts \(9000 > 8000\)$/],
    [['simulate', '--state', EXAMPLE, '--port', '0-80', '--to', 'team-a'], /--port "0-80": "0" is not a port number 1-65535$/],
    [['simulate', '--state', EXAMPLE, '--port', '80-70000'], /"70000" is not a port number 1-65535$/],
    [['simulate', '--state', EXAMPLE, '--port', '80/tcp/udp'], /--port "80\/tcp\/udp": expected PORT, FROM-TO \(a range\), NAME \(a named container port\) or any/],
    [['simulate', '--state', EXAMPLE, '--port', 'Http_Port'], /--port "Http_Port": expected PORT, FROM-TO/],
    [['simulate', '--state', EXAMPLE, '--port', 'http', '--from', WEB, '--to', 'team-a/db-0'], /--port "http": team-a\/db-0 declares no container port named http \(its container ports: postgres 5432\/TCP\)$/],
    [['simulate', '--state', EXAMPLE, '--port', 'http', '--from', WEB, '--to', '10.0.0.1'], /--port "http": 10.0.0.1 declares no container port named http \(an address outside the cluster has no named ports\)$/],
    [['simulate', '--state', EXAMPLE, '--port', 'grpc', '--from', 'team-a', '--to', 'team-b'], /--port "grpc": no destination declares a container port named grpc \(team-b\)$/],
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
      expect(JSON.parse(out)).toMatchObject({
        allowed: false,
        egress: { allowed: false, isolated: true, policies: [] },
        ingress: { allowed: false, isolated: true, policies: [] },
        query: { from: { kind: 'workload', name: 'shop/Deployment/web', workload: { kind: 'Deployment', name: 'web' } } },
        self: false,
        ports: [],
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
      [['--to', 'shop/Service/web'], /--to "shop\/Service\/web": "Service" is not a workload kind \(Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, ReplicationController, or kubectl's names for them\)/],
      [['--to', 'shop/Deployment/web/x'], /--to "shop\/Deployment\/web\/x": expected NAMESPACE \(all its pods\), NAMESPACE\/POD, NAMESPACE\/KIND\/NAME \(a workload\), NAMESPACE:LABELS \(a label query, e.g. team-a:app=web; \*:LABELS in every namespace\), \* \(every pod\) or an IP address$/],
    ])('refuses an unknown workload with what the state holds (%#)', async (flags, message) => {
      const { code, err } = await run('simulate', '--state', GITOPS, '--port', '80', ...flags);
      expect(code).toBe(2);
      expect(err.split('\n')[0]).toMatch(message);
    });
  });

  it('takes a workload for its real pods when the state holds them rather than its template', async () => {
    const { code, out } = await run('simulate', '--state', LIVE_DUMP, '--port', '80', '--from', 'shop/deploy/web', '--json');
    expect(code).toBe(0);
    const table: { allowed: Record<string, Record<string, boolean>>; query: { from: unknown } } = JSON.parse(out);
    expect(Object.keys(table.allowed)).toEqual(['shop/web-6f7d9c8b5-2kq9x', 'shop/web-6f7d9c8b5-8hd4m', 'shop/web-6f7d9c8b5-xv7pn']);
    expect(table.query.from).toEqual({ text: 'shop/deploy/web', kind: 'workload', name: 'shop/Deployment/web', pods: 3, namespace: 'shop', workload: { kind: 'Deployment', name: 'web' } });
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

// --- issue 15: simulate at the level people think in ------------------------------------------------

interface SideJson {
  allowed: boolean;
  isolated: boolean;
  policies: string[];
  rules: Array<{ policy: string; direction: string; index: number; ports: string[] }>;
  ports: string[];
  isolatedBy: string[];
}
interface GroupJson {
  from: { count: number; pods: string[] };
  to: { count: number; pods: string[] };
  connections: number;
  allowed: boolean;
  outcome: 'allowed' | 'partly' | 'denied';
  asked: string[];
  ports: string[];
  egress: SideJson;
  ingress: SideJson;
}
interface GroupedJson {
  query: { from: Record<string, unknown>; to: Record<string, unknown>; port: Record<string, unknown> };
  allowed: boolean;
  groups: GroupJson[];
  self: { count: number; pods: string[]; reason: string };
  unresolved: string[];
  totals: { connections: number; allowed: number; partly: number; denied: number; self: number };
}

async function grouped(...argv: string[]): Promise<{ code: number; json: GroupedJson }> {
  const { code, out, err } = await run('simulate', '--state', EXAMPLE, ...argv, '--json');
  expect(err).toBe('');
  return { code, json: JSON.parse(out) as GroupedJson };
}

/** podsAsked lists every destination a grouped answer speaks of: in groups, as itself, or not asked. */
function podsAsked(json: GroupedJson): string[] {
  return [...new Set([...json.groups.flatMap((group) => group.to.pods), ...json.self.pods, ...json.unresolved])].sort();
}

describe('netfence simulate: endpoints as people name them', () => {
  it.each([
    ['team-a', { kind: 'namespace', name: 'team-a', namespace: 'team-a', pods: 3 }, [API, DB_A, WEB]],
    ['team-a:', { kind: 'namespace', name: 'team-a', namespace: 'team-a', pods: 3 }, [API, DB_A, WEB]],
    ['team-a:app=web', { kind: 'labels', name: 'team-a:app=web', namespace: 'team-a', selector: 'app=web', pods: 1 }, [WEB]],
    ['team-a:tier in (frontend, backend)', { kind: 'labels', name: 'team-a:tier in (frontend,backend)', pods: 2 }, [API, WEB]],
    ['team-a:tier,tier!=data', { kind: 'labels', name: 'team-a:tier,tier notin (data)', pods: 2 }, [API, WEB]],
    ['team-a:!tier,app', { kind: 'labels', name: 'team-a:!tier,app', pods: 0 }, []],
    ['*:app=db', { kind: 'labels', name: '*:app=db', pods: 2 }, [DB_A, 'team-b/db-0']],
    ['kube-system:k8s-app=kube-dns', { kind: 'labels', name: 'kube-system:k8s-app=kube-dns', pods: 2 }, DNS_PODS],
    ['*', { kind: 'all', name: 'the state', pods: 9 }, 'every pod'],
  ])('--to %s', async (to, expected, pods) => {
    if (Array.isArray(pods) && pods.length === 0) {
      const { code, err } = await run('simulate', '--state', EXAMPLE, '--from', 'team-b', '--to', to, '--port', 'any');
      expect(code).toBe(2);
      expect(err).toContain('matches no pod in namespace team-a');
      return;
    }
    const { json } = await grouped('--from', 'team-b', '--to', to, '--port', 'any');
    expect(json.query.to).toMatchObject({ text: to, ...expected });
    if (Array.isArray(pods)) expect(podsAsked(json)).toEqual(pods);
    else expect(podsAsked(json)).toHaveLength(9);
  });

  it('takes a pod, a workload and an address as before, and echoes how it read them', async () => {
    const pod = JSON.parse((await run('simulate', '--state', EXAMPLE, '--from', NGINX, '--to', WEB, '--port', 'any', '--json')).out) as GroupedJson;
    expect(pod.query.from).toEqual({ text: NGINX, kind: 'pod', name: NGINX, pods: 1, namespace: 'ingress-nginx' });
    const address = JSON.parse((await run('simulate', '--state', EXAMPLE, '--from', '2001:db8::7', '--to', 'team-a', '--port', '8080', '--json')).out) as GroupedJson;
    expect(address.query.from).toEqual({ text: '2001:db8::7', kind: 'ip', name: '2001:db8::7', pods: 0 });
    expect(address.groups.map((group) => [group.from.pods, group.to.pods, group.outcome])).toEqual([
      [['2001:db8::7'], [API], 'denied'],
      [['2001:db8::7'], [DB_A], 'denied'],
      [['2001:db8::7'], [WEB], 'denied'],
    ]);
    expect(address.totals).toEqual({ connections: 3, allowed: 0, partly: 0, denied: 3, self: 0 });
    const workload = JSON.parse((await run('simulate', '--state', GITOPS, '--from', 'shop/deploy/web', '--to', 'shop', '--port', '8081', '--json')).out) as GroupedJson;
    expect(workload.query.from).toMatchObject({ kind: 'workload', name: 'shop/Deployment/web', pods: 1 });
  });

  it('answers a real workload\'s pods as one group, with its pods to themselves apart', async () => {
    const { code, out } = await run('simulate', '--state', LIVE_DUMP, '--from', 'shop/Deployment/web', '--to', 'shop', '--port', '8080');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      'shop/Deployment/web (3 pods) -> namespace shop (8 pods) on 8080/TCP:',
      '  ALLOWED  3 pods of shop/Deployment/web -> 8 pods of shop (21 connections): 8080/TCP',
      '           egress  not isolated (no policy selects these pods for Egress)',
      '           ingress not isolated (no policy selects these pods for Ingress)',
      '  ALLOWED  each of 3 pods of shop/Deployment/web to itself: always ("a pod cannot block access to itself")',
      '',
      '21 connections between different pods in 1 group: 21 allowed, 0 denied; and 3 pods to themselves, always allowed.',
    ]);
  });
});

describe('netfence simulate --port any: the exact ports allowed', () => {
  it('team-a web from ingress-nginx: exactly its http port, by web-from-ingress', async () => {
    const text = await run('simulate', '--state', EXAMPLE, '--from', NGINX, '--to', WEB, '--port', 'any');
    expect(text.code).toBe(0);
    expect(text.out.split('\n')[0]).toBe(`ALLOWED: ${NGINX} -> ${WEB} on any port: 8080/TCP`);
    expect(text.out).toContain(`ingress of ${WEB}: 8080/TCP, by team-a/web-from-ingress ingress[0] (8080/TCP) (isolated by team-a/allow-prometheus-scrape, team-a/default-deny, team-a/web-from-ingress)`);
    const json = JSON.parse((await run('simulate', '--state', EXAMPLE, '--from', NGINX, '--to', WEB, '--port', 'any', '--json')).out) as Record<string, unknown>;
    expect(json).toMatchObject({
      allowed: true,
      self: false,
      ports: ['8080/TCP'],
      egress: { allowed: true, isolated: false, policies: [], ports: ['1-65535/TCP', '1-65535/UDP', '1-65535/SCTP'] },
      ingress: { allowed: true, isolated: true, policies: ['team-a/web-from-ingress'], ports: ['8080/TCP'] },
      query: { port: { text: 'any', kind: 'any', protocol: null } },
    });
  });

  it('ingress-nginx to all of team-a: web on 8080/TCP, api and db on no port (exit 1)', async () => {
    const { code, json } = await grouped('--from', 'ingress-nginx', '--to', 'team-a', '--port', 'any');
    expect(code).toBe(1);
    expect(json.allowed).toBe(false);
    expect(json.groups.map((group) => [group.to.pods, group.ports])).toEqual([
      [[API], []],
      [[DB_A], []],
      [[WEB], ['8080/TCP']],
    ]);
    expect(json.totals).toEqual({ connections: 3, allowed: 1, partly: 0, denied: 2, self: 0 });
  });

  it('team-b reports to the kube-system DNS pods: no port at all, refused by its egress', async () => {
    const { code, json } = await grouped('--from', REPORTS, '--to', 'kube-system:k8s-app=kube-dns', '--port', 'any');
    expect(code).toBe(1);
    expect(json.groups).toEqual([
      {
        from: { count: 1, pods: [REPORTS] },
        to: { count: 2, pods: DNS_PODS },
        connections: 2,
        allowed: false,
        outcome: 'denied',
        asked: ['1-65535/TCP', '1-65535/UDP', '1-65535/SCTP'],
        ports: [],
        egress: { allowed: false, isolated: true, policies: [], rules: [], ports: [], isolatedBy: ['team-b/reports-egress'] },
        ingress: { allowed: true, isolated: false, policies: [], rules: [], ports: ['1-65535/TCP', '1-65535/UDP', '1-65535/SCTP'], isolatedBy: [] },
      },
    ]);
  });

  it('all of team-a to cluster DNS: 53/TCP and 53/UDP, one group, by the default-deny\'s DNS rule', async () => {
    const { code, json } = await grouped('--from', 'team-a', '--to', 'kube-system', '--port', 'any');
    expect(code).toBe(0);
    expect(json.groups).toHaveLength(1);
    expect(json.groups[0]).toMatchObject({
      from: { count: 3, pods: [API, DB_A, WEB] },
      to: { count: 2, pods: DNS_PODS },
      connections: 6,
      ports: ['53/TCP', '53/UDP'],
      egress: { allowed: true, policies: ['team-a/default-deny'], rules: [{ policy: 'team-a/default-deny', direction: 'Egress', index: 0, ports: ['53/TCP', '53/UDP'] }] },
      ingress: { isolated: false },
    });
    const udp = await grouped('--from', 'team-a', '--to', 'kube-system', '--port', 'any/udp');
    expect(udp.json.groups.map((group) => group.ports)).toEqual([['53/UDP']]);
    expect(udp.json.query.port).toEqual({ text: 'any/udp', kind: 'any', protocol: 'UDP' });
  });
});

describe('netfence simulate --port with a range or a name', () => {
  it('a range: allowed only when every port of it is; the rest is named', async () => {
    const partly = await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', API, '--port', '8000-8090');
    expect(partly.code).toBe(1);
    expect(partly.out.split('\n')[0]).toBe(`PARTLY ALLOWED: ${WEB} -> ${API} on 8000-8090/TCP: 8080/TCP (denied: 8000-8079/TCP, 8081-8090/TCP)`);
    expect((await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', API, '--port', '8080-8080')).code).toBe(0);
    const { code, json } = await grouped('--from', 'team-a', '--to', 'team-a:app=api', '--port', '8080-8090/tcp');
    expect(code).toBe(1);
    expect(json.query.port).toEqual({ text: '8080-8090/tcp', kind: 'range', from: 8080, to: 8090, protocol: 'TCP' });
    expect(json.groups.map((group) => [group.from.pods, group.outcome, group.ports])).toEqual([
      [[DB_A], 'denied', []],
      [[WEB], 'partly', ['8080/TCP']],
    ]);
    expect(json.self.pods).toEqual([API]);
    expect(json.totals).toEqual({ connections: 2, allowed: 0, partly: 1, denied: 1, self: 1 });
  });

  it('a named port resolves on each destination pod; pods without it are not asked', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', PROMETHEUS, '--to', 'team-a', '--port', 'metrics');
    expect(code).toBe(0);
    expect(out.split('\n')).toEqual([
      `${PROMETHEUS} -> namespace team-a (3 pods) on port metrics:`,
      `  ALLOWED  ${PROMETHEUS} -> 2 pods in team-a (api-5b8c7d6f4-7tj2m, web-6f7d9c8b5-2kq9x) (2 connections): 9100/TCP (port metrics)`,
      '           egress  not isolated (no policy selects this pod for Egress)',
      '           ingress allowed by team-a/allow-prometheus-scrape ingress[0]',
      '  not asked: team-a/db-0 declares no container port named metrics',
      '',
      '2 connections between different pods in 1 group: 2 allowed, 0 denied.',
    ]);
    const json = (await grouped('--from', PROMETHEUS, '--to', 'team-a', '--port', 'metrics')).json;
    expect(json.unresolved).toEqual([DB_A]);
    expect(json.query.port).toEqual({ text: 'metrics', kind: 'named', name: 'metrics', protocol: null });
  });

  it('one pod to one pod on a named port: the port it resolves to, explained rule by rule', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', API, '--port', 'http');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toBe(`ALLOWED: ${WEB} -> ${API} on port http (8080/TCP)`);
    expect((await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', COREDNS, '--port', 'dns/UDP')).code).toBe(0);
    const wrongProtocol = await run('simulate', '--state', EXAMPLE, '--from', WEB, '--to', COREDNS, '--port', 'dns/TCP');
    expect(wrongProtocol.code).toBe(2);
    expect(wrongProtocol.err).toContain('declares no container port named dns (its container ports: dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP)');
  });
});

describe('a pod\'s connection to itself', () => {
  it('is allowed, and the answer says why, though the policies alone would deny it', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--to', REPORTS, '--port', '8080');
    expect(code).toBe(0);
    expect(out.split('\n').slice(0, 2)).toEqual([
      `ALLOWED: ${REPORTS} -> ${REPORTS} on 8080/TCP: a pod's connection to itself is always allowed ("a pod cannot block access to itself"); what the policies alone say:`,
      `  egress  of ${REPORTS}: DENIED (isolated by team-b/reports-egress; no egress rule of theirs allows to ${REPORTS} on 8080/TCP)`,
    ]);
    const json = JSON.parse((await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--to', REPORTS, '--port', '8080', '--json')).out) as Record<string, unknown>;
    expect(json).toMatchObject({ allowed: true, self: true, egress: { allowed: false }, ports: ['8080/TCP'] });
    const any = await run('simulate', '--state', EXAMPLE, '--from', REPORTS, '--to', REPORTS, '--port', 'any');
    expect(any.code).toBe(0);
    expect(any.out.split('\n')[0]).toMatch(/^ALLOWED: .* on any port: every port; a pod's connection to itself is always allowed/);
  });

  it('is said apart in a grouped answer, never judged', async () => {
    const { code, out } = await run('simulate', '--state', EXAMPLE, '--from', 'team-a', '--to', 'team-a', '--port', '8080');
    expect(code).toBe(1);
    expect(out).toContain('  ALLOWED  each of 3 pods of team-a to itself: always ("a pod cannot block access to itself")');
    expect(out.split('\n').at(-1)).toBe('6 connections between different pods in 6 groups: 1 allowed, 5 denied; and 3 pods to themselves, always allowed.');
    const { json } = await grouped('--from', 'team-a', '--to', 'team-a', '--port', '8080');
    expect(json.self).toEqual({ count: 3, pods: [API, DB_A, WEB], reason: 'a pod cannot block access to itself' });
    expect(json.groups.every((group) => group.from.pods.every((pod) => !group.to.pods.includes(pod)))).toBe(true);
  });

  it('a workload\'s pod template to itself is between different pods of it: decided by policy', async () => {
    const { code, out } = await run('simulate', '--state', GITOPS, '--from', 'shop/Deployment/web', '--to', 'shop/Deployment/web', '--port', '8080');
    expect(code).toBe(1);
    expect(out).toContain('note: this is about different pods of Deployment web: each pod may always reach itself ("a pod cannot block access to itself")');
  });
});

describe('the docs/commands.md section', () => {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'commands.md'), 'utf8');
  const start = readme.indexOf('## `netfence simulate`');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((match) => match[2] ?? '');

  /** shellWords splits a command line as sh would here: at spaces, single quotes kept together, `\` line continuations joined. */
  const shellWords = (line: string): string[] => [...line.replace(/\\\n\s*/g, ' ').matchAll(/'([^']*)'|(\S+)/g)].map((match) => match[1] ?? match[2] ?? '');

  it('shows what the commands print, exactly', async () => {
    const examples = blocks.filter((body) => body.startsWith('$ netfence simulate'));
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const body of examples) {
      const [command = '', ...shown] = body.trimEnd().split('\n');
      const argv = shellWords(command.replace(/^\$ netfence /, '')).map((word) => (word === 'examples/cluster' ? EXAMPLE : word));
      const { out } = await run(...argv);
      expect(out.split('\n'), command).toEqual(shown);
    }
  });

  it('shows what the first example prints', async () => {
    const commandIndex = blocks.findIndex((body) => body.startsWith('netfence simulate'));
    const argv = shellWords((blocks[commandIndex] ?? '').trim().replace(/^netfence /, '')).map((word) => (word === 'examples/cluster' ? EXAMPLE : word));
    const { code, out } = await run(...argv);
    expect(code).toBe(1);
    expect(out).toBe((blocks[commandIndex + 1] ?? '').trimEnd());
  });
});
