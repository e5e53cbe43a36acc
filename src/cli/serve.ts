import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ensureSelfSigned, loadTlsFiles } from '../certs/certificate-files.js';
import { loadConfig } from '../config/load-config.js';
import { buildApp } from '../server/app.js';
import { Metrics } from '../server/metrics.js';
import { StandaloneContext } from '../server/standalone-context.js';
import { EditableState } from '../state/editable-state.js';
import { loadState } from '../state/load-state.js';
import type { Command } from './command.js';
import { UsageError } from './usage-error.js';

/** BUNDLED_STATE is the example cluster shipped with netfence, for standalone runs. */
export const BUNDLED_STATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'cluster');

function parsePortFlag(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port ${JSON.stringify(text)}: expected a TCP port 0-65535`);
  return port;
}

/**
 * serveCommand runs the webhook over HTTPS. Without cluster credentials it runs standalone on a
 * state directory (the bundled example cluster by default) with a self-signed certificate in
 * ./certs, whose CA it prints for a webhook configuration's caBundle.
 */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the admission webhook (HTTPS): standalone on a state directory when no cluster is configured',
  usage: 'netfence serve [--config F] [--port 8443] [--host 0.0.0.0] [--tls-cert F --tls-key F] [--state DIR] [--certs-dir DIR] [--san NAME|IP...]',
  async run(args, io) {
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
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.kubeconfig !== undefined) {
      throw new UsageError('--kubeconfig: cluster mode (watching a live cluster) is not in this version yet; use --state DIR');
    }
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
      throw new UsageError('--tls-cert and --tls-key go together');
    }
    const port = parsePortFlag(values.port);
    const config = await loadConfig(values.config);
    const statePath = values.state ?? BUNDLED_STATE;
    const loaded = await loadState(statePath);
    const logger = pino({ name: 'netfence' });
    for (const notice of loaded.notices) logger.warn({ notice }, 'state');

    const certFile = values['tls-cert'];
    const keyFile = values['tls-key'];
    const tls =
      certFile !== undefined && keyFile !== undefined
        ? await loadTlsFiles(certFile, keyFile)
        : await ensureSelfSigned(values['certs-dir'], [`netfence.${config.namespace}.svc`, `netfence.${config.namespace}.svc.cluster.local`, ...values.san]);
    const context = new StandaloneContext(new EditableState(loaded.state), config);
    const app = buildApp({ context, logger, metrics: new Metrics(), https: { key: tls.key, cert: tls.cert }, ready: () => true });
    const address = await app.listen({ port, host: values.host });
    const dns = context.essentials().services.map((service) => `${service.name}: ${service.describe}`);
    logger.info({ address, state: statePath, mode: config.defaultMode, essentialServices: dns }, 'netfence is serving (standalone)');
    if (tls.ca !== undefined) {
      io.stderr(`Self-signed certificate in ${values['certs-dir']}/ (CA: ${values['certs-dir']}/ca.crt). caBundle for a webhook configuration:`);
      io.stderr(Buffer.from(tls.ca).toString('base64'));
      io.stderr(`Try: curl --cacert ${values['certs-dir']}/ca.crt https://localhost:${port}/healthz`);
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        logger.info({ signal }, 'shutting down: finishing in-flight requests');
        void app.close().then(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
};
