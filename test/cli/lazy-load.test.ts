import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A command line that starts at once: main.ts loads a command's module only when it runs, so the
 * offline commands never load the Kubernetes client, the HTTP server or the logger. The built CLI
 * runs with a module hook that prints every module it resolves; the test reads which packages each
 * command loaded. (How fast it starts is measured in bench/cli-start.mjs, never asserted here.)
 */

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const STATE = join(ROOT, 'examples/cluster');
/**
 * TRACE registers a resolve hook that writes each resolved module's URL to stderr, one a line. The
 * hooks run on a thread of their own: it writes synchronously (writeSync), as an asynchronous write
 * from there can be lost when the process exits at once (Node 24, serve refusing its port).
 */
const TRACE = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; export async function resolve(s, c, n) { const r = await n(s, c); writeSync(2, 'netfence-trace ' + r.url + '\\\\n'); return r; }"));`,
)}`;
/** ONLINE_PACKAGES are what serving and reading a live cluster need, and the offline commands must not load. */
const ONLINE_PACKAGES = ['@kubernetes/client-node', 'fastify', 'pino', 'prom-client'];

/** loadedPackages runs the CLI with ARGS and returns the packages it loaded, by name. */
function loadedPackages(args: readonly string[]): { status: number | null; packages: Set<string>; modules: number } {
  const result = spawnSync(process.execPath, ['--import', TRACE, CLI, ...args], { encoding: 'utf8' });
  const urls = result.stderr
    .split('\n')
    .filter((line) => line.startsWith('netfence-trace '))
    .map((line) => line.slice('netfence-trace '.length));
  const packages = new Set(urls.flatMap((url) => [...url.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((match) => match[1] ?? '').slice(-1)));
  return { status: result.status, packages, modules: urls.length };
}

const scratch = mkdtempSync(join(tmpdir(), 'netfence-lazy-'));
const OFFLINE: readonly (readonly string[])[] = [
  ['--version'],
  ['help'],
  ['help', 'serve'],
  ['serve', '--help'],
  ['check', '--state', STATE, join(STATE, 'team-a.yaml')],
  ['simulate', '--state', STATE, '--from', 'team-a', '--to', 'team-b', '--port', '80'],
  ['diff', '--state', STATE, '--adopt', 'team-b'],
  ['report', '--state', STATE, '--html', join(scratch, 'report.html')],
  ['audit', '--state', STATE],
  ['baseline', 'team-a'],
  ['intents', 'generate', '--state', join(ROOT, 'examples/intents')],
  ['completion', 'bash'],
  ['test', join(ROOT, 'examples/tests')],
];

describe('the command line loads only what a command needs', () => {
  it.each(OFFLINE.map((args) => [args.join(' ').replaceAll(ROOT, '.').replaceAll(scratch, 'TMP'), args] as const))('netfence %s loads no client, server or logger', (_, args) => {
    const { status, packages, modules } = loadedPackages(args);
    expect(modules, 'the trace hook saw the modules').toBeGreaterThan(0);
    expect(status === 0 || status === 1, `exit ${status}`).toBe(true);
    for (const name of ONLINE_PACKAGES) expect([...packages], name).not.toContain(name);
  });

  it('--version loads nothing but the CLI itself', () => {
    expect([...loadedPackages(['--version']).packages]).toEqual([]);
  });

  it('serve, a live command, does load them (the trace sees packages)', () => {
    // Stops at once on a port no one can bind (-1): the module graph is loaded by then.
    const { packages } = loadedPackages(['serve', '--port', '-1']);
    expect([...packages]).toEqual(expect.arrayContaining(['fastify', '@kubernetes/client-node']));
  });
});
