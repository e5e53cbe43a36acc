import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

/** CertificateRequest is what a serving certificate is for. */
export interface CertificateRequest {
  readonly dnsNames: readonly string[];
  readonly ips: readonly string[];
  readonly days: number;
  readonly now?: Date;
}

/** Certificates are PEM-encoded: a CA, and a serving certificate and key signed by it. */
export interface Certificates {
  readonly caCert: string;
  readonly caKey: string;
  readonly cert: string;
  readonly key: string;
}

function rsaKeys(): forge.pki.rsa.KeyPair {
  // Node's native RSA key generation (milliseconds), handed to node-forge for the certificates.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey);
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

/** unix ends PEM lines with \n (node-forge writes \r\n), as openssl and Kubernetes tools do. */
function unix(pem: string): string {
  return pem.replace(/\r\n/g, '\n');
}

/** randomSerial is a positive 128-bit serial number, as RFC 5280 asks (unique, unpredictable). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validity(certificate: forge.pki.Certificate, now: Date, days: number): void {
  certificate.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000); // tolerate clock skew
  certificate.validity.notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
}

/** KeyPairPem is a certificate and its private key, PEM-encoded. */
export interface KeyPairPem {
  readonly cert: string;
  readonly key: string;
}

const CA_SUBJECT = [
  { name: 'commonName', value: 'netfence-ca' },
  { name: 'organizationName', value: 'netfence' },
];

/**
 * generateCa makes a certificate authority with node-forge: RSA 2048, SHA-256, a random serial,
 * limited to signing (keyCertSign, cRLSign, pathlen 0).
 */
export function generateCa(days: number, now: Date = new Date()): KeyPairPem {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, now, days);
  cert.setSubject(CA_SUBJECT);
  cert.setIssuer(CA_SUBJECT);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: unix(forge.pki.certificateToPem(cert)), key: unix(forge.pki.privateKeyToPem(keys.privateKey)) };
}

/**
 * issueServingCertificate signs a TLS server certificate with a CA: RSA 2048, SHA-256, a random
 * serial, digitalSignature and keyEncipherment, serverAuth only, the given names and addresses as
 * SANs, and never valid beyond its CA.
 */
export function issueServingCertificate(ca: KeyPairPem, request: CertificateRequest): KeyPairPem {
  const now = request.now ?? new Date();
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, now, request.days);
  if (cert.validity.notAfter > caCert.validity.notAfter) cert.validity.notAfter = caCert.validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: request.dnsNames[0] ?? request.ips[0] ?? 'netfence' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...request.dnsNames.map((value) => ({ type: 2, value })), ...request.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: unix(forge.pki.certificateToPem(cert)), key: unix(forge.pki.privateKeyToPem(keys.privateKey)) };
}

/** generateCertificates makes a CA and a serving certificate signed by it, both for `days`. */
export function generateCertificates(request: CertificateRequest): Certificates {
  const ca = generateCa(request.days, request.now);
  const serving = issueServingCertificate(ca, request);
  return { caCert: ca.cert, caKey: ca.key, cert: serving.cert, key: serving.key };
}
