import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { serviceDnsNames } from '../certs/certificate-files.js';
import { DEFAULT_ROTATION, daysLeft, planRotation } from '../certs/rotation.js';
import type { RotationPolicy, ServingNames, StoredCertificates } from '../certs/rotation.js';
import { DecodeError } from '../k8s/decode.js';
import { decodeEndpointSlice } from '../k8s/endpoint-slice.js';
import { caBundleOf, certificateSecretManifest, decodeCertificateSecret } from './certificate-secret.js';
import type { KubeClient } from './kube-client.js';
import { isRecord } from './raw-object.js';
import { Reflector } from './reflector.js';
import type { ReflectorLogger } from './reflector.js';
import { SerialPasses } from './serial-passes.js';

/** CertificateManagerOptions wire the manager: where the Secret is, which configurations to patch. */
export interface CertificateManagerOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly secretName: string;
  /** webhookConfiguration names netfence's ValidatingWebhookConfiguration and MutatingWebhookConfiguration. */
  readonly webhookConfiguration: string;
  readonly names: ServingNames;
  readonly logger: ReflectorLogger;
  readonly policy?: RotationPolicy;
  /** servedEverywhere says whether every replica serves this certificate (undefined: cannot tell). */
  readonly servedEverywhere?: (tlsCert: string) => Promise<boolean | undefined>;
  /** checkEveryMs: how often certificates are checked for renewal, besides changes seen. */
  readonly checkEveryMs?: number;
  readonly now?: () => number;
}

const CONFIGURATION_KINDS = ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'] as const;
const configurationPath = (plural: string, name?: string): string =>
  `/apis/admissionregistration.k8s.io/v1/${plural}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** caBundlesOf lists a webhook configuration's caBundles, one per webhook. */
function caBundlesOf(raw: unknown): string[] {
  const webhooks = isRecord(raw) && Array.isArray(raw['webhooks']) ? raw['webhooks'] : [];
  return webhooks.map((webhook) => {
    const clientConfig = isRecord(webhook) ? webhook['clientConfig'] : undefined;
    return isRecord(clientConfig) && typeof clientConfig['caBundle'] === 'string' ? clientConfig['caBundle'] : '';
  });
}

/** withCaBundle is a webhook configuration with every webhook's caBundle set. */
function withCaBundle(raw: Record<string, unknown>, caBundle: string): Record<string, unknown> {
  const webhooks = Array.isArray(raw['webhooks']) ? raw['webhooks'] : [];
  return {
    ...raw,
    webhooks: webhooks.map((webhook) => {
      if (!isRecord(webhook)) return webhook;
      const clientConfig = isRecord(webhook['clientConfig']) ? webhook['clientConfig'] : {};
      return { ...webhook, clientConfig: { ...clientConfig, caBundle } };
    }),
  };
}

/**
 * CertificateManager keeps netfence's certificates when they are self-managed (it runs on the
 * leader only): it creates the CA and serving certificate in a Secret, rotates them before they
 * expire (see rotation.ts: a new CA is trusted before it is used and dropped only after every
 * replica has moved on), and writes the bundle into the caBundle of netfence's validating and
 * mutating webhook configurations, again whenever something (a `helm upgrade`) resets it.
 */
export class CertificateManager {
  private readonly configurations: Array<Reflector<string[]>>;
  private readonly passes: SerialPasses;
  private interval: NodeJS.Timeout | undefined;
  private readonly missing = new Set<string>();
  private bundleInPlace: () => void = () => undefined;
  private readonly bundleReady = new Promise<void>((resolve) => {
    this.bundleInPlace = resolve;
  });

  constructor(private readonly options: CertificateManagerOptions) {
    this.passes = new SerialPasses(
      () =>
        this.pass().catch((error: unknown) => {
          this.options.logger.warn({ error: error instanceof Error ? error.message : String(error) }, 'certificates: pass failed; will retry');
          this.passes.notifyLater();
        }),
      50,
      { stopped: true },
    );
    this.configurations = CONFIGURATION_KINDS.map(
      (plural) =>
        new Reflector<string[]>({
          client: options.client,
          path: configurationPath(plural),
          query: { fieldSelector: `metadata.name=${options.webhookConfiguration}` },
          decode: caBundlesOf,
          logger: options.logger,
          onChange: () => this.notify(),
        }),
    );
  }

  /** start begins managing: a pass now, one on every change of the configurations, one every checkEveryMs. */
  start(): void {
    if (!this.passes.stopped) return;
    this.passes.resume();
    for (const reflector of this.configurations) void reflector.run();
    this.interval = setInterval(() => this.notify(), this.options.checkEveryMs ?? 60_000);
    this.interval.unref();
    this.notify();
  }

  stop(): void {
    this.passes.stop();
    for (const reflector of this.configurations) reflector.stop();
    clearInterval(this.interval);
  }

  /** notify asks for a pass soon; passes never overlap. */
  notify(): void {
    this.passes.notify();
  }

  /**
   * ready resolves once a pass has found or written the current caBundle in every webhook
   * configuration that exists: from then on the API server can call this webhook, so a write it
   * reviews (the leader's first baseline) is not refused for want of a trusted CA. It stays
   * resolved; later rotations keep the old CA in the bundle until every replica has moved on.
   */
  ready(): Promise<void> {
    return this.bundleReady;
  }

  /** reconcile runs one pass now (or queues one after the running pass). */
  reconcile(): Promise<void> {
    return this.passes.run();
  }

  private secretPath(name?: string): string {
    return `/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}/secrets${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;
  }

  private async pass(): Promise<void> {
    const { client, secretName, namespace, logger } = this.options;
    const now = (this.options.now ?? Date.now)();
    const response = await client.request('GET', this.secretPath(secretName));
    if (response.status !== 200 && response.status !== 404) throw new Error(`GET Secret ${namespace}/${secretName}: HTTP ${response.status}`);
    const secret = response.status === 200 ? decodeCertificateSecret(response.body) : undefined;
    const stored = secret?.stored;
    const rotating = stored !== undefined && stored.bundle.length > 1 && stored.nextCaCert === undefined;
    const served = rotating ? await (this.options.servedEverywhere?.(stored.tlsCert) ?? Promise.resolve(undefined)) : undefined;
    const step = planRotation(stored, this.options.names, this.options.policy ?? DEFAULT_ROTATION, now, served);
    let current: StoredCertificates | undefined = stored;
    if (step.kind === 'write') {
      const manifest = certificateSecretManifest(secretName, namespace, step.next, secret?.resourceVersion);
      const written = secret === undefined ? await client.request('POST', this.secretPath(), manifest) : await client.request('PUT', this.secretPath(secretName), manifest);
      if (written.status === 409) {
        this.passes.requeue(); // another writer (a previous leader): read again
        return;
      }
      if (written.status >= 300) throw new Error(`write Secret ${namespace}/${secretName}: HTTP ${written.status}`);
      current = step.next;
      logger.info({ secret: `${namespace}/${secretName}`, reason: step.reason, servingDaysLeft: daysLeft(step.next.tlsCert, now), bundle: step.next.bundle.length }, 'certificates: written');
    } else if (rotating && served !== true) {
      logger.info({ secret: `${namespace}/${secretName}` }, 'certificates: keeping the old CA in the bundle until every replica serves the new certificate');
    }
    if (current !== undefined && (await this.patchBundles(Buffer.from(caBundleOf(current)).toString('base64')))) this.bundleInPlace();
  }

  /** patchBundles puts the caBundle into both configurations; false when a write lost a race (the pass is queued again). */
  private async patchBundles(caBundle: string): Promise<boolean> {
    let inPlace = true;
    const { client, webhookConfiguration: name, logger } = this.options;
    for (const [index, plural] of CONFIGURATION_KINDS.entries()) {
      // An open watch holds each configuration's bundles: the object is read only to be changed.
      const watched = this.configurations[index];
      const bundles = watched?.healthy() === true ? watched.items.get(`/${name}`) : undefined;
      if (bundles !== undefined && bundles.every((bundle) => bundle === caBundle)) {
        this.missing.delete(plural);
        continue;
      }
      const response = await client.request('GET', configurationPath(plural, name));
      if (response.status === 404) {
        if (!this.missing.has(plural)) logger.warn({ kind: plural, name }, 'certificates: webhook configuration not found; its caBundle cannot be set');
        this.missing.add(plural);
        continue;
      }
      this.missing.delete(plural);
      if (response.status !== 200 || !isRecord(response.body)) throw new Error(`GET ${plural}/${name}: HTTP ${response.status}`);
      if (caBundlesOf(response.body).every((bundle) => bundle === caBundle)) continue;
      const written = await client.request('PUT', configurationPath(plural, name), withCaBundle(response.body, caBundle));
      if (written.status === 409) {
        this.passes.requeue();
        inPlace = false;
        continue;
      }
      if (written.status >= 300) throw new Error(`PUT ${plural}/${name}: HTTP ${written.status}`);
      logger.info({ kind: plural, name }, 'certificates: caBundle written');
    }
    return inPlace;
  }
}

/** ReplicaProbeOptions say where netfence's replicas are: its Service's EndpointSlices. */
export interface ReplicaProbeOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly service: string;
  readonly timeoutMs?: number;
}

/** endpointsOf lists the ready address and port pairs of the listed EndpointSlices; a slice that does not decode is skipped. */
function endpointsOf(body: unknown): Array<{ address: string; port: number }> {
  const items = isRecord(body) && Array.isArray(body['items']) ? body['items'] : [];
  return items.flatMap((raw) => {
    let slice;
    try {
      slice = decodeEndpointSlice(raw);
    } catch (error) {
      if (error instanceof DecodeError) return [];
      throw error;
    }
    return slice.addresses.flatMap((address) => slice.ports.map(({ port }) => ({ address: address.text, port })));
  });
}

function servedBy(address: string, port: number, servername: string, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, servername, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('error', () => resolve(undefined));
  });
}

/**
 * replicaProbe answers "does every replica serve this certificate?" by asking them: a TLS
 * handshake with each ready endpoint of netfence's Service. Undefined when there is none to ask.
 */
export function replicaProbe(options: ReplicaProbeOptions): (tlsCert: string) => Promise<boolean | undefined> {
  return async (tlsCert) => {
    const selector = encodeURIComponent(`kubernetes.io/service-name=${options.service}`);
    const response = await options.client.request('GET', `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/endpointslices?labelSelector=${selector}`);
    if (response.status !== 200) return undefined;
    const endpoints = endpointsOf(response.body);
    if (endpoints.length === 0) return undefined;
    const expected = new X509Certificate(tlsCert).raw;
    const served = await Promise.all(endpoints.map(({ address, port }) => servedBy(address, port, serviceDnsNames(options.service, options.namespace)[0], options.timeoutMs ?? 3_000)));
    return served.every((raw) => raw !== undefined && raw.equals(expected));
  };
}
