import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/cli.js';

/** `netfence certs`: a CA and a serving certificate for the Service names, with clear errors. */

describe('netfence certs', () => {
  it('writes ca.crt, tls.crt and tls.key: a serving certificate for the Service names and IPs, chained to the CA', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'netfence-certs-')), 'tls');
    const { code, out: printed } = await run('certs', '--out', out, '--service', 'netfence.platform', '--dns', 'webhook.example.test', '--ip', '10.96.0.40', '--days', '90');
    expect(code).toBe(0);
    const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
    const cert = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(out, 'tls.key'))))).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:netfence.platform.svc, DNS:netfence.platform.svc.cluster.local, DNS:webhook.example.test, IP Address:10.96.0.40');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(ca.ca).toBe(true);
    expect(cert.serialNumber).not.toBe(ca.serialNumber);
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThanOrEqual(90);
    expect(statSync(join(out, 'tls.key')).mode & 0o777).toBe(0o600);
    expect(printed).toContain(`caBundle: ${readFileSync(join(out, 'ca.crt')).toString('base64')}`);
  });

  it('never overwrites without --force', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    expect((await run('certs', '--out', out, '--dns', 'a.test')).code).toBe(0);
    const first = readFileSync(join(out, 'tls.crt'), 'utf8');
    const again = await run('certs', '--out', out, '--dns', 'a.test');
    expect(again.code).toBe(2);
    expect(again.err).toContain('ca.crt already exists (--force replaces it)');
    expect(readFileSync(join(out, 'tls.crt'), 'utf8')).toBe(first);
    expect((await run('certs', '--out', out, '--dns', 'a.test', '--force')).code).toBe(0);
    expect(readFileSync(join(out, 'tls.crt'), 'utf8')).not.toBe(first);
  });

  it.each([
    [['--dns', 'a.test'], '--out DIR is required'],
    [['--out', 'x'], 'give the names the API server calls netfence by'],
    [['--out', 'x', '--dns', 'Bad_Name'], '--dns "Bad_Name": not a DNS name'],
    [['--out', 'x', '--ip', '10.0.0.300'], '--ip "10.0.0.300": not an IPv4 or IPv6 address'],
    [['--out', 'x', '--dns', 'a.test', '--days', '5000'], '--days "5000": expected a whole number of days, 1-3650'],
    [['--out', 'x', '--service', 'netfence'], '--service "netfence": expected NAME.NAMESPACE'],
  ])('refuses %j: %s', async (args, message) => {
    const { code, err } = await run('certs', ...args);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
