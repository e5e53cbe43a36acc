import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

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
  const batches = new LineBatches(pino.destination({ dest: destination, sync: true }));
  setInterval(() => batches.flush(), LOG_FLUSH_MS).unref();
  process.on('exit', () => batches.flushSync());
  return pino({ name: 'netfence' }, batches);
}

/**
 * LineBatches gathers lines and hands them to the stream LOG_BUFFER_BYTES or so at a time. Not
 * sonic-boom's own buffering (minLength): it measures its whole buffer in bytes on every write,
 * copying up to minLength per line (2.3 KB allocated for each 300-byte decision line).
 */
class LineBatches implements DestinationStream {
  private lines: string[] = [];
  private length = 0;

  constructor(private readonly stream: DestinationStream & { flushSync(): void }) {}

  write(line: string): void {
    this.lines.push(line);
    this.length += line.length; // UTF-16 units: "about" the size is all a batch needs
    if (this.length >= LOG_BUFFER_BYTES) this.flush();
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const batch = this.lines.join('');
    this.lines = [];
    this.length = 0;
    this.stream.write(batch);
  }

  flushSync(): void {
    this.flush();
    this.stream.flushSync();
  }
}
