import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROTATION, planRotation } from '../../src/certs/rotation.js';
import type { StoredCertificates } from '../../src/certs/rotation.js';

/**
 * Rotation over decades of simulated time, checked every day as the leader would: the certificate
 * a replica serves is always valid and trusted by the caBundle, and so is the one a replica that
 * has not reloaded yet still serves, so no handshake ever fails across a rotation.
 */

const DAY = 24 * 60 * 60 * 1000;
const NAMES = { dnsNames: ['netfence.netfence.svc', 'netfence.netfence.svc.cluster.local'], ips: [] };
const START = Date.parse('2026-01-01T00:00:00Z');

const trusts = (bundle: readonly string[], leaf: string, now: number): boolean => {
  const certificate = new X509Certificate(leaf);
  const valid = Date.parse(certificate.validFrom) <= now && now < Date.parse(certificate.validTo);
  return valid && bundle.some((pem) => certificate.checkIssued(new X509Certificate(pem)) && certificate.verify(new X509Certificate(pem).publicKey));
};

describe('planRotation', () => {
  it('creates a CA and a serving certificate for the names, then leaves them alone', () => {
    const first = planRotation(undefined, NAMES, DEFAULT_ROTATION, START);
    expect(first.kind).toBe('write');
    if (first.kind !== 'write') return;
    const leaf = new X509Certificate(first.next.tlsCert);
    expect(leaf.checkHost('netfence.netfence.svc')).toBe('netfence.netfence.svc');
    expect(first.next.bundle).toEqual([first.next.caCert]);
    expect(planRotation(first.next, NAMES, DEFAULT_ROTATION, START + DAY).kind).toBe('none');
  });

  it('reissues the serving certificate when a name is missing, and replaces what does not belong together', () => {
    const first = planRotation(undefined, NAMES, DEFAULT_ROTATION, START);
    if (first.kind !== 'write') throw new Error('expected a write');
    const wider = planRotation(first.next, { dnsNames: [...NAMES.dnsNames, 'netfence.example.test'], ips: [] }, DEFAULT_ROTATION, START);
    expect(wider).toMatchObject({ kind: 'write', reason: 'the serving certificate lacks a name netfence is called by' });
    if (wider.kind === 'write') expect(wider.next.caCert).toBe(first.next.caCert); // same CA: no trust change needed
    const other = planRotation(undefined, NAMES, DEFAULT_ROTATION, START);
    if (other.kind !== 'write') throw new Error('expected a write');
    const mismatched: StoredCertificates = { ...first.next, tlsCert: other.next.tlsCert };
    expect(planRotation(mismatched, NAMES, DEFAULT_ROTATION, START)).toMatchObject({ kind: 'write', reason: 'the stored certificates are unreadable or do not belong together' });
  });

  it('rotates serving certificates and CAs for 4 years without a moment a replica is untrusted', () => {
    // Shorter lives (a 2-year CA, 180-day serving certificates) so that 4 years see several CA
    // rotations; the leader checks every other day, replicas reload within a day.
    const policy = { ...DEFAULT_ROTATION, caDays: 730, servingDays: 180, overlapMs: DAY };
    let stored: StoredCertificates | undefined;
    // Replicas reload within a day of a write; `lagging` is what a slow replica still serves.
    let serving = '';
    let lagging = '';
    let servedSince = START;
    const seen = { caRotations: 0, servingRenewals: 0 };
    for (let now = START; now < START + 4 * 365 * DAY; now += 2 * DAY) {
      const servedEverywhere = serving !== '' && now - servedSince >= DAY;
      if (servedEverywhere) lagging = serving;
      const step = planRotation(stored, NAMES, policy, now, servedEverywhere);
      if (step.kind === 'write') {
        if (stored !== undefined && step.next.caCert !== stored.caCert) seen.caRotations++;
        if (stored !== undefined && step.next.tlsCert !== stored.tlsCert) seen.servingRenewals++;
        stored = step.next;
        if (stored.tlsCert !== serving) {
          lagging = serving === '' ? stored.tlsCert : serving;
          serving = stored.tlsCert;
          servedSince = now;
        }
      }
      if (stored === undefined) throw new Error('nothing stored');
      expect(trusts(stored.bundle, serving, now)).toBe(true);
      expect(trusts(stored.bundle, lagging, now)).toBe(true);
    }
    expect(seen.caRotations).toBeGreaterThanOrEqual(2);
    expect(seen.servingRenewals).toBeGreaterThanOrEqual(10);
  });

  it('keeps the old CA in the bundle for as long as a replica may serve a certificate it signed', () => {
    const policy = { ...DEFAULT_ROTATION, overlapMs: DAY };
    const first = planRotation(undefined, NAMES, policy, START);
    if (first.kind !== 'write') throw new Error('expected a write');
    const caDue = START + 3000 * DAY; // less than a third of the CA's 10 years left
    const step1 = planRotation(first.next, NAMES, policy, caDue);
    expect(step1).toMatchObject({ kind: 'write', reason: 'the CA is due for renewal: a next CA joins the bundle' });
    if (step1.kind !== 'write') return;
    expect(step1.next.bundle).toHaveLength(2);
    expect(step1.next.tlsCert).toBe(first.next.tlsCert); // not yet signed by the new CA
    expect(planRotation(step1.next, NAMES, policy, caDue + DAY / 2).kind).toBe('none'); // the bundle is still spreading
    const step2 = planRotation(step1.next, NAMES, policy, caDue + DAY);
    if (step2.kind !== 'write') throw new Error('expected step 2');
    expect(step2.next.caCert).toBe(step1.next.nextCaCert);
    expect(step2.next.bundle).toHaveLength(2);
    for (const served of [undefined, false]) expect(planRotation(step2.next, NAMES, policy, caDue + 30 * DAY, served).kind).toBe('none');
    const step3 = planRotation(step2.next, NAMES, policy, caDue + 2 * DAY, true);
    expect(step3).toMatchObject({ kind: 'write', next: { bundle: [step2.next.caCert] } });
  });
});
