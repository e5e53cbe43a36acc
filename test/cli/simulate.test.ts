import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

/** `netfence simulate` on the bundled example cluster, as a user runs it. */

const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');
const REPORTS = 'team-b/reports-7f9b6d5c4-h5x2n';
const WEB = 'team-a/web-6f7d9c8b5-2kq9x';
const API = 'team-a/api-5b8c7d6f4-7tj2m';
const COREDNS = 'kube-system/coredns-5d78c9869d-4xk2p';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

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
    [['simulate', '--state', EXAMPLE, '--port', '53', '--to', 'nonsense'], /expected NAMESPACE\/POD or an IP address/],
    [['simulate', '--state', EXAMPLE, '--port', '53', '--bogus'], /Unknown option '--bogus'/],
    [['simulate', '--state', '/no/such/dir', '--port', '53'], /\/no\/such\/dir: no such file or directory/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('refuses bad input with one clear line and exit 2 (%#)', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err.split('\n')[0]).toMatch(message);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
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
