import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TlsMaterialError, checkTlsMaterial, sameTlsMaterial } from './tls-source.js';
import type { TlsMaterial, TlsSource } from './tls-source.js';

/** TlsFilePaths are the files of file mode: a mounted Secret's tls.crt and tls.key, and an optional client CA. */
export interface TlsFilePaths {
  readonly cert: string;
  readonly key: string;
  readonly clientCa?: string;
}

/** TlsFilesLogger is the part of a logger the watcher uses. */
export interface TlsFilesLogger {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

async function readMaterial(paths: TlsFilePaths): Promise<TlsMaterial> {
  const read = (path: string): Promise<string> =>
    readFile(path, 'utf8').catch((error: unknown) => {
      throw new TlsMaterialError(`${path}: cannot read (${error instanceof Error && 'code' in error ? String(error.code) : String(error)})`);
    });
  const [cert, key, clientCa] = await Promise.all([read(paths.cert), read(paths.key), paths.clientCa === undefined ? undefined : read(paths.clientCa)]);
  const material = { cert, key, ...(clientCa === undefined ? {} : { clientCa }) };
  checkTlsMaterial(material, `${paths.cert} and ${paths.key}`);
  return material;
}

/**
 * TlsFiles serves certificate files and reloads them when they change. Kubernetes updates a
 * mounted Secret by swapping a symlink in its directory, so the directories are watched (fs.watch)
 * and, as a safety net where events do not arrive, the files are read again every `pollMs`.
 * New material is checked before it is used: a half-written or mismatched pair is logged and the
 * current one kept, so a bad rotation never breaks handshakes.
 */
export class TlsFiles implements TlsSource {
  private material: TlsMaterial;
  private readonly listeners: Array<(material: TlsMaterial) => void> = [];
  private readonly watchers: FSWatcher[] = [];
  private poll: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;

  private constructor(
    private readonly paths: TlsFilePaths,
    initial: TlsMaterial,
    private readonly logger: TlsFilesLogger,
  ) {
    this.material = initial;
  }

  /** load reads and checks the files once; a TlsMaterialError names what is wrong. */
  static async load(paths: TlsFilePaths, logger: TlsFilesLogger): Promise<TlsFiles> {
    return new TlsFiles(paths, await readMaterial(paths), logger);
  }

  current(): TlsMaterial {
    return this.material;
  }

  onChange(listener: (material: TlsMaterial) => void): void {
    this.listeners.push(listener);
  }

  /** watch starts following the files. */
  watch(pollMs = 10_000, debounceMs = 100): void {
    const directories = new Set([this.paths.cert, this.paths.key, ...(this.paths.clientCa === undefined ? [] : [this.paths.clientCa])].map((path) => dirname(path)));
    for (const directory of directories) {
      try {
        const watcher = watch(directory, () => {
          clearTimeout(this.debounce);
          this.debounce = setTimeout(() => void this.reload(), debounceMs);
        });
        watcher.on('error', () => undefined); // the poll still covers it
        this.watchers.push(watcher);
      } catch {
        // a directory that cannot be watched is still polled
      }
    }
    this.poll = setInterval(() => void this.reload(), pollMs);
    this.poll.unref();
  }

  stop(): void {
    for (const watcher of this.watchers) watcher.close();
    clearInterval(this.poll);
    clearTimeout(this.debounce);
  }

  /** reload reads the files again; it switches only to complete, valid, different material. */
  async reload(): Promise<boolean> {
    let next: TlsMaterial;
    try {
      next = await readMaterial(this.paths);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ error: message }, 'tls: cannot use the changed certificate files; still serving the previous certificate');
      return false;
    }
    if (sameTlsMaterial(next, this.material)) return false;
    this.material = next;
    this.logger.info({ cert: this.paths.cert }, 'tls: certificate files changed; serving the new certificate to new connections');
    for (const listener of this.listeners) listener(next);
    return true;
  }
}
