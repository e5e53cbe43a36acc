import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { until } from '../support/until.js';

/**
 * The tarball `npm pack` makes installs with `npm install -g` and works outside the checkout: the
 * built dist, the examples (serve's bundled example cluster among them) and the docs, with only
 * the production dependencies. It is packed from the dist `npm test` has just built (scripts
 * ignored: prepack's clean build would pull dist from under the other tests), installed into a
 * temporary prefix and run from a temporary directory.
 *
 * Slow (about 15 s): npm installs the production dependencies, tarballs from the npm cache that
 * `npm ci` filled, package metadata from the cache or the registry (--prefer-offline; a file
 * tarball's install resolves its dependencies afresh, and `npm ci` caches no metadata).
 */

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Packed {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** parsePacked reads what `npm pack --json` prints about the one tarball it made. */
function parsePacked(stdout: string): Packed {
  const result: unknown = JSON.parse(stdout);
  const [packed] = Array.isArray(result) ? result : [];
  if (typeof packed !== 'object' || packed === null || typeof packed.filename !== 'string' || !Array.isArray(packed.files)) throw new Error(`npm pack --json: unexpected output ${stdout.slice(0, 200)}`);
  return packed as Packed;
}

describe('npm pack', () => {
  it('makes a tarball that installs with npm install -g and runs outside the checkout (slow: ~15 s)', async () => {
    expect(existsSync(join(ROOT, 'dist', 'cli', 'main.js')), 'dist is built (npm test builds it first)').toBe(true);
    const work = mkdtempSync(join(tmpdir(), 'netfence-pack-'));
    const packed = parsePacked((await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, env: NPM_ENV })).stdout);
    expect(packed.filename).toBe(`netfence-${VERSION}.tgz`);

    const paths = packed.files.map((file) => file.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/cli/main.js', 'dist/server/logger.js', 'docs/errors.md', 'examples/netfence.yaml', 'examples/manifests/allow-all-ingress.yaml']));
    const example = readdirSync(join(ROOT, 'examples', 'cluster')).map((file) => `examples/cluster/${file}`);
    expect(paths).toEqual(expect.arrayContaining(example));
    // Only what runs or is read: no sources, tests, source maps (their sources are not shipped), lockfile or node_modules.
    expect(paths.filter((path) => !/^(dist|examples|docs)\//.test(path) && !['package.json', 'README.md', 'LICENSE'].includes(path))).toEqual([]);
    expect(paths.filter((path) => path.endsWith('.map') || path.endsWith('.ts'))).toEqual([]);

    const prefix = join(work, 'prefix');
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', join(work, packed.filename)], { cwd: work, env: NPM_ENV, timeout: 150_000 });
    const installed = join(prefix, 'lib', 'node_modules', 'netfence');
    const dependencies = readdirSync(join(installed, 'node_modules'));
    expect(dependencies).toEqual(expect.arrayContaining(['fastify', 'pino', 'yaml', '@kubernetes']));
    expect(dependencies.filter((name) => ['vitest', 'typescript', 'fast-check', 'supertest', 'autocannon'].includes(name)), 'no devDependency').toEqual([]);

    // Elsewhere: a directory that is not the checkout, with no kubeconfig.
    const elsewhere = mkdtempSync(join(tmpdir(), 'netfence-elsewhere-'));
    const { KUBECONFIG: _kubeconfig, KUBERNETES_SERVICE_HOST: _host, ...env } = process.env;
    const options = { cwd: elsewhere, env: { ...env, HOME: elsewhere, NO_COLOR: '1' } };
    const netfence = join(prefix, 'bin', 'netfence');
    expect((await run(netfence, ['--version'], options)).stdout.trim()).toBe(VERSION);

    // An example manifest, read relative to that directory, in one of the example cluster's namespaces.
    copyFileSync(join(installed, 'examples', 'manifests', 'allow-all-ingress.yaml'), join(elsewhere, 'allow-all-ingress.yaml'));
    const checked = await run(netfence, ['check', '--state', join(installed, 'examples', 'cluster'), '-n', 'team-a', 'allow-all-ingress.yaml', '--json'], options).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    expect(checked.code).toBe(1);
    const result = JSON.parse(checked.stdout) as { denied: boolean; findings: { rule: string }[] };
    expect(result.denied).toBe(true);
    expect(result.findings.map((finding) => finding.rule)).toContain('allow-all');

    // serve with no cluster and no --state serves the example cluster bundled in the package.
    const served = spawn(netfence, ['serve', '--host', '127.0.0.1', '--port', '0', '--certs-dir', join(elsewhere, 'certs'), '--log-format', 'json'], { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    served.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    served.stderr.resume();
    const exited = new Promise<number | null>((resolve) => served.once('exit', (code) => resolve(code)));
    try {
      await until(() => stdout.includes('"msg":"netfence is serving"'), 'the installed netfence to serve', 30_000);
      const standalone = stdout
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line['msg'] === 'standalone: serving a state from files');
      expect(standalone?.['state']).toBe(join(installed, 'dist', 'cli', '..', '..', 'examples', 'cluster'));
    } finally {
      served.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  }, 240_000);
});
