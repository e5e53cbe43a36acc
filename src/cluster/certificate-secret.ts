import { NO_LABELS } from '../model/labels.js';
import type { StoredCertificates } from '../certs/rotation.js';
import { Fields } from '../k8s/decode.js';

/** Keys of netfence's certificate Secret (type kubernetes.io/tls, so tools recognise tls.crt and tls.key). */
const KEYS = { caCert: 'ca.crt', caKey: 'ca.key', tlsCert: 'tls.crt', tlsKey: 'tls.key', bundle: 'ca-bundle.crt', nextCaCert: 'ca-next.crt', nextCaKey: 'ca-next.key' } as const;
const BUNDLE_CHANGED_AT = 'netfence.io/bundle-changed-at';
const SERVING_CHANGED_AT = 'netfence.io/serving-changed-at';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

/** CertificateSecret is the Secret as read: its certificates (undefined when incomplete) and its resourceVersion. */
export interface CertificateSecret {
  readonly stored: StoredCertificates | undefined;
  readonly resourceVersion: string;
}

function decodeData(fields: Fields): Map<string, string> {
  const data = fields.stringMap('data') ?? NO_LABELS;
  return new Map([...data].map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

function time(text: string | undefined): number | undefined {
  const value = text === undefined ? NaN : Date.parse(text);
  return Number.isNaN(value) ? undefined : value;
}

/** decodeCertificateSecret reads the Secret; missing keys make `stored` undefined (it will be regenerated). */
export function decodeCertificateSecret(raw: unknown): CertificateSecret {
  const fields = Fields.of(raw, '');
  const metadata = fields.requiredObject('metadata');
  const annotations = metadata.stringMap('annotations') ?? NO_LABELS;
  const data = decodeData(fields);
  const [caCert, caKey, tlsCert, tlsKey, bundle] = [KEYS.caCert, KEYS.caKey, KEYS.tlsCert, KEYS.tlsKey, KEYS.bundle].map((key) => data.get(key));
  const resourceVersion = metadata.string('resourceVersion') ?? '';
  if (caCert === undefined || caKey === undefined || tlsCert === undefined || tlsKey === undefined || bundle === undefined) return { stored: undefined, resourceVersion };
  const nextCaCert = data.get(KEYS.nextCaCert);
  const nextCaKey = data.get(KEYS.nextCaKey);
  const bundleChangedAt = time(annotations.get(BUNDLE_CHANGED_AT));
  const servingChangedAt = time(annotations.get(SERVING_CHANGED_AT));
  return {
    resourceVersion,
    stored: {
      caCert,
      caKey,
      tlsCert,
      tlsKey,
      bundle: bundle.match(PEM_CERTIFICATE)?.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)) ?? [],
      ...(nextCaCert === undefined || nextCaKey === undefined ? {} : { nextCaCert, nextCaKey }),
      ...(bundleChangedAt === undefined ? {} : { bundleChangedAt }),
      ...(servingChangedAt === undefined ? {} : { servingChangedAt }),
    },
  };
}

/** certificateSecretManifest is the Secret to write for `stored`. */
export function certificateSecretManifest(name: string, namespace: string, stored: StoredCertificates, resourceVersion?: string): Record<string, unknown> {
  const base64 = (text: string): string => Buffer.from(text).toString('base64');
  const data: Record<string, string> = {
    [KEYS.caCert]: base64(stored.caCert),
    [KEYS.caKey]: base64(stored.caKey),
    [KEYS.tlsCert]: base64(stored.tlsCert),
    [KEYS.tlsKey]: base64(stored.tlsKey),
    [KEYS.bundle]: base64(caBundleOf(stored)),
  };
  if (stored.nextCaCert !== undefined && stored.nextCaKey !== undefined) {
    data[KEYS.nextCaCert] = base64(stored.nextCaCert);
    data[KEYS.nextCaKey] = base64(stored.nextCaKey);
  }
  const annotations: Record<string, string> = {};
  if (stored.bundleChangedAt !== undefined) annotations[BUNDLE_CHANGED_AT] = new Date(stored.bundleChangedAt).toISOString();
  if (stored.servingChangedAt !== undefined) annotations[SERVING_CHANGED_AT] = new Date(stored.servingChangedAt).toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, labels: { 'app.kubernetes.io/managed-by': 'netfence' }, annotations, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    type: 'kubernetes.io/tls',
    data,
  };
}

/** caBundleOf is the caBundle text: the bundle's CAs, concatenated. */
export function caBundleOf(stored: StoredCertificates): string {
  return stored.bundle.map((pem) => (pem.endsWith('\n') ? pem : `${pem}\n`)).join('');
}
