import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSelfSigned } from '../../src/certs/certificate-files.js';

/**
 * Standalone certificates: generated once, reused; when a name is missing or the serving certificate
 * runs out, issued again by the same CA (a registered caBundle keeps matching); a new CA only when
 * there is none that can sign, and then it says why.
 */

describe('ensureSelfSigned', () => {
  it('generates a CA and a serving certificate chained to it, for localhost and the given names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const tls = await ensureSelfSigned(dir, ['netfence.netfence.svc', '192.0.2.7']);
    expect(tls.change).toEqual({ kind: 'new-ca', reason: `no CA in ${dir} yet`, replaced: false });
    const cert = new X509Certificate(tls.cert);
    const ca = new X509Certificate(tls.ca ?? '');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    for (const name of ['localhost', 'netfence.netfence.svc']) expect(cert.checkHost(name)).toBe(name);
    for (const ip of ['127.0.0.1', '192.0.2.7']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extended key usage: serverAuth only
    expect(statSync(join(dir, 'tls.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'ca.key')).mode & 0o777).toBe(0o600);
    expect(ca.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'ca.key'))))).toBe(true);
  });

  it('reuses what it generated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    const again = await ensureSelfSigned(dir, []);
    expect(again.change).toEqual({ kind: 'reused' });
    expect(again.cert).toBe(first.cert);
    expect(again.ca).toBe(first.ca);
  });

  it('keeps the CA when asked for a name the certificate lacks, and issues the serving certificate again, naming what it added', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    await ensureSelfSigned(dir, ['a.example.test']);
    const caBefore = readFileSync(join(dir, 'ca.crt'));
    const caKeyBefore = readFileSync(join(dir, 'ca.key'));
    const wider = await ensureSelfSigned(dir, ['a.example.test', 'b.example.test', '192.0.2.8']);
    expect(wider.change).toEqual({ kind: 'reissued', reason: `${join(dir, 'tls.crt')} lacks b.example.test, 192.0.2.8`, added: ['b.example.test', '192.0.2.8'] });
    expect(readFileSync(join(dir, 'ca.crt')).equals(caBefore)).toBe(true);
    expect(readFileSync(join(dir, 'ca.key')).equals(caKeyBefore)).toBe(true);
    const cert = new X509Certificate(readFileSync(join(dir, 'tls.crt')));
    const ca = new X509Certificate(caBefore);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    for (const name of ['localhost', 'a.example.test', 'b.example.test']) expect(cert.checkHost(name)).toBe(name);
    expect(cert.checkIP('192.0.2.8')).toBe('192.0.2.8');
    expect(cert.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'tls.key'))))).toBe(true);
    expect(statSync(join(dir, 'tls.key')).mode & 0o777).toBe(0o600);
    // Fewer names than the certificate has: it still serves them all, so nothing changes.
    expect((await ensureSelfSigned(dir, ['a.example.test'])).change).toEqual({ kind: 'reused' });
  });

  it('issues the serving certificate again with the same CA when it expires within a day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    const later = new Date(Date.now() + 365 * 86_400_000);
    const renewed = await ensureSelfSigned(dir, [], later);
    expect(renewed.change).toMatchObject({ kind: 'reissued', added: [] });
    expect(renewed.ca).toBe(first.ca);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(later.getTime() + 300 * 86_400_000);
  });

  it('issues the serving certificate again when it does not belong to the CA or its key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    const other = await ensureSelfSigned(mkdtempSync(join(tmpdir(), 'netfence-certs-')), []);
    writeFileSync(join(dir, 'tls.crt'), other.cert);
    expect((await ensureSelfSigned(dir, [])).change).toEqual({ kind: 'reissued', reason: `${join(dir, 'tls.crt')} was not signed by ${join(dir, 'ca.crt')}`, added: [] });
    writeFileSync(join(dir, 'tls.key'), other.key);
    expect((await ensureSelfSigned(dir, [])).change).toEqual({ kind: 'reissued', reason: `${join(dir, 'tls.key')} is not the key of ${join(dir, 'tls.crt')}`, added: [] });
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(first.ca);
  });

  it.each([
    ['ca.key is missing (netfence certs, or an older netfence, keeps none)', (dir: string) => rmSync(join(dir, 'ca.key')), (dir: string) => `${join(dir, 'ca.key')} is missing, so ${join(dir, 'ca.crt')} cannot sign`],
    ['ca.crt does not parse', (dir: string) => writeFileSync(join(dir, 'ca.crt'), 'not a certificate'), (dir: string) => `${join(dir, 'ca.crt')} or ${join(dir, 'ca.key')} does not parse`],
    ['ca.key belongs to another CA', (dir: string) => writeFileSync(join(dir, 'ca.key'), readFileSync(join(dir, 'tls.key'))), (dir: string) => `${join(dir, 'ca.key')} is not the key of ${join(dir, 'ca.crt')}`],
  ])('makes a new CA, saying why, when %s', async (_case, breakIt, reason) => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    breakIt(dir);
    const next = await ensureSelfSigned(dir, ['b.example.test']);
    expect(next.change).toMatchObject({ kind: 'new-ca', replaced: true });
    expect(next.change.kind === 'new-ca' ? next.change.reason : '').toContain(reason(dir));
    expect(next.ca).not.toBe(first.ca);
    const cert = new X509Certificate(next.cert);
    expect(cert.verify(new X509Certificate(next.ca).publicKey)).toBe(true);
    expect(cert.checkHost('b.example.test')).toBe('b.example.test');
    expect((await ensureSelfSigned(dir, ['b.example.test'])).change).toEqual({ kind: 'reused' });
  });

  it('makes a new CA when the CA expires within a day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    const expiry = Date.parse(new X509Certificate(first.ca).validTo);
    const next = await ensureSelfSigned(dir, [], new Date(expiry - 3_600_000));
    expect(next.change).toEqual({ kind: 'new-ca', reason: `the CA in ${join(dir, 'ca.crt')} expires ${new Date(expiry).toISOString()}`, replaced: true });
    expect(next.ca).not.toBe(first.ca);
  });
});
