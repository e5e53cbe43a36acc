import { X509Certificate } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureSelfSigned } from '../../src/certs/certificate-files.js';

/** Standalone certificates: generated once, reused, replaced when a name is missing. */

describe('ensureSelfSigned', () => {
  it('generates a CA and a serving certificate chained to it, for localhost and the given names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const tls = await ensureSelfSigned(dir, ['netfence.netfence.svc', '192.0.2.7']);
    expect(tls.generated).toBe(true);
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
  });

  it('reuses what it generated, and replaces it when asked for a name it lacks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-certs-'));
    const first = await ensureSelfSigned(dir, []);
    const again = await ensureSelfSigned(dir, []);
    expect(again.generated).toBe(false);
    expect(again.cert).toBe(first.cert);
    const wider = await ensureSelfSigned(dir, ['webhook.example.test']);
    expect(wider.generated).toBe(true);
    expect(new X509Certificate(wider.cert).checkHost('webhook.example.test')).toBe('webhook.example.test');
  });
});
