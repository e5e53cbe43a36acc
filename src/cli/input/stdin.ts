import { text } from 'node:stream/consumers';
import type { Io } from '../command.js';

/** readStdin reads all of standard input (a FILE of `-`): the Io's, or the process's. */
export function readStdin(io: Io): Promise<string> {
  return io.stdin === undefined ? text(process.stdin) : io.stdin();
}
