import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generateCertificates } from './generate-certificates.js';
import type { Certificates } from './generate-certificates.js';

/** SelfSigned is a generated serving certificate and key, and the CA a caBundle needs. */
export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly generated: boolean;
}

/** serviceDnsNames are the names the API server calls a Service by: NAME.NAMESPACE.svc and its cluster-local form. */
export function serviceDnsNames(service: string, namespace: string): [string, string] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

// A DNS name as a SAN: RFC 1123 labels, optionally a leading `*.` wildcard label.
const SAN_DNS_NAME = /^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** isSanDnsName says whether a name can be a certificate's DNS subject alternative name. */
export function isSanDnsName(name: string): boolean {
  return name.length <= 253 && SAN_DNS_NAME.test(name);
}

/** splitSans sorts subject alternative names into DNS names and IP addresses. */
export function splitSans(names: readonly string[]): { dnsNames: string[]; ips: string[] } {
  return { dnsNames: names.filter((name) => isIP(name) === 0), ips: names.filter((name) => isIP(name) !== 0) };
}

/** certificatePaths are where a certificate directory keeps its files (as a kubernetes.io/tls Secret mounts them, plus ca.crt). */
export function certificatePaths(dir: string): { ca: string; cert: string; key: string } {
  return { ca: join(dir, 'ca.crt'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

/** writeCertificateFiles writes ca.crt, tls.crt and tls.key (mode 0600, also when it existed) into `dir`. */
export async function writeCertificateFiles(dir: string, generated: Certificates): Promise<void> {
  const paths = certificatePaths(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(paths.ca, generated.caCert);
  await writeFile(paths.cert, generated.cert);
  await writeFile(paths.key, generated.key, { mode: 0o600 });
  await chmod(paths.key, 0o600);
}

/**
 * ensureSelfSigned serves from `dir` (ca.crt, tls.crt, tls.key), generating them on first start
 * for standalone use: valid for localhost, 127.0.0.1 and ::1 plus the given names and addresses,
 * for a year. A certificate that expires within a day, or lacks a requested name, is replaced.
 */
export async function ensureSelfSigned(dir: string, names: readonly string[], now: Date = new Date()): Promise<SelfSigned> {
  const paths = certificatePaths(dir);
  const sans = splitSans(names);
  const dnsNames = ['localhost', ...sans.dnsNames];
  const ips = ['127.0.0.1', '::1', ...sans.ips];
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
  await writeCertificateFiles(dir, generated);
  return { cert: generated.cert, key: generated.key, ca: generated.caCert, generated: true };
}
