import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';

/**
 * TlsMaterial is what the server presents: a certificate chain and its key (PEM), and optionally
 * the CA that client certificates must chain to (mTLS: the API server's client certificate).
 */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  readonly clientCa?: string;
}

/**
 * TlsSource hands out the material to serve now and tells when it changes (a mounted Secret
 * updated by cert-manager, a rotation): the server swaps its secure context for new handshakes,
 * and connections already open finish on the old one, so no request is dropped.
 */
export interface TlsSource {
  current(): TlsMaterial;
  onChange(listener: (material: TlsMaterial) => void): void;
}

/** staticTls is a source that never changes. */
export function staticTls(material: TlsMaterial): TlsSource {
  return { current: () => material, onChange: () => undefined };
}

/** secureContextOptions are the TLS settings for the material: TLS 1.2 at least, the client CA if any. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { key: material.key, cert: material.cert, minVersion: 'TLSv1.2', ...(material.clientCa === undefined ? {} : { ca: material.clientCa }) };
}

/** sameTlsMaterial says whether two materials would serve the same: same pair, same client CA. */
export function sameTlsMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return a.cert === b.cert && a.key === b.key && a.clientCa === b.clientCa;
}

/** TlsMaterialError says why material cannot be served; the server keeps what it has. */
export class TlsMaterialError extends Error {
  override readonly name = 'TlsMaterialError';
}

/**
 * checkTlsMaterial refuses material that would break handshakes: a certificate or key that does
 * not parse, a key that is not the certificate's, a certificate that has expired, a client CA that
 * is not a certificate. `where` names the source in the message.
 */
export function checkTlsMaterial(material: TlsMaterial, where: string, now: Date = new Date()): void {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.cert);
  } catch {
    throw new TlsMaterialError(`${where}: the certificate is not a PEM X.509 certificate`);
  }
  let key;
  try {
    key = createPrivateKey(material.key);
  } catch {
    throw new TlsMaterialError(`${where}: the key is not a PEM private key`);
  }
  if (!certificate.checkPrivateKey(key)) throw new TlsMaterialError(`${where}: the key does not belong to the certificate`);
  if (new Date(certificate.validTo).getTime() <= now.getTime()) throw new TlsMaterialError(`${where}: the certificate expired on ${certificate.validTo}`);
  if (material.clientCa !== undefined && !isCertificate(material.clientCa)) throw new TlsMaterialError(`${where}: the client CA is not a PEM X.509 certificate`);
}

/** isCertificate says whether a text is a PEM X.509 certificate (the first of a bundle). */
export function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
