import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import forge from 'node-forge';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCa, generateCertificates, issueServingCertificate } from '../../src/certs/generate-certificates.js';
import { TlsFiles } from '../../src/certs/tls-files.js';
import { TlsMaterialError } from '../../src/certs/tls-source.js';
import { defaultConfig } from '../../src/config/defaults.js';
import { buildApp } from '../../src/server/app.js';
import { Metrics } from '../../src/server/metrics.js';
import { StandaloneContext } from '../../src/server/standalone-context.js';
import { EditableState } from '../../src/state/editable-state.js';
import { LogLines, stateOf } from '../support/webhook.js';
import { until } from '../support/until.js';

/**
 * File mode: netfence serves mounted tls.crt/tls.key and swaps to new ones when they change (as
 * cert-manager or a Secret update does, by swapping a symlink), without dropping a connection;
 * bad new files are refused and the old certificate kept. With a client CA, it is mutual TLS.
 */

let app: FastifyInstance | undefined;
let files: TlsFiles | undefined;
afterEach(async () => {
  files?.stop();
  await app?.close();
  app = undefined;
});

const CA = generateCa(30);
const serving = () => issueServingCertificate(CA, { dnsNames: ['localhost'], ips: ['127.0.0.1'], days: 30 });

/** mountLike writes a pair the way the kubelet updates a Secret volume: a new directory, then a symlink swap. */
function mountLike(dir: string, pair: { cert: string; key: string }, version: number): void {
  const real = mkdtempSync(join(dir, `..data-${version}-`));
  writeFileSync(join(real, 'tls.crt'), pair.cert);
  writeFileSync(join(real, 'tls.key'), pair.key);
  symlinkSync(real, join(dir, '..data.tmp'));
  renameSync(join(dir, '..data.tmp'), join(dir, '..data'));
}

function mountedDir(pair: { cert: string; key: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-tls-'));
  mountLike(dir, pair, 1);
  symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
  symlinkSync('..data/tls.key', join(dir, 'tls.key'));
  return dir;
}

async function serve(source: TlsFiles): Promise<{ port: number; logs: LogLines }> {
  const logs = new LogLines();
  app = buildApp({ context: new StandaloneContext(new EditableState(stateOf('')), defaultConfig()), metrics: new Metrics({ processMetrics: false }), logger: pino(logs.stream), tls: source, ready: () => true });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, logs };
}

/** servedSerial is the serial of the certificate a new TLS connection is shown. */
function servedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: CA.cert, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

/** clientCertificate signs a TLS client certificate (clientAuth), as the API server's is, with a CA. */
function clientCertificate(ca: { caCert: string; caKey: string }): { cert: string; key: string } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const cert = forge.pki.createCertificate();
  const authority = forge.pki.certificateFromPem(ca.caCert);
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 3_600_000);
  cert.setSubject([{ name: 'commonName', value: 'kube-apiserver' }]);
  cert.setIssuer(authority.subject.attributes);
  cert.setExtensions([{ name: 'extKeyUsage', clientAuth: true }]);
  cert.sign(forge.pki.privateKeyFromPem(ca.caKey), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber;


describe('TlsFiles', () => {
  it('serves new certificate files to new connections once the mounted Secret changes, keeping open ones', async () => {
    const first = serving();
    const dir = mountedDir(first);
    const infos: string[] = [];
    files = await TlsFiles.load({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') }, { info: (_, message) => infos.push(message), error: () => undefined });
    files.watch(60_000, 20); // events, not the poll, must bring the change
    const { port } = await serve(files);
    expect(await servedSerial(port)).toBe(serialOf(first.cert));

    // A keep-alive connection opened before the change is still served after it.
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: CA.cert, servername: 'localhost' });
    const get = () =>
      new Promise<{ status: number | undefined; reused: boolean }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/healthz', agent }, (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode, reused: req.reusedSocket }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get()).toEqual({ status: 200, reused: false });

    const second = serving();
    mountLike(dir, second, 2);
    await until(async () => (await servedSerial(port)) === serialOf(second.cert), 'the new certificate');
    expect(infos).toEqual(['tls: certificate files changed; serving the new certificate to new connections']);
    expect(await get()).toEqual({ status: 200, reused: true });
    agent.destroy();
  });

  it('rotates under load without a failed handshake or request', async () => {
    const first = serving();
    const dir = mountedDir(first);
    files = await TlsFiles.load({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') }, pino({ level: 'silent' }));
    files.watch(60_000, 5);
    const { port } = await serve(files);
    const failures: string[] = [];
    const seen = new Set<string>();
    let running = true;
    // New connections all the time (each a handshake) plus a keep-alive client, as API servers mix them.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 2, ca: CA.cert, servername: 'localhost' });
    const client = async (agent: Agent | false): Promise<number> => {
      let count = 0;
      while (running) {
        await new Promise<void>((resolve) => {
          const req = request({ host: '127.0.0.1', port, path: '/healthz', ca: CA.cert, servername: 'localhost', agent }, (response) => {
            const certificate = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
            if (certificate.serialNumber !== undefined) seen.add(certificate.serialNumber);
            if (response.statusCode !== 200) failures.push(`HTTP ${response.statusCode}`);
            response.resume();
            response.on('end', () => resolve());
          });
          req.on('error', (error) => {
            failures.push(error.message);
            resolve();
          });
          req.end();
        });
        count++;
      }
      return count;
    };
    const clients = [client(false), client(false), client(keepAlive)];
    const pairs = [first];
    for (let version = 2; version <= 6; version++) {
      await new Promise((resolve) => setTimeout(resolve, 80));
      const next = serving();
      pairs.push(next);
      mountLike(dir, next, version);
      await until(async () => (await servedSerial(port)) === serialOf(next.cert), `certificate ${version}`);
    }
    running = false;
    const counts = await Promise.all(clients);
    keepAlive.destroy();
    expect(failures).toEqual([]);
    expect(counts.every((count) => count > 5)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(3); // the load met several of the rotated certificates
  });

  it('refuses a key that does not belong to the certificate, and keeps serving the old pair', async () => {
    const first = serving();
    const dir = mountedDir(first);
    const errors: string[] = [];
    files = await TlsFiles.load({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') }, { info: () => undefined, error: (fields) => errors.push(JSON.stringify(fields)) });
    const { port } = await serve(files);
    mountLike(dir, { cert: serving().cert, key: serving().key }, 2);
    expect(await files.reload()).toBe(false);
    expect(errors.join()).toContain('the key does not belong to the certificate');
    expect(await servedSerial(port)).toBe(serialOf(first.cert));
  });

  it('names the file when it cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netfence-tls-'));
    writeFileSync(join(dir, 'tls.crt'), 'not a certificate');
    writeFileSync(join(dir, 'tls.key'), serving().key);
    await expect(TlsFiles.load({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') }, pino({ level: 'silent' }))).rejects.toThrow(TlsMaterialError);
    await expect(TlsFiles.load({ cert: join(dir, 'missing.crt'), key: join(dir, 'tls.key') }, pino({ level: 'silent' }))).rejects.toThrow(/missing\.crt: cannot read \(ENOENT\)/);
  });

  it('asks for a client certificate signed by the client CA when one is configured (mTLS)', async () => {
    const pair = serving();
    const clientCa = generateCertificates({ dnsNames: ['kube-apiserver'], ips: [], days: 1 });
    const dir = mountedDir(pair);
    writeFileSync(join(dir, 'client-ca.crt'), clientCa.caCert);
    files = await TlsFiles.load({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), clientCa: join(dir, 'client-ca.crt') }, pino({ level: 'silent' }));
    const { port } = await serve(files);
    const get = (client?: { cert: string; key: string }) =>
      new Promise<number | string>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: '/healthz', ca: CA.cert, servername: 'localhost', ...(client ?? {}) }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        req.on('error', (error) => resolve(error.message));
        req.end();
      });
    expect(await get(clientCertificate(clientCa))).toBe(200);
    expect(await get()).not.toBe(200);
    const stranger = generateCertificates({ dnsNames: ['someone'], ips: [], days: 1 });
    expect(await get(clientCertificate(stranger))).not.toBe(200);
  });
});
