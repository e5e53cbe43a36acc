import { DecodeError } from '../k8s/decode.js';
import type { KubeClient } from './kube-client.js';
import { isRecord, metadataString } from './raw-object.js';

/** ReflectorLogger is the part of a logger a reflector uses. */
export interface ReflectorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** ReflectorOptions configure one list+watch cache. */
export interface ReflectorOptions<T> {
  readonly client: KubeClient;
  /** path lists and watches the resource, e.g. `/apis/networking.k8s.io/v1/networkpolicies`. */
  readonly path: string;
  /** query narrows the list and the watch server-side: `labelSelector`, `fieldSelector`. */
  readonly query?: Readonly<Record<string, string>>;
  /** decode parses one object into what netfence keeps of it (never the whole object). */
  readonly decode: (raw: unknown) => T;
  /** onChange: the cache changed; `key` (namespace/name) when one object did, none after a (re)list. */
  readonly onChange: (key?: string) => void;
  readonly logger: ReflectorLogger;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** pageSize: objects per list page (default 500, as client-go). */
  readonly pageSize?: number;
  /** requestTimeoutMs: a list page that takes longer has failed (default 30 s): retried with backoff. */
  readonly requestTimeoutMs?: number;
}

function metadataKey(raw: unknown): string | undefined {
  const name = metadataString(raw, 'name');
  return name === undefined ? undefined : `${metadataString(raw, 'namespace') ?? ''}/${name}`;
}

function statusCode(raw: unknown): number | undefined {
  return isRecord(raw) && typeof raw['code'] === 'number' ? raw['code'] : undefined;
}

/**
 * Reflector keeps a decoded copy of one resource in step with the API server: list, then watch
 * from the list's resourceVersion (with bookmarks), relist on 410 Gone, rewatch when a stream
 * ends, and back off exponentially (with jitter) while the API server fails. `synced` turns true
 * after the first successful list and stays true: a stale cache keeps serving while it recovers.
 */
export class Reflector<T> {
  readonly items = new Map<string, T>();
  private resourceVersion = '';
  private stopped = false;
  private stopWatch: (() => void) | undefined;
  private wake: (() => void) | undefined;
  private syncedOnce = false;
  private watching = false;
  private backoffMs: number;

  constructor(private readonly options: ReflectorOptions<T>) {
    this.backoffMs = options.initialBackoffMs ?? 500;
  }

  /** synced says whether the first list has completed. */
  synced(): boolean {
    return this.syncedOnce;
  }

  /** healthy says whether a watch stream is open now (false while recovering). */
  healthy(): boolean {
    return this.watching;
  }

  /** run lists and watches until stop(); it never throws. */
  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.list();
        if (this.stopped) return;
        const error = await this.watchOnce();
        if (error === undefined) {
          this.backoffMs = this.options.initialBackoffMs ?? 500;
          continue;
        }
        if (this.stopped) return; // stop() aborted the watch: nothing failed
        this.options.logger.warn({ path: this.options.path, error: describe(error) }, 'watch failed; retrying');
      } catch (error) {
        if (this.stopped) return;
        this.options.logger.warn({ path: this.options.path, error: describe(error) }, 'list failed; retrying');
      }
      await this.sleep(this.backoffMs * (0.8 + Math.random() * 0.4));
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 30_000);
    }
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    this.wake?.();
  }

  /**
   * list reads the whole collection a page at a time (`limit`, `continue`), as client-go's
   * reflectors do, so a big cluster is never one huge response in memory; pages are decoded as they
   * arrive and the cache is swapped in one step once the last page is in. An expired continue token
   * (410) starts the list again, once; a second expiry fails the list, which run() retries after
   * its backoff (a list slower than the token's life would otherwise loop at full speed).
   */
  private async list(): Promise<void> {
    const listed = new Map<string, T>();
    let continueToken = '';
    let resourceVersion = '';
    let restarted = false;
    for (;;) {
      const params = new URLSearchParams({ ...this.options.query, limit: String(this.options.pageSize ?? 500), ...(continueToken === '' ? {} : { continue: continueToken }) });
      const path = `${this.options.path}?${params.toString()}`;
      const response = await this.options.client.request('GET', path, undefined, undefined, this.options.requestTimeoutMs);
      if (response.status === 410 && continueToken !== '') {
        if (restarted) throw new Error(`GET ${this.options.path}: the continue token expired twice during one list (410 Gone)`);
        this.options.logger.info({ path: this.options.path }, 'list continue token expired (410 Gone); listing again');
        restarted = true;
        listed.clear();
        continueToken = '';
        continue;
      }
      if (response.status !== 200) throw new Error(`GET ${path}: HTTP ${response.status}`);
      const body = response.body;
      const items = isRecord(body) && Array.isArray(body['items']) ? body['items'] : [];
      for (const raw of items) this.upsert(raw, listed);
      resourceVersion = metadataString(body, 'resourceVersion') ?? '';
      continueToken = metadataString(body, 'continue') ?? '';
      if (this.stopped) return; // a part of a list is not the collection: keep what was synced before
      if (continueToken === '') break;
    }
    this.items.clear();
    for (const [key, item] of listed) this.items.set(key, item);
    this.resourceVersion = resourceVersion;
    this.syncedOnce = true;
    this.options.onChange();
  }

  private upsert(raw: unknown, into: Map<string, T> = this.items): void {
    const key = metadataKey(raw);
    if (key === undefined) return;
    try {
      into.set(key, this.options.decode(raw));
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      into.delete(key);
      this.options.logger.warn({ path: this.options.path, object: key, error: error.message }, 'cannot read object; ignoring it');
    }
  }

  /** watchOnce watches until the stream ends: undefined when it simply closed or expired (410), else the error. */
  private watchOnce(): Promise<unknown> {
    return new Promise((resolve) => {
      let finished = false;
      const finish = (error: unknown): void => {
        if (finished) return;
        finished = true;
        if (typeof error === 'object' && error !== null && 'statusCode' in error && error.statusCode === 410) {
          this.resourceVersion = ''; // 410 Gone as an HTTP status: relist, no backoff
          error = undefined;
        }
        this.watching = false;
        this.stopWatch = undefined;
        resolve(error ?? undefined);
      };
      const onEvent = (type: string, object: unknown): void => {
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
            this.upsert(object);
            break;
          case 'DELETED': {
            const key = metadataKey(object);
            if (key !== undefined) this.items.delete(key);
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR': {
            const expired = statusCode(object) === 410;
            if (expired) {
              this.options.logger.info({ path: this.options.path }, 'resourceVersion expired (410 Gone); relisting');
              this.resourceVersion = '';
            }
            // Finish first: closing the stream reports an abort at once, which would be taken for
            // the reason the watch ended (a failure, with a warning and a backoff, for a plain 410).
            const stop = this.stopWatch;
            finish(expired ? undefined : new Error(`watch error event: ${JSON.stringify(object)}`));
            stop?.();
            return;
          }
        }
        this.resourceVersion = metadataString(object, 'resourceVersion') ?? this.resourceVersion;
        if (type !== 'BOOKMARK') this.options.onChange(metadataKey(object));
      };
      this.options.client
        .watch(
          this.options.path,
          { ...this.options.query, resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true' },
          onEvent,
          finish,
        )
        .then((stop) => {
          if (this.stopped || finished) {
            stop(); // stopped meanwhile, or already ended by an ERROR event: close the stream
            return;
          }
          this.stopWatch = stop;
          this.watching = true;
        })
        .catch(finish);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
