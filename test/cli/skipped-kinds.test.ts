import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netfence } from '../support/cli.js';

/**
 * Objects of kinds netfence does not read (ConfigMaps, Secrets, ServiceAccounts: what a GitOps
 * repository holds besides policies and workloads) are skipped: every command that reads a state
 * or manifests from files says so in one line a state or FILE, counted by kind, and --verbose
 * names each of them.
 */

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const dir = mkdtempSync(join(tmpdir(), 'netfence-skipped-'));

/** STATE is the example cluster with two ConfigMaps and a ServiceAccount beside it. */
const STATE = join(dir, 'state');
cpSync(join(EXAMPLES, 'cluster'), STATE, { recursive: true });
writeFileSync(
  join(STATE, 'extras.yaml'),
  ['ConfigMap web-config', 'ServiceAccount web', 'ConfigMap api-config'].map((object) => {
    const [kind, name] = object.split(' ');
    return `apiVersion: v1\nkind: ${kind}\nmetadata: {name: ${name}, namespace: team-a}\n`;
  }).join('---\n'),
);

/** MANIFESTS is a policy every rule passes, with a Secret and a ConfigMap around it. */
const MANIFEST_TEXT = `apiVersion: v1
kind: Secret
metadata: {name: api-token, namespace: team-a}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-to-api-9090, namespace: team-a}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: api}}}], ports: [{port: 9090}]}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: api-config, namespace: team-a}
`;
const MANIFESTS = join(dir, 'manifests.yaml');
writeFileSync(MANIFESTS, MANIFEST_TEXT);

const SUITE = join(dir, 'skipped.netfence-test.yaml');
writeFileSync(
  SUITE,
  'apiVersion: netfence.io/v1alpha1\nkind: Test\nmetadata: {name: skipped}\nstate: state\nmanifests: [manifests.yaml]\nexpect:\n  objects:\n  - {kind: NetworkPolicy, namespace: team-a, name: web-to-api-9090, result: allowed}\n',
);

const STATE_LINE = `${STATE}: skipped 3 objects of kinds netfence does not read: ConfigMap (2), ServiceAccount (1); --verbose lists them`;
const manifestLine = (source: string) => `${source}: skipped 2 objects of kinds netfence does not read: Secret (1), ConfigMap (1); --verbose lists them`;

/** skippedLines are the lines of stderr about skipped objects (report also says what it drew there). */
const skippedLines = (err: string): string[] => err.split('\n').filter((line) => line.includes(': skipped '));

/** Each command line, what it reads from standard input, and the skipped objects' lines it prints on stderr. */
const COMMANDS: ReadonlyArray<readonly [string, readonly string[], string | undefined, readonly string[]]> = [
  ['check FILE', ['check', '--state', STATE, MANIFESTS], undefined, [STATE_LINE, manifestLine(MANIFESTS)]],
  ['check -', ['check', '--state', STATE, '-'], MANIFEST_TEXT, [STATE_LINE, manifestLine('<stdin>')]],
  ['diff FILE', ['diff', '--state', STATE, MANIFESTS], undefined, [STATE_LINE, manifestLine(MANIFESTS)]],
  ['diff --after', ['diff', '--state', STATE, '--after', STATE], undefined, [STATE_LINE, STATE_LINE]],
  ['simulate', ['simulate', '--state', STATE, '--from', 'team-a', '--to', 'team-b', '--port', '80'], undefined, [STATE_LINE]],
  ['review', ['review', '--state', STATE, '--request', join(EXAMPLES, 'admission-review.json')], undefined, [STATE_LINE]],
  ['report', ['report', '--state', STATE, '--html', '-'], undefined, [STATE_LINE]],
  ['audit', ['audit', '--state', STATE], undefined, [STATE_LINE]],
  ['test', ['test', SUITE], undefined, [STATE_LINE, manifestLine(MANIFESTS)]],
];

describe('objects of kinds netfence does not read', () => {
  it.each(COMMANDS)('%s: one line a state or FILE, counted by kind', async (_, argv, stdin, lines) => {
    const { code, err } = await netfence(argv, stdin);
    expect(code).toBeLessThan(2);
    expect(skippedLines(err)).toEqual(lines);
  });

  it.each(COMMANDS)('%s --verbose: a line for each object, naming its file, line and name', async (_, argv, stdin, lines) => {
    const { code, err } = await netfence([...argv, '--verbose'], stdin);
    expect(code).toBeLessThan(2);
    const listed = skippedLines(err);
    // As many lines as the summaries count objects, each the notice netfence printed before summaries.
    const counted = lines.reduce((sum, line) => sum + Number(/skipped (\d+) object/.exec(line)?.[1]), 0);
    expect(listed).toHaveLength(counted);
    for (const line of listed) expect(line).toMatch(/^\S.*\.yaml:\d+ \(document \d+\) (ConfigMap|Secret|ServiceAccount) team-a\/[a-z-]+: skipped \(netfence reads Namespace, Pod, .* and ClientIntents\)$|^<stdin>:\d+ \(document \d+\) (ConfigMap|Secret) team-a\/[a-z-]+: skipped \(netfence reads /);
    expect(listed.filter((line) => line.includes('ServiceAccount team-a/web: skipped'))).toHaveLength(argv.includes('--after') ? 2 : 1);
  });

  it('check --verbose names each object where it is', async () => {
    const { err } = await netfence(['check', '--state', STATE, MANIFESTS, '--verbose']);
    // Files are shown relative to the working directory, as in every message about a file.
    expect(err.split('\n').map((line) => line.replace(/: skipped \(netfence reads [^)]*\)$/, '').replace(/^.*netfence-skipped-[^/]+\//, ''))).toEqual([
      'state/extras.yaml:1 (document 1) ConfigMap team-a/web-config',
      'state/extras.yaml:5 (document 2) ServiceAccount team-a/web',
      'state/extras.yaml:9 (document 3) ConfigMap team-a/api-config',
      'manifests.yaml:1 (document 1) Secret team-a/api-token',
      'manifests.yaml:10 (document 3) ConfigMap team-a/api-config',
    ]);
  });
});
