import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generateCa, issueServingCertificate } from './generate-certificates.js';
import type { Certificates, KeyPairPem } from './generate-certificates.js';
import type { ServingNames } from './rotation.js';

/**
 * SelfSignedChange says what ensureSelfSigned did: served what it found; issued a new serving
 * certificate with the CA it found (a caBundle registered earlier still matches), naming the names
 * the old one lacked; or made a new CA (a caBundle registered earlier no longer matches), and why.
 */
export type SelfSignedChange =
  | { readonly kind: 'reused' }
  | { readonly kind: 'reissued'; readonly reason: string; readonly added: readonly string[] }
  | { readonly kind: 'new-ca'; readonly reason: string; readonly replaced: boolean };

/** SelfSigned is a serving certificate and key, the CA a caBundle needs, and what changed to get them. */
export interface SelfSigned {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  readonly change: SelfSignedChange;
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

/**
 * certificatePaths are where a certificate directory keeps its files (as a kubernetes.io/tls Secret
 * mounts them, plus ca.crt, and for standalone serving the CA's key).
 */
export function certificatePaths(dir: string): { ca: string; caKey: string; cert: string; key: string } {
  return { ca: join(dir, 'ca.crt'), caKey: join(dir, 'ca.key'), cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') };
}

/** writeKeyFile writes a private key readable by its owner only (mode 0600, also when the file existed). */
async function writeKeyFile(path: string, pem: string): Promise<void> {
  await writeFile(path, pem, { mode: 0o600 });
  await chmod(path, 0o600);
}

/** writeCertificateFiles writes ca.crt, tls.crt and tls.key (mode 0600, also when it existed) into `dir`. */
export async function writeCertificateFiles(dir: string, generated: Certificates): Promise<void> {
  const paths = certificatePaths(dir);
  await mkdir(dir, { recursive: true });
  await writeFile(paths.ca, generated.caCert);
  await writeFile(paths.cert, generated.cert);
  await writeKeyFile(paths.key, generated.key);
}

/** SELF_SIGNED_CA_DAYS: the standalone CA outlives many serving certificates, so renewing one never changes the caBundle. */
const SELF_SIGNED_CA_DAYS = 3650;
const SELF_SIGNED_SERVING_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

/** readText reads a file, or says why it cannot (undefined when it does not exist). */
async function readText(path: string): Promise<{ text: string } | { problem: string } | undefined> {
  try {
    return { text: await readFile(path, 'utf8') };
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Found is a certificate and key read from a directory, or why they cannot be used (`existed`: something was there). */
type Found = { readonly kind: 'usable'; readonly pair: KeyPairPem } | { readonly kind: 'unusable'; readonly reason: string; readonly existed: boolean; readonly missing: readonly string[] };

const unusable = (reason: string, existed = true, missing: readonly string[] = []): Found => ({ kind: 'unusable', reason, existed, missing });

/** usableCa is the CA in `dir` if it can sign for at least another day, else why not. */
async function usableCa(dir: string, now: Date): Promise<Found> {
  const paths = certificatePaths(dir);
  const [cert, key] = await Promise.all([readText(paths.ca), readText(paths.caKey)]);
  if (cert === undefined) return unusable(`no CA in ${dir} yet`, false);
  if ('problem' in cert) return unusable(`${paths.ca} is unreadable (${cert.problem})`);
  // Directories written by `netfence certs`, or by netfence before it kept the CA's key, have none.
  if (key === undefined) return unusable(`${paths.caKey} is missing, so ${paths.ca} cannot sign`);
  if ('problem' in key) return unusable(`${paths.caKey} is unreadable (${key.problem})`);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert.text);
    if (!x509.ca) return unusable(`${paths.ca} is not a CA certificate`);
    if (!x509.checkPrivateKey(createPrivateKey(key.text))) return unusable(`${paths.caKey} is not the key of ${paths.ca}`);
  } catch (error) {
    return unusable(`${paths.ca} or ${paths.caKey} does not parse (${error instanceof Error ? error.message : String(error)})`);
  }
  const expires = new Date(x509.validTo);
  if (expires.getTime() - now.getTime() <= DAY_MS) return unusable(`the CA in ${paths.ca} ${expires <= now ? 'expired' : 'expires'} ${expires.toISOString()}`);
  return { kind: 'usable', pair: { cert: cert.text, key: key.text } };
}

/**
 * usableServing is the serving certificate in `dir` if it can be served as it is: signed by `ca`,
 * with its key, every requested name and at least a day left. Else why not, and the names it lacks.
 */
async function usableServing(dir: string, ca: string, names: ServingNames, now: Date): Promise<Found> {
  const paths = certificatePaths(dir);
  const [cert, key] = await Promise.all([readText(paths.cert), readText(paths.key)]);
  if (cert === undefined || key === undefined) return unusable(`no serving certificate in ${dir} yet`, false);
  if ('problem' in cert || 'problem' in key) return unusable(`${paths.cert} or ${paths.key} is unreadable`);
  try {
    const x509 = new X509Certificate(cert.text);
    const authority = new X509Certificate(ca);
    if (!x509.checkIssued(authority) || !x509.verify(authority.publicKey)) return unusable(`${paths.cert} was not signed by ${paths.ca}`);
    if (!x509.checkPrivateKey(createPrivateKey(key.text))) return unusable(`${paths.key} is not the key of ${paths.cert}`);
    const missing = [...names.dnsNames.filter((name) => x509.checkHost(name) === undefined), ...names.ips.filter((ip) => x509.checkIP(ip) === undefined)];
    if (missing.length > 0) return unusable(`${paths.cert} lacks ${missing.join(', ')}`, true, missing);
    const expires = new Date(x509.validTo);
    if (expires.getTime() - now.getTime() <= DAY_MS) return unusable(`${paths.cert} ${expires <= now ? 'expired' : 'expires'} ${expires.toISOString()}`);
  } catch (error) {
    return unusable(`${paths.cert} or ${paths.key} does not parse (${error instanceof Error ? error.message : String(error)})`);
  }
  return { kind: 'usable', pair: { cert: cert.text, key: key.text } };
}

/**
 * ensureSelfSigned serves from `dir` (ca.crt and ca.key, tls.crt and tls.key) for standalone use:
 * a serving certificate valid for localhost, 127.0.0.1 and ::1 plus the given names and addresses,
 * for a year, signed by a CA of ten years. A serving certificate that lacks a requested name,
 * expires within a day or does not belong to the CA is issued again by the same CA, so a caBundle
 * registered earlier keeps matching; a new CA is made only when there is none that can sign (no
 * ca.crt, no or a wrong ca.key, unreadable, expiring within a day), and the change says why. The
 * CA's key sits beside tls.key (mode 0600): whoever reads either can pose as this webhook.
 */
export async function ensureSelfSigned(dir: string, names: readonly string[], now: Date = new Date()): Promise<SelfSigned> {
  const paths = certificatePaths(dir);
  const sans = splitSans(names);
  const dnsNames = ['localhost', ...sans.dnsNames];
  const ips = ['127.0.0.1', '::1', ...sans.ips];
  const request = { dnsNames, ips, days: SELF_SIGNED_SERVING_DAYS, now };
  const foundCa = await usableCa(dir, now);
  if (foundCa.kind === 'unusable') {
    const ca = generateCa(SELF_SIGNED_CA_DAYS, now);
    const serving = issueServingCertificate(ca, request);
    await mkdir(dir, { recursive: true });
    await writeKeyFile(paths.caKey, ca.key);
    await writeFile(paths.ca, ca.cert);
    await writeFile(paths.cert, serving.cert);
    await writeKeyFile(paths.key, serving.key);
    return { cert: serving.cert, key: serving.key, ca: ca.cert, change: { kind: 'new-ca', reason: foundCa.reason, replaced: foundCa.existed } };
  }
  const ca = foundCa.pair;
  const foundServing = await usableServing(dir, ca.cert, { dnsNames, ips }, now);
  if (foundServing.kind === 'usable') return { ...foundServing.pair, ca: ca.cert, change: { kind: 'reused' } };
  const serving = issueServingCertificate(ca, request);
  await writeFile(paths.cert, serving.cert);
  await writeKeyFile(paths.key, serving.key);
  return { cert: serving.cert, key: serving.key, ca: ca.cert, change: { kind: 'reissued', reason: foundServing.reason, added: foundServing.missing } };
}
