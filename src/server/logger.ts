import { pino } from 'pino';
import type { Logger } from 'pino';

/** LOG_BUFFER_BYTES: lines are written in batches of about this size (a write is a syscall, and one per line cost more than the rules). */
export const LOG_BUFFER_BYTES = 4096;
/** LOG_FLUSH_MS: the longest a line waits in the buffer when traffic is low. */
export const LOG_FLUSH_MS = 1000;

/**
 * serviceLogger is the logger of `netfence serve`: JSON lines to `destination` (stdout by
 * default), written in batches. A line waits at most LOG_FLUSH_MS, and what is buffered is written
 * when the process exits, crashes included. Writes stay synchronous, as pino's default: the
 * asynchronous mode hands each batch to libuv's thread pool, which cost more CPU than it saved.
 */
export function serviceLogger(destination: number | string = 1): Logger {
  const stream = pino.destination({ dest: destination, sync: true, minLength: LOG_BUFFER_BYTES, periodicFlush: LOG_FLUSH_MS });
  process.on('exit', () => stream.flushSync());
  return pino({ name: 'netfence' }, stream);
}
