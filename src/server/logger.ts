import { hostname } from 'node:os';
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
  return loggerOver(batches);
}

/** DECISION_MESSAGE is the `msg` of the one line per admission decision. */
export const DECISION_MESSAGE = 'admission decision';

/** DecisionFields are the fields of a decision line (undefined ones are left out, as pino does). */
export type DecisionFields = Readonly<Record<string, unknown>>;

const directWriters = new WeakMap<object, (fields: DecisionFields) => void>();

/**
 * loggerOver is serviceLogger's logger on any stream (tests give one that keeps the lines). Its
 * decision lines (decisionWriter) are the lines `logger.info(fields, DECISION_MESSAGE)` writes —
 * level, time, pid, hostname, name, the fields, msg, in that order — made with one JSON.stringify:
 * pino builds a line field by field in concatenated strings (2.4 µs and 3.7 KB per decision line,
 * written, against 1.7 µs and 1.9 KB), and what a request allocates is what its CPU in the server
 * follows most. test/server/logger.test.ts checks the two lines against each other.
 */
export function loggerOver(stream: DestinationStream): Logger {
  const logger = pino({ name: 'netfence' }, stream);
  const info = logger.levels.values['info'] ?? 30;
  const bindings = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"name":"netfence"`;
  const message = JSON.stringify(DECISION_MESSAGE);
  directWriters.set(logger, (fields) => {
    if (!logger.isLevelEnabled('info')) return;
    const json = JSON.stringify(fields);
    const inner = json.length > 2 ? `,${json.slice(1, -1)}` : '';
    stream.write(`{"level":${info},"time":${Date.now()}${bindings}${inner},"msg":${message}}\n`);
  });
  return logger;
}

/** decisionWriter writes decision lines for `logger`: directly for loggerOver's loggers, with logger.info for any other. */
export function decisionWriter(logger: { info(fields: object, message: string): void }): (fields: DecisionFields) => void {
  return directWriters.get(logger) ?? ((fields) => logger.info(fields, DECISION_MESSAGE));
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
