import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/**
 * A bare HTTPS client for the test API server, for tests that assert on exactly what goes over the
 * wire (a PATCH's Content-Type, an Accept header, a Warning header, a watch stream's lines), which
 * @kubernetes/client-node would choose or hide.
 */

/** Answer is what the server answered: status, headers, the body parsed (or its text when it is not JSON) and each Warning header apart. */
export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
  readonly warnings: string[];
}

/** RawRequest is one request: its body is sent as given when a string, else as JSON. */
export interface RawRequest {
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
}

function target(kubeConfig: KubeConfig): { host: string; port: string; ca: Buffer; token: string } {
  const cluster = kubeConfig.getCurrentCluster();
  const token = kubeConfig.getCurrentUser()?.token;
  if (cluster === null || cluster.caData === undefined || token === undefined) throw new Error('the fake kubeconfig has a CA and a token');
  const server = new URL(cluster.server);
  return { host: server.hostname, port: server.port, ca: Buffer.from(cluster.caData, 'base64'), token };
}

/** send makes one request with the kubeconfig's CA and bearer token. */
export function send(kubeConfig: KubeConfig, method: string, path: string, options: RawRequest = {}): Promise<Answer> {
  const { host, port, ca, token } = target(kubeConfig);
  const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers = { authorization: `Bearer ${token}`, accept: options.accept ?? 'application/json', ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }) };
  return new Promise((resolve, reject) => {
    const outgoing = request({ host, port, method, path, ca, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: the text is the body
        }
        // Node joins repeated headers with ', ': the raw pairs keep each Warning apart.
        const warnings = response.rawHeaders.filter((_, index) => index % 2 === 1 && response.rawHeaders[index - 1]?.toLowerCase() === 'warning');
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: parsed, warnings });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** WatchEventLine is one line of a watch stream. */
export interface WatchEventLine {
  readonly type: string;
  readonly object: { readonly metadata?: { readonly name?: string; readonly resourceVersion?: string; readonly labels?: Record<string, string> } } & Record<string, unknown>;
}

/** Watching is an open watch stream: the events so far, and a way to close it. */
export interface Watching {
  readonly events: WatchEventLine[];
  /** opened resolves once the server has answered the watch (it answers at once, before any event). */
  readonly opened: Promise<void>;
  close(): void;
}

/** watch opens `path` with watch=true from `resourceVersion` and collects its events. */
export function watch(kubeConfig: KubeConfig, path: string, resourceVersion: string): Watching {
  const { host, port, ca, token } = target(kubeConfig);
  const events: WatchEventLine[] = [];
  const separator = path.includes('?') ? '&' : '?';
  let buffered = '';
  let opened: () => void = () => undefined;
  const openedPromise = new Promise<void>((resolve) => (opened = resolve));
  const outgoing = request({ host, port, method: 'GET', path: `${path}${separator}watch=true&resourceVersion=${resourceVersion}`, ca, headers: { authorization: `Bearer ${token}` } }, (response) => {
    opened();
    response.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) events.push(JSON.parse(line) as WatchEventLine);
    });
    response.on('error', () => undefined); // closed by close()
  });
  outgoing.on('error', () => undefined);
  outgoing.end();
  return { events, opened: openedPromise, close: () => outgoing.destroy() };
}
