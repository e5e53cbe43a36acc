import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Logger } from 'pino';
import type { AdmissionContext } from '../../admission/context.js';
import { ensureSelfSigned, isSanDnsName, serviceDnsNames, splitSans } from '../../certs/certificate-files.js';
import type { SelfSigned } from '../../certs/certificate-files.js';
import { TlsFiles } from '../../certs/tls-files.js';
import { TlsMaterialError, isCertificate, staticTls } from '../../certs/tls-source.js';
import type { TlsSource } from '../../certs/tls-source.js';
import { CertificateManager, replicaProbe } from '../../cluster/certificate-manager.js';
import { ClusterCache } from '../../cluster/cluster-cache.js';
import { ClusterContext } from '../../cluster/cluster-context.js';
import { findCredentials } from '../../cluster/credentials.js';
import { IntentsCache } from '../../cluster/intents-cache.js';
import { IntentsReconciler } from '../../cluster/intents-reconciler.js';
import type { Credentials } from '../../cluster/credentials.js';
import { KubeClient } from '../../cluster/kube-client.js';
import { LeaderElection, leaseNamespace } from '../../cluster/leader-election.js';
import { Reconciler } from '../../cluster/reconciler.js';
import { SecretTls } from '../../cluster/secret-tls.js';
import { loadConfig } from '../../config/load-config.js';
import type { Config } from '../../guardrails/config.js';
import { API_SERVER } from '../../guardrails/resolve-essential-services.js';
import { isObjectName, isServiceName } from '../../k8s/names.js';
import { buildApp } from '../../server/app.js';
import { LOG_FORMATS, defaultLogFormat, isLogFormat, serviceLogger } from '../../server/logger.js';
import type { LogFormat } from '../../server/logger.js';
import { Metrics } from '../../server/metrics.js';
import { tuneRuntime } from '../../server/runtime.js';
import { StandaloneContext } from '../../server/standalone-context.js';
import { EditableState } from '../../state/editable-state.js';
import { loadState } from '../../state/load-state.js';
import type { Command, Io } from '../command.js';
import { httpsUrl, isWildcard, listenError, listeningUrls } from '../args/listen-address.js';
import { UsageError } from '../usage-error.js';

/** BUNDLED_STATE is the example cluster shipped with netfence, for standalone runs. */
export const BUNDLED_STATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples', 'cluster');

interface ServeFlags {
  readonly config: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly state: string | undefined;
  /** verbose: a log line for each object of the state skipped for its kind, not one that counts them. */
  readonly verbose: boolean;
  readonly certsDir: string;
  readonly san: readonly string[];
  readonly clientCa: string | undefined;
  readonly tlsSecret: string | undefined;
  readonly webhookConfiguration: string;
  readonly service: string;
  readonly shutdownDelayMs: number;
  readonly logFormat: LogFormat;
}

function parseFlags(args: readonly string[], stdoutIsTTY: boolean): ServeFlags {
  const { values } = parseArgs({
    args: [...args],
    options: {
      config: { type: 'string' },
      port: { type: 'string', default: '8443' },
      host: { type: 'string', default: '0.0.0.0' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      kubeconfig: { type: 'string' },
      state: { type: 'string' },
      'certs-dir': { type: 'string', default: 'certs' },
      san: { type: 'string', multiple: true, default: [] },
      'client-ca': { type: 'string' },
      'tls-secret': { type: 'string' },
      'webhook-configuration': { type: 'string', default: 'netfence' },
      service: { type: 'string', default: 'netfence' },
      'shutdown-delay': { type: 'string', default: '5' },
      'log-format': { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  // Names the API server would refuse fail here, not as a 422 on the leader's first write.
  for (const [flag, name] of [['--tls-secret', values['tls-secret']], ['--webhook-configuration', values['webhook-configuration']]] as const) {
    if (name !== undefined && !isObjectName(name)) throw new UsageError(`${flag} ${JSON.stringify(name)}: not an object name (lower-case letters, digits, '-' and '.', up to 253 characters)`);
  }
  if (!isServiceName(values.service)) throw new UsageError(`--service ${JSON.stringify(values.service)}: not a Service name (a lower-case letter, then letters, digits and '-', up to 63 characters)`);
  for (const san of values.san) {
    if (isIP(san) === 0 && !isSanDnsName(san)) throw new UsageError(`--san ${JSON.stringify(san)}: neither a DNS name nor an IP address`);
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  if (values.kubeconfig !== undefined && values.state !== undefined) throw new UsageError('--kubeconfig and --state exclude each other: watch a cluster, or serve a state');
  if (values['tls-secret'] !== undefined && values['tls-cert'] !== undefined) throw new UsageError('--tls-secret (self-managed certificates) and --tls-cert/--tls-key (files) exclude each other');
  if (values['tls-secret'] !== undefined && values.state !== undefined) throw new UsageError('--tls-secret needs a cluster to keep the Secret in; it cannot be used with --state');
  const port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port ${JSON.stringify(values.port)}: expected a TCP port 0-65535`);
  const logFormat = values['log-format'] ?? defaultLogFormat(stdoutIsTTY);
  if (!isLogFormat(logFormat)) throw new UsageError(`--log-format ${JSON.stringify(logFormat)}: expected ${LOG_FORMATS.join(' or ')}`);
  const delay = /^\d+(\.\d+)?$/.test(values['shutdown-delay']) ? Number(values['shutdown-delay']) : NaN;
  if (!(delay >= 0 && delay <= 300)) throw new UsageError(`--shutdown-delay ${JSON.stringify(values['shutdown-delay'])}: expected seconds, 0-300`);
  return {
    config: values.config,
    port,
    host: values.host,
    tlsCert: values['tls-cert'],
    tlsKey: values['tls-key'],
    kubeconfig: values.kubeconfig,
    state: values.state,
    verbose: values.verbose,
    certsDir: values['certs-dir'],
    san: values.san,
    clientCa: values['client-ca'],
    tlsSecret: values['tls-secret'],
    webhookConfiguration: values['webhook-configuration'],
    service: values.service,
    shutdownDelayMs: delay * 1000,
    logFormat,
  };
}

/** LeaderTask is what the leader does besides reconciling: keep self-managed certificates. */
export interface LeaderTask {
  start(): void;
  stop(): void;
  /** ready resolves once no write of the leader's is refused for want of a caBundle (it is in place, or no configuration holds one): the leader writes only then. */
  ready(): Promise<void>;
}

/** TlsServing is where the served certificate comes from, and what the leader does to keep it. */
interface TlsServing {
  readonly source: TlsSource;
  readonly ready: () => boolean;
  /** leaderTask runs only on the leader (self-managed certificates). */
  readonly leaderTask: LeaderTask | undefined;
  readonly stop: () => void;
  /** selfSigned is the generated CA to print for a caBundle, and what changed in --certs-dir (standalone). */
  readonly selfSigned: SelfSigned | undefined;
}

async function readClientCa(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const pem = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new UsageError(`--client-ca ${path}: cannot read (${error instanceof Error ? error.message : String(error)})`);
  });
  // A CA that does not parse would make every client certificate fail, without a word as to why.
  if (!isCertificate(pem)) throw new UsageError(`--client-ca ${path}: not a PEM X.509 certificate`);
  return pem;
}

/**
 * tlsServing picks the certificate source: mounted files, reloaded when they change (--tls-cert,
 * --tls-key); self-managed in a Secret (--tls-secret, cluster mode); or, standalone, a
 * self-signed pair in --certs-dir.
 */
async function tlsServing(flags: ServeFlags, config: Config, credentials: Credentials | undefined, logger: Logger): Promise<TlsServing> {
  if (flags.tlsCert !== undefined && flags.tlsKey !== undefined) {
    // The client CA is one of the watched files here: TlsFiles reads (and rereads) it.
    const files = await TlsFiles.load({ cert: flags.tlsCert, key: flags.tlsKey, ...(flags.clientCa === undefined ? {} : { clientCa: flags.clientCa }) }, logger).catch((error: unknown) => {
      throw error instanceof TlsMaterialError ? new UsageError(error.message) : error;
    });
    files.watch();
    return { source: files, ready: () => true, leaderTask: undefined, stop: () => files.stop(), selfSigned: undefined };
  }
  const clientCa = await readClientCa(flags.clientCa);
  const withClientCa = clientCa === undefined ? {} : { clientCa };
  if (flags.tlsSecret !== undefined) {
    if (credentials === undefined) throw new UsageError('--tls-secret needs cluster credentials (--kubeconfig, KUBECONFIG or in-cluster)');
    const client = new KubeClient(credentials.kubeConfig);
    const namespace = config.namespace;
    const secretTls = new SecretTls({ client, namespace, secretName: flags.tlsSecret, logger, ...withClientCa });
    const service = flags.service;
    const manager = new CertificateManager({
      client,
      namespace,
      secretName: flags.tlsSecret,
      webhookConfiguration: flags.webhookConfiguration,
      names: splitSans([...serviceDnsNames(service, namespace), ...flags.san]),
      logger,
      servedEverywhere: replicaProbe({ client, namespace, service }),
    });
    secretTls.start();
    return { source: secretTls, ready: () => secretTls.loaded(), leaderTask: manager, stop: () => secretTls.stop(), selfSigned: undefined };
  }
  const files = await ensureSelfSigned(flags.certsDir, [...serviceDnsNames(flags.service, config.namespace), ...flags.san]);
  logSelfSigned(logger, flags.certsDir, files);
  return { source: staticTls({ cert: files.cert, key: files.key, ...withClientCa }), ready: () => true, leaderTask: undefined, stop: () => undefined, selfSigned: files };
}

/** logSelfSigned says what changed in --certs-dir; a replaced CA is a warning, as the caBundle registered with it no longer matches. */
function logSelfSigned(logger: Logger, certsDir: string, files: SelfSigned): void {
  const { change } = files;
  switch (change.kind) {
    case 'reused':
      return;
    case 'reissued':
      logger.info({ certsDir, reason: change.reason, added: change.added }, 'certificates: issued a new serving certificate with the same CA; a caBundle registered earlier still matches');
      return;
    case 'new-ca':
      if (change.replaced) logger.warn({ certsDir, reason: change.reason }, 'certificates: made a new CA; a caBundle registered with the old one no longer matches: register the new one');
      else logger.info({ certsDir, reason: change.reason }, 'certificates: made a CA and a serving certificate');
      return;
  }
}

/** clusterCredentials finds credentials to watch with, or undefined to run standalone. */
async function clusterCredentials(flags: ServeFlags, logger: Logger): Promise<Credentials | undefined> {
  if (flags.state !== undefined) return undefined;
  let credentials: Credentials | undefined;
  try {
    credentials = findCredentials(flags.kubeconfig);
  } catch (error) {
    throw new UsageError(`cannot read cluster credentials: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (credentials === undefined || credentials.explicit) return credentials;
  const reachable = await new KubeClient(credentials.kubeConfig)
    .request('GET', '/version', undefined, 'application/json', 3_000)
    .then((response) => response.status === 200)
    .catch(() => false);
  if (reachable) return credentials;
  logger.warn({ kubeconfig: credentials.source }, 'the cluster in this kubeconfig cannot be reached: running standalone on the example cluster');
  return undefined;
}

async function standaloneContext(flags: ServeFlags, config: Config, logger: Logger): Promise<{ context: AdmissionContext; ready: () => boolean; stop: () => Promise<void> }> {
  const statePath = flags.state ?? BUNDLED_STATE;
  const loaded = await loadState(statePath, { listSkipped: flags.verbose });
  for (const notice of loaded.notices) logger.warn({ notice }, 'state');
  const context = new StandaloneContext(new EditableState(loaded.state), config);
  logger.info({ state: statePath, essentialServices: context.essentials().services.map((s) => `${s.name}: ${s.describe}`) }, 'standalone: serving a state from files');
  return { context, ready: () => true, stop: async () => undefined };
}

/**
 * clusterContext wires cluster mode: every replica serves admission from the informer cache; the
 * one that holds the Lease (in the namespace it runs in: POD_NAMESPACE, else the config's)
 * reconciles and runs the leaderTask. The leader writes only once its own webhook can be called:
 * with self-managed certificates, once the caBundle is in the webhook configurations (its first
 * write was refused by its own webhook, 500, when the reconciler ran first).
 */
export function clusterContext(
  credentials: Credentials,
  config: Config,
  logger: Logger,
  metrics: Metrics,
  leaderTask: LeaderTask | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { context: AdmissionContext; ready: () => boolean; stop: () => Promise<void> } {
  const client = new KubeClient(credentials.kubeConfig);
  /** writing: this replica leads and its webhook can be called, so the reconciler may write. */
  let writing = false;
  // onChange runs only after cache.start() below, once the reconcilers and the election exist.
  const notify = (): void => {
    if (!writing) return;
    reconciler.notify();
    intentsReconciler?.notify();
  };
  const cache = new ClusterCache({ client, logger, serviceNamespaces: [config.clusterDns.namespace], onChange: notify });
  const context = new ClusterContext(cache, config);
  const reconciler = new Reconciler({
    client,
    cache,
    config,
    logger,
    counters: { provisioned: () => metrics.baselineProvisioned.inc(), repaired: () => metrics.baselineRepaired.inc() },
  });
  // The leader keeps the policies ClientIntents call for (where the CRD is served), unless another
  // intents controller does: it watches ClientIntents and workloads only while it leads.
  const intentsCache = config.intentsController ? new IntentsCache({ client, logger, onChange: () => (writing ? intentsReconciler?.notify() : undefined) }) : undefined;
  const intentsReconciler = intentsCache === undefined ? undefined : new IntentsReconciler({ client, cache, intents: intentsCache, config, logger, essentials: () => context.essentials() });
  // Every replica serves admission; only the leader reconciles.
  const election = new LeaderElection({
    client,
    namespace: leaseNamespace(env, config),
    name: 'netfence-reconciler',
    identity: env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
    logger,
    onStartedLeading: () => {
      metrics.leader.set(1);
      intentsCache?.start();
      if (leaderTask !== undefined) {
        leaderTask.start();
        logger.info({}, 'leading: provisioning starts once the caBundle is in the webhook configurations');
      }
      void (leaderTask?.ready() ?? Promise.resolve()).then(() => {
        if (!election.isLeader()) return;
        writing = true;
        reconciler.notify();
        intentsReconciler?.notify();
      });
    },
    onStoppedLeading: () => {
      metrics.leader.set(0);
      writing = false;
      intentsCache?.stop();
      leaderTask?.stop();
    },
  });
  cache.start();
  election.start();
  let announced = false;
  const ready = (): boolean => {
    const synced = cache.synced();
    if (synced && !announced) {
      announced = true;
      const services = context.essentials().services;
      logger.info({ essentialServices: services.map((s) => `${s.name}: ${s.describe}`) }, 'caches synced; essential services discovered');
      if (config.apiServer.enabled && !services.some((service) => service.name === API_SERVER)) {
        logger.warn({}, 'apiServer is enabled but neither configured (apiServer.cidrs) nor found (no ready endpoint in the default/kubernetes EndpointSlices): not checked');
      }
    }
    return synced;
  };
  const poll = setInterval(ready, 500);
  poll.unref();
  logger.info({ server: client.server(), credentials: credentials.source }, 'cluster mode: watching namespaces and NetworkPolicies');
  if (!config.intentsController) logger.info({}, 'intents: the intents controller is off (intents.controller: false): netfence writes no policies for ClientIntents');
  return {
    context,
    ready,
    stop: async () => {
      // Stop writing first, then hand the lease over so the other replica leads within seconds.
      reconciler.stop();
      intentsReconciler?.stop();
      leaderTask?.stop();
      await election.stop();
      intentsCache?.stop();
      cache.stop();
    },
  };
}

/**
 * serveCommand runs the webhook over HTTPS. With cluster credentials (`--kubeconfig`, KUBECONFIG,
 * in-cluster, or a reachable ~/.kube/config) it watches the cluster; otherwise it runs standalone
 * on a state directory (the bundled example cluster by default). Without --tls-cert/--tls-key it
 * serves a self-signed certificate from ./certs and prints its CA for a caBundle.
 */
export const serveCommand: Command = {
  name: 'serve',
  usage: 'netfence serve [--config F] [--port 8443] [--host 0.0.0.0] [--tls-cert F --tls-key F | --tls-secret NAME [--webhook-configuration NAME] [--service NAME]] [--client-ca F] [--kubeconfig F | --state DIR [--verbose]] [--certs-dir DIR] [--san NAME|IP...] [--shutdown-delay 5]',
  async run(args, io) {
    tuneRuntime();
    const flags = parseFlags(args, process.stdout.isTTY === true);
    const config = await loadConfig(flags.config);
    const logger = serviceLogger(1, flags.logFormat);
    const credentials = await clusterCredentials(flags, logger);
    const metrics = new Metrics();
    const tls = await tlsServing(flags, config, credentials, logger);
    const mode = credentials === undefined ? await standaloneContext(flags, config, logger) : clusterContext(credentials, config, logger, metrics, tls.leaderTask);
    let draining = false;
    const app = buildApp({ context: mode.context, logger, metrics, tls: tls.source, ready: () => !draining && tls.ready() && mode.ready() });
    try {
      await app.listen({ port: flags.port, host: flags.host });
    } catch (error) {
      // Nothing listens: stop what has started (watches, the election, file watchers), so the process
      // ends with this error; a failure while stopping would only hide it.
      await app.close().catch(() => undefined);
      await mode.stop().catch(() => undefined);
      tls.stop();
      throw listenError(error, flags.host, flags.port) ?? error;
    }
    // fastify's own answer names one interface of a wildcard (https://127.0.0.1:8443 for 0.0.0.0): say what is bound, and where that answers.
    const bound = app.addresses().filter((info): info is AddressInfo => typeof info !== 'string');
    const urls = listeningUrls(bound);
    logger.info({ address: urls.address, reachableAt: urls.reachableAt, mode: config.defaultMode }, 'netfence is serving');
    if (tls.selfSigned !== undefined) printCa(io, flags, tls.selfSigned, bound[0]?.address ?? flags.host, bound[0]?.port ?? flags.port);
    const signal = await untilSignal();
    // On SIGTERM (Kubernetes stopping the pod) keep serving while /readyz answers 503, so the
    // Service stops sending here before the listener closes: no request of the API server fails.
    // Ctrl-C (SIGINT) stops at once.
    draining = true;
    const delayMs = signal === 'SIGTERM' ? flags.shutdownDelayMs : 0;
    logger.info({ signal, drainSeconds: delayMs / 1000 }, 'shutting down: /readyz answers 503; then finishing in-flight requests');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await app.close();
    logger.info({}, 'stopped');
    await mode.stop();
    tls.stop();
    return 0;
  },
};

/** printCa prints the self-signed CA as a caBundle, what changed since the last start, and a command to try it. */
function printCa(io: Io, flags: ServeFlags, selfSigned: SelfSigned, address: string, port: number): void {
  const { change } = selfSigned;
  if (change.kind === 'reissued') {
    const why = change.added.length > 0 ? `for the added names ${change.added.join(', ')}` : `(${change.reason})`;
    io.stderr(`Issued a new serving certificate ${why}, signed by the same CA: a caBundle registered earlier still matches.`);
  }
  if (change.kind === 'new-ca' && change.replaced) io.stderr(`Made a new CA (${change.reason}): a caBundle registered earlier no longer matches; register this one.`);
  io.stderr(`Self-signed certificate in ${flags.certsDir}/ (CA: ${flags.certsDir}/ca.crt). caBundle for a webhook configuration:`);
  io.stderr(Buffer.from(selfSigned.ca).toString('base64'));
  // The certificate is always valid for localhost; another address only if it was given with --san.
  const loopback = isWildcard(address) || address.startsWith('127.') || address === '::1';
  io.stderr(`Try: curl --cacert ${flags.certsDir}/ca.crt ${loopback ? `https://localhost:${port}` : httpsUrl(address, port)}/healthz`);
}

/** untilSignal waits for SIGTERM or SIGINT and says which came. */
function untilSignal(): Promise<'SIGTERM' | 'SIGINT'> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
}
