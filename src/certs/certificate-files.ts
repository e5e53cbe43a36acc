import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCertificates } from './generate-certificates.js';

/** SelfSigned is a generated serving certificate and key, and the CA a caBundle needs. */
export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly generated: boolean;
}

const IP = /^[\d.]+$|:/;

/**
 * ensureSelfSigned serves from `dir` (ca.crt, tls.crt, tls.key), generating them on first start
 * for standalone use: valid for localhost, 127.0.0.1 and ::1 plus the given names and addresses,
 * for a year. A certificate that expires within a day, or lacks a requested name, is replaced.
 */
export async function ensureSelfSigned(dir: string, names: readonly string[], now: Date = new Date()): Promise<SelfSigned> {
  const paths = { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
  const dnsNames = ['localhost', ...names.filter((name) => !IP.test(name))];
  const ips = ['127.0.0.1', '::1', ...names.filter((name) => IP.test(name))];
  try {
    const [ca, cert, key] = await Promise.all([readFile(paths.ca, 'utf8'), readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
    const x509 = new X509Certificate(cert);
    const fresh = new Date(x509.validTo).getTime() - now.getTime() > 24 * 60 * 60 * 1000;
    const covers = dnsNames.every((name) => x509.checkHost(name) !== undefined) && ips.every((ip) => x509.checkIP(ip) !== undefined);
    if (fresh && covers) return { cert, key, ca, generated: false };
  } catch {
    // missing or unreadable: generate below
  }
  const generated = generateCertificates({ dnsNames, ips, days: 365, now });
  await mkdir(dir, { recursive: true });
  await writeFile(paths.ca, generated.caCert);
  await writeFile(paths.cert, generated.cert);
  await writeFile(paths.key, generated.key, { mode: 0o600 });
  await chmod(paths.key, 0o600);
  return { cert: generated.cert, key: generated.key, ca: generated.caCert, generated: true };
}
