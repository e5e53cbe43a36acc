import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import fetch, { Headers } from 'node-fetch';

/** KubeResponse is a REST answer: the HTTP status and the parsed JSON body. */
export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
}

/** WatchEventHandler receives one watch event: its type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR) and object. */
export type WatchEventHandler = (type: string, object: unknown) => void;

/**
 * KubeClient is the narrow interface netfence uses to talk to the API server: raw REST calls
 * (so objects reach netfence's own parsers exactly as the API server sends them) and watch
 * streams, both authenticated by @kubernetes/client-node's KubeConfig (kubeconfig or in-cluster).
 */
export class KubeClient {
  private readonly watcher: Watch;

  constructor(private readonly kubeConfig: KubeConfig) {
    this.watcher = new Watch(kubeConfig);
  }

  /** server is the API server's URL, for logs. */
  server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '(no cluster)';
  }

  /** request makes one REST call; a non-2xx status is returned, not thrown. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 30_000): Promise<KubeResponse> {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster === null) throw new Error('the kubeconfig has no current cluster');
    const options = await this.kubeConfig.applyToFetchOptions({});
    const headers = new Headers(options.headers);
    headers.set('accept', 'application/json');
    if (body !== undefined) headers.set('content-type', contentType);
    const response = await fetch(`${cluster.server}${path}`, {
      method,
      headers,
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeout: timeoutMs,
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }

  /**
   * watch opens a watch stream; `done` is called once when it ends (error or close). Returns a
   * function that stops it.
   */
  async watch(path: string, params: Record<string, string>, onEvent: WatchEventHandler, done: (error: unknown) => void): Promise<() => void> {
    const controller = await this.watcher.watch(path, params, (type: string, object: unknown) => onEvent(type, object), done);
    return () => controller.abort();
  }
}
