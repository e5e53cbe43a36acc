import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../support/webhook.js';

/**
 * The restart drill: two netfence processes behind a client that, like a Service, sends only to
 * instances whose /readyz answers 200 (polled every 100 ms). One is stopped with SIGTERM while the
 * load runs, and started again. netfence answers 503 on /readyz at once, keeps serving through its
 * drain delay, then closes and finishes what is in flight: the load sees no failed request.
 */

const BIN = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'cluster');
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

interface Instance {
  readonly child: ChildProcess;
  readonly port: number;
  readonly agent: Agent;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

async function startInstance(certsDir: string): Promise<Instance> {
  const child = spawn(process.execPath, [BIN, 'serve', '--state', EXAMPLE, '--port', '0', '--host', '127.0.0.1', '--certs-dir', certsDir, '--shutdown-delay', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!/"address":"https:\/\/127\.0\.0\.1:(\d+)"/.test(output)) {
    if (Date.now() > deadline) throw new Error(`netfence did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const port = Number(/"address":"https:\/\/127\.0\.0\.1:(\d+)"/.exec(output)?.[1]);
  const ca = readFileSync(join(certsDir, 'ca.crt'), 'utf8');
  return { child, port, agent: new Agent({ keepAlive: true, maxSockets: 4, ca }), output: () => output, exited };
}

function call(instance: Instance, method: 'GET' | 'POST', path: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: instance.port, path, method, agent: instance.agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('graceful shutdown', () => {
  it('loses no request when one of two instances is stopped with SIGTERM and started again', async () => {
    const certsDir = mkdtempSync(join(tmpdir(), 'netfence-drill-'));
    const first = await startInstance(certsDir);
    let a = first;
    const b = await startInstance(certsDir);
    const ready = new Set<Instance>([a, b]);
    const pool = new Set<Instance>([a, b]);
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const instance of pool) {
          const status = await call(instance, 'GET', '/readyz').catch(() => 0);
          if (status === 200) ready.add(instance);
          else ready.delete(instance);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    const review = fixture('007');
    (review['request'] as { dryRun: boolean }).dryRun = true;
    const body = JSON.stringify(review);
    const failures: string[] = [];
    const served = new Map<number, number>();
    let loading = true;
    let turn = 0;
    const worker = async (): Promise<void> => {
      while (loading) {
        const candidates = [...ready];
        const target = candidates[turn++ % Math.max(candidates.length, 1)];
        if (target === undefined) {
          failures.push('no instance ready');
          await new Promise((resolve) => setTimeout(resolve, 10));
          continue;
        }
        try {
          const status = await call(target, 'POST', '/validate?timeout=10s', body);
          if (status !== 200) failures.push(`HTTP ${status} from ${target.port}`);
          served.set(target.port, (served.get(target.port) ?? 0) + 1);
        } catch (error) {
          failures.push(`${target.port}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    };
    const workers = Array.from({ length: 4 }, () => worker());

    await new Promise((resolve) => setTimeout(resolve, 500));
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.output()).toContain('"msg":"stopped"');
    pool.delete(a);
    ready.delete(a);
    a = await startInstance(certsDir);
    pool.add(a);
    await new Promise((resolve) => setTimeout(resolve, 700));
    loading = false;
    await Promise.all(workers);
    polling = false;
    await poller;

    expect(failures).toEqual([]);
    expect(served.get(first.port)).toBeGreaterThan(10); // before its restart
    expect(served.get(b.port)).toBeGreaterThan(10);
    expect(served.get(a.port)).toBeGreaterThan(0); // the restarted instance took load again
    for (const instance of [first, a, b]) instance.agent.destroy();
  }, 60_000);
});
