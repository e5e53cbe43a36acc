import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** NodeChild is a node process a test started, with everything it printed so far and its exit. */
export interface NodeChild {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** startNode runs `node ARGS` (this test's node) and collects its output; the caller stops it. */
export function startNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): NodeChild {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}
