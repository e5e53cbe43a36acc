import { X509Certificate } from 'node:crypto';
import { generateCa, issueServingCertificate } from './generate-certificates.js';
import type { KeyPairPem } from './generate-certificates.js';

/**
 * Self-managed certificates and their rotation, as pure decisions over what is stored (the
 * Secret's contents) and the time. The CA that signs the serving certificate must be in the
 * caBundle of the webhook configurations before any replica serves that certificate, and an old CA
 * may leave the bundle only once no replica serves a certificate it signed. So a CA is rotated in
 * three steps, each a write of the Secret: (1) a next CA joins the bundle; (2) after `overlapMs`
 * (the bundle has reached every API server) the serving certificate is issued by the next CA,
 * which becomes current; (3) once every replica serves the new certificate (and `overlapMs` has
 * passed again), the old CA leaves the bundle. A serving certificate alone is renewed by the
 * current CA, already trusted, in one step.
 */

/** StoredCertificates are the PEMs netfence keeps in its Secret. */
export interface StoredCertificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** bundle is the caBundle: the current CA, and during a rotation the other one. */
  readonly bundle: readonly string[];
  readonly nextCaCert?: string;
  readonly nextCaKey?: string;
  /** bundleChangedAt: when a CA last joined the bundle (ms). */
  readonly bundleChangedAt?: number;
  /** servingChangedAt: when the serving certificate last changed issuer (ms). */
  readonly servingChangedAt?: number;
}

/** RotationPolicy says how long certificates live and when they are renewed. */
export interface RotationPolicy {
  readonly caDays: number;
  readonly servingDays: number;
  /** renewFraction: renew a certificate when less than this fraction of its life is left. */
  readonly renewFraction: number;
  /** overlapMs: how long a bundle change is given to reach every API server, and replicas to reload. */
  readonly overlapMs: number;
}

/** DEFAULT_ROTATION: a CA for 10 years, serving certificates for a year, renewed with a third of their life left. */
export const DEFAULT_ROTATION: RotationPolicy = { caDays: 3650, servingDays: 365, renewFraction: 1 / 3, overlapMs: 5 * 60_000 };

/** ServingNames are the names and addresses the API server calls netfence by. */
export interface ServingNames {
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
}

/** RotationStep is what to do now: nothing, or write these certificates (and why). */
export type RotationStep = { readonly kind: 'none' } | { readonly kind: 'write'; readonly next: StoredCertificates; readonly reason: string };

const DAY_MS = 24 * 60 * 60 * 1000;

function due(pem: string, fraction: number, now: number): boolean {
  const certificate = new X509Certificate(pem);
  const from = new Date(certificate.validFrom).getTime();
  const to = new Date(certificate.validTo).getTime();
  return to - now < (to - from) * fraction;
}

function issuedBy(leaf: string, ca: string): boolean {
  const certificate = new X509Certificate(leaf);
  const authority = new X509Certificate(ca);
  return certificate.checkIssued(authority) && certificate.verify(authority.publicKey);
}

function covers(leaf: string, names: ServingNames): boolean {
  const certificate = new X509Certificate(leaf);
  return names.dnsNames.every((name) => certificate.checkHost(name, { wildcards: false }) === name) && names.ips.every((ip) => certificate.checkIP(ip) === ip);
}

function serving(ca: KeyPairPem, names: ServingNames, policy: RotationPolicy, now: number): { tlsCert: string; tlsKey: string } {
  const issued = issueServingCertificate(ca, { ...names, days: policy.servingDays, now: new Date(now) });
  return { tlsCert: issued.cert, tlsKey: issued.key };
}

/** fresh makes everything anew: a CA alone in the bundle and a serving certificate it signed. */
function fresh(names: ServingNames, policy: RotationPolicy, now: number): StoredCertificates {
  const ca = generateCa(policy.caDays, new Date(now));
  return { caCert: ca.cert, caKey: ca.key, ...serving(ca, names, policy, now), bundle: [ca.cert], bundleChangedAt: now, servingChangedAt: now };
}

/** readable says whether stored certificates parse and belong together; anything else is replaced. */
function readable(stored: StoredCertificates): boolean {
  try {
    return issuedBy(stored.tlsCert, stored.caCert) && stored.bundle.includes(stored.caCert) && (stored.nextCaCert === undefined || new X509Certificate(stored.nextCaCert).ca);
  } catch {
    return false;
  }
}

/**
 * planRotation decides the next step. `servedEverywhere` says whether every replica now serves
 * `stored.tlsCert` (undefined: not known, e.g. no replica reachable); an old CA leaves the bundle
 * only when it is true.
 */
export function planRotation(stored: StoredCertificates | undefined, names: ServingNames, policy: RotationPolicy, now: number, servedEverywhere?: boolean): RotationStep {
  if (stored === undefined) return { kind: 'write', next: fresh(names, policy, now), reason: 'no certificates yet' };
  if (!readable(stored)) return { kind: 'write', next: fresh(names, policy, now), reason: 'the stored certificates are unreadable or do not belong together' };
  const since = (time: number | undefined): number => now - (time ?? 0);

  // Step 2 of a CA rotation: the next CA has been in the bundle long enough to sign.
  if (stored.nextCaCert !== undefined && stored.nextCaKey !== undefined) {
    if (since(stored.bundleChangedAt) < policy.overlapMs) return { kind: 'none' };
    const ca = { cert: stored.nextCaCert, key: stored.nextCaKey };
    const { nextCaCert: _cert, nextCaKey: _key, ...rest } = stored;
    return { kind: 'write', next: { ...rest, caCert: ca.cert, caKey: ca.key, ...serving(ca, names, policy, now), servingChangedAt: now }, reason: 'the next CA is trusted everywhere: serving a certificate it signed' };
  }
  // Step 3: the old CA leaves the bundle once no replica serves a certificate it signed.
  if (stored.bundle.length > 1) {
    if (servedEverywhere === true && since(stored.servingChangedAt) >= policy.overlapMs) {
      return { kind: 'write', next: { ...stored, bundle: [stored.caCert] }, reason: 'every replica serves the new certificate: the old CA leaves the bundle' };
    }
  } else if (due(stored.caCert, policy.renewFraction, now)) {
    // Step 1: a next CA joins the bundle.
    const next = generateCa(policy.caDays, new Date(now));
    return { kind: 'write', next: { ...stored, nextCaCert: next.cert, nextCaKey: next.key, bundle: [stored.caCert, next.cert], bundleChangedAt: now }, reason: 'the CA is due for renewal: a next CA joins the bundle' };
  }
  const lacksName = !covers(stored.tlsCert, names);
  if (lacksName || due(stored.tlsCert, policy.renewFraction, now)) {
    const reason = lacksName ? 'the serving certificate lacks a name netfence is called by' : 'the serving certificate is due for renewal';
    return { kind: 'write', next: { ...stored, ...serving({ cert: stored.caCert, key: stored.caKey }, names, policy, now) }, reason };
  }
  return { kind: 'none' };
}

/** daysLeft is how many whole days a certificate has left, for logs. */
export function daysLeft(pem: string, now: number): number {
  return Math.floor((new Date(new X509Certificate(pem).validTo).getTime() - now) / DAY_MS);
}
