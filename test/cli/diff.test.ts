import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netfence, run } from '../support/cli.js';

/**
 * `netfence diff` on the example cluster: a pull request's manifests (one that opens a port, one
 * that changes nothing, one that admission denies), a deletion by annotation and the same deletion
 * as a second state, adopting team-b (compared with what `netfence audit` says adoption isolates),
 * a workload's template standing for its pods, the JSON shape and the exit codes.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'cluster');
const NO_DNS = join(ROOT, 'examples', 'manifests', 'db-egress-no-dns.yaml');
/** REPORTS_NO_DNS isolates the reports pods' egress as reports-egress already does: it changes no connection. */
const REPORTS_NO_DNS = join(ROOT, 'examples', 'manifests', 'reports-egress-no-dns.yaml');
const ALLOW_ALL = join(ROOT, 'examples', 'manifests', 'allow-all-ingress.yaml');

interface GroupJson {
  namespace: string;
  pods: string[];
  wholeNamespace: boolean;
}
interface LineJson {
  from: GroupJson;
  to: GroupJson;
  opened: string[];
  closed: string[];
  before: string[];
  after: string[];
  policies: string[];
  namespaces: string[];
  podChanged: boolean;
}
interface DiffJson {
  changed: boolean;
  change: Record<string, unknown>;
  policies: Array<{ policy: string; change: string }>;
  namespaces: Array<{ namespace: string; change: string; labels?: Record<string, string> }>;
  pods: { added: string[]; removed: string[]; changed: string[] };
  namespacePairs: Array<{ from: string; to: string; connections: LineJson[] }>;
  summary: { namespacePairs: number; connections: number };
}

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-diff-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

function lines(diff: DiffJson): LineJson[] {
  return diff.namespacePairs.flatMap((pair) => pair.connections);
}

/** A team-a policy that lets Prometheus reach the api pods on 8080-8090 (an endPort range). */
const API_FROM_MONITORING = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-from-monitoring
  namespace: team-a
spec:
  podSelector:
    matchLabels:
      app: api
  policyTypes: [Ingress]
  ingress:
  - from:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: monitoring
    ports:
    - port: 8080
      endPort: 8090
`;

const DELETE_DB_INGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db-ingress
  namespace: team-b
  annotations:
    netfence.io/delete: "true"
`;

describe('netfence diff FILE...', () => {
  it('lists the connection a pull request opens, with the exact ports, the namespace pair and the policy, and exits 1', async () => {
    const dir = files({ 'api.yaml': API_FROM_MONITORING });
    const { code, out } = await run('diff', '--state', EXAMPLE, join(dir, 'api.yaml'), '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    expect(diff.changed).toBe(true);
    expect(diff.change).toMatchObject({ kind: 'manifests', objects: [{ object: 'NetworkPolicy team-a/api-from-monitoring', operation: 'CREATE', applied: true, document: 1, line: 1 }], unjudged: 0 });
    expect(diff.policies).toEqual([{ policy: 'team-a/api-from-monitoring', change: 'added' }]);
    expect(diff.namespacePairs).toEqual([
      {
        from: 'monitoring',
        to: 'team-a',
        connections: [
          {
            from: { namespace: 'monitoring', pods: ['monitoring/prometheus-0'], wholeNamespace: true },
            to: { namespace: 'team-a', pods: ['team-a/api-5b8c7d6f4-7tj2m'], wholeNamespace: false },
            // Prometheus could already scrape the named port metrics (9100).
            opened: ['8080-8090/TCP'],
            closed: [],
            before: ['9100/TCP'],
            after: ['8080-8090/TCP', '9100/TCP'],
            policies: ['team-a/api-from-monitoring'],
            namespaces: [],
            podChanged: false,
          },
        ],
      },
    ]);
    expect(diff.summary).toEqual({ namespacePairs: 1, connections: 1 });

    const text = await run('diff', '--state', EXAMPLE, join(dir, 'api.yaml'));
    expect(text.code).toBe(1);
    expect(text.out).toContain('monitoring -> team-a\n  + monitoring/prometheus-0 -> team-a/api-5b8c7d6f4-7tj2m\n      opens 8080-8090/TCP (was 9100/TCP, now 8080-8090/TCP, 9100/TCP)\n      by team-a/api-from-monitoring (added)');
    expect(text.out).toMatch(/1 change\(s\) in 1 namespace pair\(s\)/);
  });

  it('exits 0 when the manifests change no connection (a second policy allowing what one already allows)', async () => {
    const { code, out } = await run('diff', '--state', EXAMPLE, REPORTS_NO_DNS);
    expect(code).toBe(0);
    // The reports pods were cut off DNS before: the change makes nothing worse, so it only warns.
    expect(out).toContain('NetworkPolicy team-b/reports-to-db (CREATE): applied, with warnings');
    expect(out).toContain('Policies: team-b/reports-to-db (added)');
    expect(out).toMatch(/No connection opens or closes\.$/);
  });

  it('does not apply an object admission denies, and says so', async () => {
    const { code, out } = await run('diff', '--state', EXAMPLE, ALLOW_ALL, '-n', 'team-a', '--json');
    expect(code).toBe(0);
    const diff = JSON.parse(out) as DiffJson;
    expect(diff.change['objects']).toEqual([expect.objectContaining({ object: 'NetworkPolicy team-a/allow-all-ingress', applied: false, rules: ['allow-all'] })]);
    expect(diff.policies).toEqual([]);
    const text = await run('diff', '--state', EXAMPLE, ALLOW_ALL, '-n', 'team-a');
    expect(text.out).toContain('NetworkPolicy team-a/allow-all-ingress (CREATE): NOT APPLIED, denied in enforce mode: [allow-all]');
  });

  it('deletes a policy marked netfence.io/delete: "true", as the DELETE would go through admission', async () => {
    const dir = files({ 'delete.yaml': DELETE_DB_INGRESS });
    const { code, out } = await run('diff', '--state', EXAMPLE, join(dir, 'delete.yaml'), '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    expect(diff.change['objects']).toEqual([expect.objectContaining({ object: 'NetworkPolicy team-b/db-ingress', operation: 'DELETE', applied: true, rules: ['default-deny-missing'] })]);
    expect(diff.policies).toEqual([{ policy: 'team-b/db-ingress', change: 'deleted' }]);
    // db-0 is no longer isolated for Ingress: every pod that may send reaches it on every port.
    // team-a's pods may not send (their egress is isolated); team-b's reports already reached 5432 and may send nowhere else.
    expect(lines(diff).map((line) => `${line.from.pods.join(',')} -> ${line.to.pods.join(',')}: +${line.opened.join(',')} -${line.closed.join(',')} by ${line.policies.join(',')}`)).toEqual([
      'ingress-nginx/ingress-nginx-controller-7c6974c4d8-m2vqz -> team-b/db-0: +1-65535/TCP,1-65535/UDP,1-65535/SCTP - by team-b/db-ingress',
      'kube-system/coredns-5d78c9869d-4xk2p,kube-system/coredns-5d78c9869d-q8zt7 -> team-b/db-0: +1-65535/TCP,1-65535/UDP,1-65535/SCTP - by team-b/db-ingress',
      'monitoring/prometheus-0 -> team-b/db-0: +1-65535/TCP,1-65535/UDP,1-65535/SCTP - by team-b/db-ingress',
    ]);
  });

  it('refuses the deletion of a policy that does not exist, and a deletion of a kind that is not deletable is bad input', async () => {
    const missing = files({ 'delete.yaml': DELETE_DB_INGRESS.replace('db-ingress', 'no-such-policy') });
    const refused = await run('diff', '--state', EXAMPLE, join(missing, 'delete.yaml'));
    expect(refused.code).toBe(0);
    expect(refused.out).toContain('NetworkPolicy team-b/no-such-policy (DELETE): NOT APPLIED, refused: networkpolicies.networking.k8s.io "no-such-policy" not found');
    const pod = files({ 'delete.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: team-b\n  annotations:\n    netfence.io/delete: "true"\n' });
    const bad = await run('diff', '--state', EXAMPLE, join(pod, 'delete.yaml'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/delete\.yaml:1 \(document 1\): netfence\.io\/delete deletes a NetworkPolicy or a Namespace, not a Pod$/);
  });

  it('applies and deletes in document order, from standard input too', async () => {
    // Create the policy, then delete it: nothing changes in the end.
    const { code, out } = await netfence(['diff', '--state', EXAMPLE, '-', '--json'], `${API_FROM_MONITORING}---\n${DELETE_DB_INGRESS.replace('db-ingress', 'api-from-monitoring').replace('team-b', 'team-a')}`);
    expect(code).toBe(0);
    const diff = JSON.parse(out) as DiffJson;
    expect((diff.change['objects'] as Array<{ operation: string; applied: boolean; document: number }>).map((o) => `${o.operation} ${o.applied} ${o.document}`)).toEqual(['CREATE true 1', 'DELETE true 2']);
    expect(diff.changed).toBe(false);
  });

  it('matches a workload\'s pods with the template a manifest of the workload puts in their place', async () => {
    const state = files({
      'workloads.yaml': readFileSync(join(ROOT, 'test', 'k8s', 'fixtures', 'workloads.yaml'), 'utf8'),
      'pods.yaml': readFileSync(join(ROOT, 'test', 'state', 'fixtures', 'get-all-pods.yaml'), 'utf8'),
      'policy.yaml': 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-ingress, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: api}}}]\n',
    });
    const manifests = files({
      'web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: website}}\n  template:\n    metadata: {labels: {app: website}}\n    spec: {containers: [{name: main, ports: [{containerPort: 8080, name: http}]}]}\n',
    });
    const { code, out } = await run('diff', '--state', state, join(manifests, 'web.yaml'), '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    // The three web pods are now the Deployment's template: changed, not removed and added.
    expect(diff.pods).toEqual({ added: [], removed: [], changed: ['shop/Deployment/web'] });
    expect(diff.change).toMatchObject({ unjudged: 1 });
    const [line, ...rest] = lines(diff);
    expect(rest).toEqual([]);
    // Relabelled app=website, web's pods leave web-ingress: every pod may reach them (each other too) on every port.
    expect(line).toMatchObject({ to: { pods: ['shop/Deployment/web'] }, opened: ['1-65535/TCP', '1-65535/UDP', '1-65535/SCTP'], closed: [], policies: [], podChanged: true });
    expect(line?.from.wholeNamespace).toBe(true);
    const text = await run('diff', '--state', state, join(manifests, 'web.yaml'));
    expect(text.out).toContain('Pods changed: shop/Deployment/web (in place of web-6f7d9c8b5-2kq9x, web-6f7d9c8b5-8hd4m, web-6f7d9c8b5-xv7pn)');
    expect(text.out).toContain('every pod in shop');
  });
});

describe('netfence diff FILE... with ClientIntents: the rollout preview', () => {
  const INTENTS = join(ROOT, 'examples', 'intents');
  const TUTORIAL_INTENTS = join(INTENTS, 'client-intents.yaml');
  const NS = 'otterize-tutorial-npol';
  const pods = (...names: string[]): string[] => names.map((name) => `${NS}/Deployment/${name}`);

  it('previews exactly what the policies of the tutorial ClientIntents open and close, judged as check judges them', async () => {
    const { code, out } = await run('diff', '--state', INTENTS, TUTORIAL_INTENTS, '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    // The ClientIntents is judged, not applied without a judgement; the policies written for it are steps of their own.
    expect(diff.change).toMatchObject({
      kind: 'manifests',
      objects: [
        { object: `ClientIntents ${NS}/client`, operation: 'UPDATE', applied: true, failures: [], notices: [] },
        { object: `NetworkPolicy ${NS}/netfence-intents-client`, operation: 'CREATE', applied: true, from: `ClientIntents ${NS}/client`, line: 4 },
        { object: `NetworkPolicy ${NS}/netfence-intents-to-server`, operation: 'CREATE', applied: true, from: `ClientIntents ${NS}/client`, line: 4 },
      ],
      unjudged: 0,
    });
    expect(diff.policies).toEqual([
      { policy: `${NS}/netfence-intents-client`, change: 'added' },
      { policy: `${NS}/netfence-intents-to-server`, change: 'added' },
    ]);
    const every = ['1-65535/TCP', '1-65535/UDP', '1-65535/SCTP'];
    const after = (from: string[], to: string[]): string[] | undefined => lines(diff).find((line) => JSON.stringify(line.from.pods) === JSON.stringify(from) && JSON.stringify(line.to.pods) === JSON.stringify(to))?.after;
    // client reaches server on 80/TCP only; client-other (and server's other replicas) on no port; client keeps DNS.
    expect(after(pods('client'), pods('server'))).toEqual(['80/TCP']);
    expect(after(pods('client-other', 'server'), pods('server'))).toEqual([]);
    expect(after(pods('client'), ['kube-system/coredns-5d78c9869d-4xk2p', 'kube-system/coredns-5d78c9869d-q8zt7'])).toEqual(['53/TCP', '53/UDP']);
    expect(lines(diff).every((line) => line.opened.length === 0 && JSON.stringify(line.before) === JSON.stringify(every))).toBe(true);
    expect(diff.summary).toEqual({ namespacePairs: 3, connections: 5 });

    const text = await run('diff', '--state', INTENTS, TUTORIAL_INTENTS);
    expect(text.out.split('\n').slice(0, 4)).toEqual([
      'Manifests applied on top of the state, as admission would apply them:',
      `  ClientIntents ${NS}/client (UPDATE): applied`,
      `  NetworkPolicy ${NS}/netfence-intents-client (CREATE, from ClientIntents ${NS}/client): applied, with warnings`,
      `  NetworkPolicy ${NS}/netfence-intents-to-server (CREATE, from ClientIntents ${NS}/client): applied, with warnings`,
    ]);
    expect(text.out).not.toContain('without a judgement');
    expect(text.out).toContain(`  - ${NS}/Deployment/client -> ${NS}/Deployment/server\n      closes 1-79/TCP, 81-65535/TCP, every UDP port, every SCTP port (was every port, now 80/TCP)\n      by ${NS}/netfence-intents-client (added), ${NS}/netfence-intents-to-server (added)`);
  });

  it('changes nothing (exit 0) once the policies are in place, and applies nothing for a ClientIntents whose policies are not proven', async () => {
    const generated = await run('intents', 'generate', '--state', INTENTS);
    const inPlace = files({ 'cluster.yaml': ['namespaces.yaml', 'kube-system.yaml', 'tutorial.yaml', 'client-intents.yaml'].map((file) => readFileSync(join(INTENTS, file), 'utf8')).join('\n---\n'), 'generated.yaml': generated.out });
    const same = await run('diff', '--state', inPlace, TUTORIAL_INTENTS);
    expect(same.code).toBe(0);
    expect(same.out).toContain(`  ClientIntents ${NS}/client (UPDATE): applied\n`);
    expect(same.out).toMatch(/No connection opens or closes\.$/);
    // A second client naming a Service that is not there: said under its step.
    const other = files({ 'other.yaml': `apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client-other, namespace: ${NS}}\nspec:\n  workload: {name: client-other}\n  targets: [{service: {name: ledger}}]\n` });
    const notice = await run('diff', '--state', inPlace, join(other, 'other.yaml'));
    expect(notice.out).toContain(`  ClientIntents ${NS}/client-other (CREATE): applied\n    NOTE ClientIntents ${NS}/client-other spec.targets[0]: Service ${NS}/ledger is not in the state: nothing is generated for it\n`);
    // A canary with server's labels, which client-other calls: no policy can tell it from server.
    const server = readFileSync(join(INTENTS, 'tutorial.yaml'), 'utf8').split(/^---$/m).find((document) => /kind: Deployment/.test(document) && /name: server\n/.test(document)) ?? '';
    const twins = files({ 'cluster.yaml': readFileSync(join(inPlace, 'cluster.yaml'), 'utf8'), 'canary.yaml': server.replace('name: server\n', 'name: server-canary\n') });
    const canary = files({ 'canary.yaml': `apiVersion: k8s.otterize.com/v2beta1\nkind: ClientIntents\nmetadata: {name: client-other, namespace: ${NS}}\nspec:\n  workload: {name: client-other}\n  targets: [{kubernetes: {name: server-canary}}]\n` });
    const unproven = await run('diff', '--state', twins, join(canary, 'canary.yaml'));
    expect(unproven.code).toBe(0);
    expect(unproven.out).toMatch(new RegExp(`^  ClientIntents ${NS}/client-other \\(CREATE\\): NOT APPLIED, its policies are not proven: ${NS}/Deployment/client-other -> ${NS}/Deployment/server \\(with ${NS}/Deployment/server-canary, which no policy can tell apart from it\\)`, 'm'));
    expect(unproven.out).toMatch(/No connection opens or closes\.$/);
  });
});

describe('netfence diff --after', () => {
  it('diffs two states: an object missing from the second is deleted, and the answer is the deletion\'s', async () => {
    const after = mkdtempSync(join(tmpdir(), 'netfence-diff-after-'));
    cpSync(EXAMPLE, after, { recursive: true });
    const teamB = readFileSync(join(after, 'team-b.yaml'), 'utf8');
    const without = teamB.split(/^---\n/m).filter((document) => !document.includes('name: db-ingress')).join('---\n');
    expect(without).not.toBe(teamB);
    writeFileSync(join(after, 'team-b.yaml'), without);
    const second = await run('diff', '--state', EXAMPLE, '--after', after, '--json');
    expect(second.code).toBe(1);
    const viaAfter = JSON.parse(second.out) as DiffJson;
    expect(viaAfter.change).toEqual({ kind: 'after', state: after });
    const dir = files({ 'delete.yaml': DELETE_DB_INGRESS });
    const viaManifest = JSON.parse((await run('diff', '--state', EXAMPLE, join(dir, 'delete.yaml'), '--json')).out) as DiffJson;
    expect(viaAfter.policies).toEqual(viaManifest.policies);
    expect(viaAfter.namespacePairs).toEqual(viaManifest.namespacePairs);

    const same = await run('diff', '--state', EXAMPLE, '--after', EXAMPLE);
    expect(same.code).toBe(0);
    expect(same.out).toBe(`Compared with the state in ${EXAMPLE}.\n\nNo connection opens or closes.`);
  });

  it('says which relabelled namespace decides a change, when a namespaceSelector reads its labels', async () => {
    const after = mkdtempSync(join(tmpdir(), 'netfence-diff-after-'));
    cpSync(EXAMPLE, after, { recursive: true });
    // team-a lets tenant b's namespaces reach its db on postgres; team-b becomes tenant c.
    writeFileSync(
      join(after, 'db-from-tenant-b.yaml'),
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db-from-tenant-b, namespace: team-a}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {tenant: b}}}]\n    ports: [{port: postgres}]\n',
    );
    const before = mkdtempSync(join(tmpdir(), 'netfence-diff-before-'));
    cpSync(after, before, { recursive: true });
    writeFileSync(join(after, 'namespaces.yaml'), readFileSync(join(after, 'namespaces.yaml'), 'utf8').replace('tenant: b', 'tenant: c'));
    const { code, out } = await run('diff', '--state', before, '--after', after, '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    expect(diff.namespaces).toEqual([{ namespace: 'team-b', change: 'changed', labels: { 'kubernetes.io/metadata.name': 'team-b', 'netfence.io/mode': 'audit', tenant: 'c' } }]);
    // Only db-0 of team-b may send (reports' egress allows its own namespace's db only).
    expect(lines(diff)).toEqual([
      {
        from: { namespace: 'team-b', pods: ['team-b/db-0'], wholeNamespace: false },
        to: { namespace: 'team-a', pods: ['team-a/db-0'], wholeNamespace: false },
        opened: [],
        closed: ['5432/TCP'],
        before: ['5432/TCP'],
        after: [],
        policies: [],
        namespaces: ['team-b'],
        podChanged: false,
      },
    ]);
  });
});

describe('netfence diff --adopt', () => {
  it("shows what adopting team-b cuts: exactly the traffic of the pods audit says adoption isolates, in those directions (and DNS it opens)", async () => {
    const { code, out } = await run('diff', '--state', EXAMPLE, '--adopt', 'team-b', '--json');
    expect(code).toBe(1);
    const diff = JSON.parse(out) as DiffJson;
    expect(diff.change).toEqual({ kind: 'adopt', namespace: 'team-b', adoption: 'not-adopted', profile: 'default', policies: ['team-b/netfence-default-deny'] });
    expect(diff.policies).toEqual([{ policy: 'team-b/netfence-default-deny', change: 'added' }]);

    // Which of team-b's pods lose traffic, and in which direction: as sources (egress) or as destinations (ingress).
    const cut = new Set<string>();
    for (const line of lines(diff)) {
      if (line.closed.length === 0) continue;
      for (const pod of line.from.pods) if (pod.startsWith('team-b/')) cut.add(`${pod} Egress`);
      for (const pod of line.to.pods) if (pod.startsWith('team-b/')) cut.add(`${pod} Ingress`);
    }
    const audit = JSON.parse((await run('audit', '--state', EXAMPLE, '--json')).out) as { findings: Array<{ rule: string; object: string; adoption?: { isolated: Array<{ pod: string; directions: string[] }> } }> };
    const preview = audit.findings.find((finding) => finding.rule === 'namespace-not-adopted' && finding.object === 'team-b')?.adoption;
    expect(preview).toBeDefined();
    expect([...cut].sort()).toEqual((preview?.isolated ?? []).flatMap(({ pod, directions }) => directions.map((direction) => `${pod} ${direction}`)).sort());

    // db-0 keeps DNS only; reports, already isolated for egress, gains DNS from the baseline's allow.
    const dbToDns = lines(diff).find((line) => line.from.pods.includes('team-b/db-0') && line.to.namespace === 'kube-system');
    expect(dbToDns).toMatchObject({ to: { wholeNamespace: true }, after: ['53/TCP', '53/UDP'], opened: [] });
    const reportsToDns = lines(diff).find((line) => line.from.pods.includes('team-b/reports-7f9b6d5c4-h5x2n') && line.to.namespace === 'kube-system');
    expect(reportsToDns).toMatchObject({ opened: ['53/TCP', '53/UDP'], closed: [], before: [], policies: ['team-b/netfence-default-deny'] });
    // The baseline label itself flips no selector of the example: no namespace is named as a cause.
    expect(lines(diff).every((line) => line.namespaces.length === 0)).toBe(true);
  });

  it('says when a namespace is already adopted, or exempt', async () => {
    const adopted = await run('diff', '--state', EXAMPLE, '--adopt', 'team-a');
    expect(adopted.code).toBe(0);
    expect(adopted.out).toContain('team-a is already adopted (profile default)');
    expect(adopted.out).toMatch(/No connection opens or closes\.$/);
    const exempt = await run('diff', '--state', EXAMPLE, '--adopt', 'kube-system');
    expect(exempt).toEqual({ code: 0, out: 'Namespace kube-system is exempt: netfence never provisions a baseline there, so adopting it changes nothing.\n\nNo connection opens or closes.', err: '' });
  });
});

describe('netfence diff: bad input is exit 2', () => {
  it.each([
    ['no change given', ['diff', '--state', EXAMPLE], /give exactly one change/],
    ['two changes given', ['diff', '--state', EXAMPLE, '--adopt', 'team-b', '--after', EXAMPLE], /give exactly one change/],
    ['no state', ['diff', '--adopt', 'team-b'], /--state PATH is required/],
    ['an unknown namespace', ['diff', '--state', EXAMPLE, '--adopt', 'team-z'], /--adopt team-z: the state has no namespace "team-z"/],
    ['an unknown profile', ['diff', '--state', EXAMPLE, '--adopt', 'team-b', '--profile', 'strict'], /--profile "strict": no such baseline profile/],
    ['--profile without --adopt', ['diff', '--state', EXAMPLE, NO_DNS, '--profile', 'default'], /--profile goes with --adopt NS/],
    ['a missing file', ['diff', '--state', EXAMPLE, '/no/such/file.yaml'], /no such file or directory/],
    ['a missing second state', ['diff', '--state', EXAMPLE, '--after', '/no/such/dir'], /no such file or directory/],
  ])('%s', async (_name, argv, message) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
  });

  it('a manifest with an unknown field, as kubectl apply would refuse it', async () => {
    const dir = files({ 'typo.yaml': API_FROM_MONITORING.replace('podSelector:\n    matchLabels:\n      app: api', 'podSelecter:\n    matchLabels:\n      app: api') });
    const { code, err } = await run('diff', '--state', EXAMPLE, join(dir, 'typo.yaml'));
    expect(code).toBe(2);
    expect(err).toContain('unknown field "spec.podSelecter"');
  });
});

describe('the docs/commands.md section', () => {
  const readme = readFileSync(join(ROOT, 'docs', 'commands.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## `netfence diff`'), readme.indexOf('\n## ', readme.indexOf('## `netfence diff`')));
  const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((match) => ({ language: match[1] ?? '', body: match[2] ?? '' }));

  it('shows what adopting team-b prints: every line shown, in order (... stands for lines left out)', async () => {
    const block = blocks.find((b) => b.body.startsWith('$ netfence diff'));
    expect(block).toBeDefined();
    const [command = '', ...shown] = (block?.body ?? '').trimEnd().split('\n');
    const argv = command.replace(/^\$ netfence /, '').split(' ');
    expect(argv).toEqual(['diff', '--state', 'examples/cluster', '--adopt', 'team-b']);
    const { code, out } = await run(...argv.map((arg) => (arg === 'examples/cluster' ? EXAMPLE : arg)));
    expect(code).toBe(1);
    const printed = out.split('\n');
    let at = 0;
    for (const line of shown) {
      if (line === '...') continue;
      const found = printed.indexOf(line, at);
      expect(found, line).toBeGreaterThanOrEqual(at);
      at = found + 1;
    }
  });

  it('documents the JSON shape with the output of a real diff', async () => {
    const block = blocks.find((b) => b.language === 'json');
    const documented = JSON.parse(block?.body ?? '') as DiffJson;
    const dir = files({ 'api.yaml': API_FROM_MONITORING });
    const actual = JSON.parse((await run('diff', '--state', EXAMPLE, join(dir, 'api.yaml'), '--json')).out) as DiffJson;
    const objects = (actual.change['objects'] as Array<Record<string, unknown>>).map((object) => ({ ...object, file: 'pr/api.yaml' }));
    expect(documented).toEqual({ ...actual, change: { ...actual.change, objects } });
  });
});
