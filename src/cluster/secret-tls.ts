import { generateCa } from '../certs/generate-certificates.js';
import { TlsMaterialError, checkTlsMaterial, sameTlsMaterial } from '../certs/tls-source.js';
import type { TlsMaterial, TlsSource } from '../certs/tls-source.js';
import { decodeCertificateSecret } from './certificate-secret.js';
import type { CertificateSecret } from './certificate-secret.js';
import type { KubeClient } from './kube-client.js';
import { Reflector } from './reflector.js';
import type { ReflectorLogger } from './reflector.js';

/** SecretTlsOptions say which Secret holds the certificate every replica serves. */
export interface SecretTlsOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly secretName: string;
  readonly logger: ReflectorLogger & { error(fields: object, message: string): void };
  readonly clientCa?: string;
}

/**
 * SecretTls serves the certificate in netfence's Secret (self-managed mode), on every replica: it
 * watches that one Secret and switches to each new serving certificate as soon as it is written.
 * Until the Secret has been read it serves a throwaway certificate and is not `loaded()`, so
 * /readyz keeps the replica out of the Service: the API server never meets that certificate.
 */
export class SecretTls implements TlsSource {
  private material: TlsMaterial;
  private fromSecret = false;
  private readonly listeners: Array<(material: TlsMaterial) => void> = [];
  private readonly reflector: Reflector<CertificateSecret>;

  constructor(private readonly options: SecretTlsOptions) {
    // Served only until the Secret is read (/readyz is false meanwhile): any pair will do, so one
    // self-signed certificate, one RSA key.
    const placeholder = generateCa(1);
    this.material = { cert: placeholder.cert, key: placeholder.key, ...(options.clientCa === undefined ? {} : { clientCa: options.clientCa }) };
    this.reflector = new Reflector({
      client: options.client,
      path: `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/secrets`,
      query: { fieldSelector: `metadata.name=${options.secretName}` },
      decode: decodeCertificateSecret,
      logger: options.logger,
      onChange: () => this.update(),
    });
  }

  start(): void {
    void this.reflector.run();
  }

  stop(): void {
    this.reflector.stop();
  }

  /** loaded says whether the Secret's certificate is being served. */
  loaded(): boolean {
    return this.fromSecret;
  }

  current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (material: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  private update(): void {
    const stored = [...this.reflector.items.values()][0]?.stored;
    if (stored === undefined) return;
    const next = { cert: stored.tlsCert, key: stored.tlsKey, ...(this.options.clientCa === undefined ? {} : { clientCa: this.options.clientCa }) };
    if (this.fromSecret && sameTlsMaterial(next, this.material)) return;
    try {
      checkTlsMaterial(next, `Secret ${this.options.namespace}/${this.options.secretName}`);
    } catch (error) {
      if (!(error instanceof TlsMaterialError)) throw error;
      this.options.logger.error({ error: error.message }, 'tls: cannot serve the certificate in the Secret; keeping the current one');
      return;
    }
    this.material = next;
    this.fromSecret = true;
    this.options.logger.info({ secret: `${this.options.namespace}/${this.options.secretName}` }, 'tls: serving the certificate from the Secret');
    for (const listener of this.listeners) listener(next);
  }
}
