import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';

/**
 * `netfence serve` refuses a bad command line before it listens: one line on stderr naming the
 * flag and the value, exit code 2. (Serving itself is tested over HTTPS in test/server.)
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
