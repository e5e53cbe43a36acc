import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { until } from '../support/until.js';
import { startNode } from '../support/child.js';
import type { NodeChild } from '../support/child.js';

/**
 * `netfence serve` refuses a bad command line before it listens: one line on stderr naming the
 * flag and the value, exit code 2. Started as the built CLI, it says where it listens, a port it
 * cannot have in one line, and what it did to the certificates in --certs-dir. (Serving itself is
 * tested over HTTPS in test/server.)
 */

async function run(...argv: string[]): Promise<{ code: number; err: string }> {
  const err: string[] = [];
  const code = await runCli(argv, { stdout: () => undefined, stderr: (text) => err.push(text) });
  return { code, err: err.join('\n') };
}

const STATE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');

describe('netfence serve flags', () => {
  it.each([
    [['--port', '70000'], '--port "70000": expected a TCP port 0-65535'],
    [['--shutdown-delay', 'soon'], '--shutdown-delay "soon": expected seconds, 0-300'],
    [['--tls-cert', 'tls.crt'], '--tls-cert and --tls-key go together'],
    [['--tls-secret', 'Netfence_TLS'], '--tls-secret "Netfence_TLS": not an object name'],
    [['--webhook-configuration', 'net fence'], '--webhook-configuration "net fence": not an object name'],
    [['--service', 'netfence.netfence'], '--service "netfence.netfence": not a Service name'],
    [['--service', '9netfence'], '--service "9netfence": not a Service name'],
    [['--san', 'webhook.example.test', '--san', 'not a name'], '--san "not a name": neither a DNS name nor an IP address'],
  ])('refuses %j', async (flags, message) => {
    const { code, err } = await run('serve', '--state', STATE, ...flags);
    expect(code).toBe(2);
    expect(err).toContain(`netfence serve: ${message}`);
    expect(err).toContain('Usage: netfence serve');
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses a client CA file that is not a certificate, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-serve-flags-'));
    const ca = join(dir, 'ca.crt');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const { code, err } = await run('serve', '--state', STATE, '--certs-dir', join(dir, 'certs'), '--client-ca', ca);
    expect(code).toBe(2);
    expect(err).toContain(`netfence serve: --client-ca ${ca}: not a PEM X.509 certificate`);
  });

  it('accepts IP addresses and wildcard DNS names as --san', async () => {
    // A command line whose flags are fine fails later, here on the missing client CA file.
    const missing = join(mkdtempSync(join(tmpdir(), 'netfence-serve-flags-')), 'missing.crt');
    const { code, err } = await run('serve', '--state', STATE, '--san', '10.0.0.1', '--san', '*.example.test', '--san', 'fd00::1', '--client-ca', missing);
    expect(code).toBe(2);
    expect(err).toContain(`netfence serve: --client-ca ${missing}: cannot read`);
  });
});

describe('netfence serve --help', () => {
  it('explains the options, --host among them', async () => {
    const out: string[] = [];
    expect(await runCli(['serve', '--help'], { stdout: (text) => out.push(text), stderr: () => undefined })).toBe(0);
    expect(out.join('\n')).toMatch(/\n {2}--host ADDR +the address to listen on: 0\.0\.0\.0 every IPv4 interface, :: every interface/);
  });
});

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

/** Served is a `netfence serve` process: what it has written, and its exit. */
type Served = NodeChild;

const children: ChildProcess[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const server of servers.splice(0)) server.close();
});

function serve(...args: string[]): Served {
  const served = startNode([BIN, 'serve', '--state', STATE, ...args]);
  children.push(served.child);
  return served;
}

/** logLine is the first log line with this message, as an object. */
function logLine(served: Served, msg: string): Record<string, unknown> | undefined {
  const line = served.stdout().split('\n').find((text) => text.includes(`"msg":${JSON.stringify(msg)}`));
  return line === undefined ? undefined : JSON.parse(line);
}

/** serving waits for the 'netfence is serving' line (and the CA printed after it). */
async function serving(served: Served): Promise<Record<string, unknown>> {
  await until(() => logLine(served, 'netfence is serving') !== undefined && served.stderr().includes('Try: curl'), 'netfence serve to listen', 15_000);
  return logLine(served, 'netfence is serving') ?? {};
}

async function stop(served: Served): Promise<void> {
  served.child.kill('SIGINT');
  expect(await served.exited).toBe(0);
}

function healthz(port: number, ca: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz', ca }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on('error', reject);
  });
}

describe('netfence serve, started', () => {
  it('logs the address it is bound to, 0.0.0.0 by default, and where that answers', async () => {
    const certs = join(mkdtempSync(join(tmpdir(), 'netfence-serve-')), 'certs');
    const served = serve('--port', '0', '--certs-dir', certs);
    const line = await serving(served);
    const port = Number(/^https:\/\/0\.0\.0\.0:(\d+)$/.exec(String(line['address']))?.[1]);
    expect(port).toBeGreaterThan(0);
    expect(line['reachableAt']).toContain(`https://127.0.0.1:${port}`);
    expect(await healthz(port, readFileSync(join(certs, 'ca.crt'), 'utf8'))).toBe(200);
    expect(served.stderr()).toContain(`Try: curl --cacert ${certs}/ca.crt https://localhost:${port}/healthz`);
    await stop(served);
  });

  it('refuses a port in use with one line naming it and what to do, exit 2', async () => {
    const taken = createServer();
    servers.push(taken);
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    if (address === null || typeof address === 'string') throw new Error('the occupying server has no port');
    const { port } = address;
    const served = serve('--host', '127.0.0.1', '--port', String(port), '--certs-dir', join(mkdtempSync(join(tmpdir(), 'netfence-serve-')), 'certs'));
    expect(await served.exited).toBe(2);
    expect(served.stderr()).toBe(`netfence serve: port ${port} on 127.0.0.1 is already in use (another netfence?): stop it, or choose another port with --port\n`);
  });

  it('keeps the CA when --san changes between starts: the serving certificate is issued again, and it says which names it added', async () => {
    const certs = join(mkdtempSync(join(tmpdir(), 'netfence-serve-')), 'certs');
    const first = serve('--host', '127.0.0.1', '--port', '0', '--certs-dir', certs, '--san', 'a.example.test');
    await serving(first);
    const firstBundle = /caBundle for a webhook configuration:\n(\S+)\n/.exec(first.stderr())?.[1];
    expect(firstBundle).toBeDefined();
    await stop(first);
    const ca = readFileSync(join(certs, 'ca.crt'));

    const second = serve('--host', '127.0.0.1', '--port', '0', '--certs-dir', certs, '--san', 'a.example.test', '--san', 'b.example.test');
    await serving(second);
    expect(readFileSync(join(certs, 'ca.crt')).equals(ca)).toBe(true);
    expect(second.stderr()).toContain('Issued a new serving certificate for the added names b.example.test, signed by the same CA: a caBundle registered earlier still matches.');
    expect(second.stderr()).toContain(`caBundle for a webhook configuration:\n${firstBundle}\n`);
    expect(logLine(second, 'certificates: issued a new serving certificate with the same CA; a caBundle registered earlier still matches')).toMatchObject({ certsDir: certs, added: ['b.example.test'] });
    const cert = new X509Certificate(readFileSync(join(certs, 'tls.crt')));
    expect(cert.checkHost('b.example.test')).toBe('b.example.test');
    expect(cert.verify(new X509Certificate(ca).publicKey)).toBe(true);
    await stop(second);
  });
});
