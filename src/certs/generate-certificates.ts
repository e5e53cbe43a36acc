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

/**
 * generateCertificates makes a CA and a serving certificate with node-forge: RSA 2048, SHA-256,
 * random serials, the CA limited to signing (keyCertSign, cRLSign, pathlen 0), the serving
 * certificate to TLS servers (digitalSignature, keyEncipherment, serverAuth) for the given SANs.
 */
export function generateCertificates(request: CertificateRequest): Certificates {
  const now = request.now ?? new Date();
  const ca = rsaKeys();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = randomSerial();
  validity(caCert, now, request.days);
  const caSubject = [{ name: 'commonName', value: 'netfence-ca' }, { name: 'organizationName', value: 'netfence' }];
  caCert.setSubject(caSubject);
  caCert.setIssuer(caSubject);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.privateKey, forge.md.sha256.create());

  const leaf = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = leaf.publicKey;
  cert.serialNumber = randomSerial();
  validity(cert, now, request.days);
  cert.setSubject([{ name: 'commonName', value: request.dnsNames[0] ?? request.ips[0] ?? 'netfence' }]);
  cert.setIssuer(caSubject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...request.dnsNames.map((value) => ({ type: 2, value })), ...request.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.privateKey, forge.md.sha256.create());

  return {
    caCert: forge.pki.certificateToPem(caCert),
    caKey: forge.pki.privateKeyToPem(ca.privateKey),
    cert: forge.pki.certificateToPem(cert),
    key: forge.pki.privateKeyToPem(leaf.privateKey),
  };
}
