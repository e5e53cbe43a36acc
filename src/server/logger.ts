import { hostname } from 'node:os';
import { isatty } from 'node:tty';
import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { colourful, textLine } from './log-text.js';
import { isRecord } from '../k8s/decode.js';

/**
 * LOG_BATCH_LINES: lines are written this many at a time (about 10 KB of decision lines). A write
 * is a syscall, one per line cost more than the rules; and a decision line is made when its batch
 * is written, not on the request's path (below).
 */
export const LOG_BATCH_LINES = 32;
/** LOG_FLUSH_MS: the longest a line waits in the buffer when traffic is low. */
export const LOG_FLUSH_MS = 1000;

/** LOG_FORMATS are serve's --log-format values: JSON lines for collectors, text for a person at a terminal. */
export const LOG_FORMATS = ['json', 'text'] as const;
/** LogFormat is one of LOG_FORMATS. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** isLogFormat says whether a --log-format value is one of LOG_FORMATS. */
export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/**
 * defaultLogFormat is the format when --log-format is not given: text when stdout is a terminal (a
 * person runs netfence by hand), JSON lines otherwise (a pod's log, a pipe, a file: something that
 * collects and parses them).
 */
export function defaultLogFormat(isTTY: boolean): LogFormat {
  return isTTY ? 'text' : 'json';
}

/**
 * serviceLogger is the logger of `netfence serve`: JSON lines to `destination` (stdout by
 * default), or those lines made readable (`format` text), written in batches. A line waits at
 * most LOG_FLUSH_MS, and what is buffered is written when the process exits, crashes included.
 * Writes stay synchronous, as pino's default: the asynchronous mode hands each batch to libuv's
 * thread pool, which cost more CPU than it saved.
 */
export function serviceLogger(destination: number | string = 1, format: LogFormat = 'json'): Logger {
  const output = pino.destination({ dest: destination, sync: true });
  const batches = new LineBatches(format === 'text' ? new TextLines(output, colourful(typeof destination === 'number' && isatty(destination), process.env)) : output);
  setInterval(() => batches.flush(), LOG_FLUSH_MS).unref();
  process.on('exit', () => batches.flushSync());
  return loggerOver(batches);
}

/**
 * TextLines turns each batch of JSON lines into text (log-text.ts) and writes it at once, so the
 * text keeps the batches' order and is written by the same synchronous flush, at exit too. The
 * logger's own pid, hostname and name (BINDINGS, the same in every line) are cut out first: a
 * decision's `name` is its object's, a second `name` key that JSON.parse would otherwise mix up
 * with the logger's.
 */
class TextLines implements DestinationStream {
  constructor(
    private readonly output: DestinationStream & { flushSync(): void },
    private readonly colours: boolean,
  ) {}

  write(batch: string): void {
    let text = '';
    for (const line of batch.split('\n')) if (line !== '') text += this.text(line);
    this.output.write(text);
  }

  flushSync(): void {
    this.output.flushSync();
  }

  private text(line: string): string {
    let record: unknown;
    try {
      record = JSON.parse(line.replace(BINDINGS, ''));
    } catch {
      return `${line}\n`;
    }
    return isRecord(record) ? textLine(record, this.colours) : `${line}\n`;
  }
}

/** DECISION_MESSAGE is the `msg` of the one line per admission decision. */
export const DECISION_MESSAGE = 'admission decision';

/** DecisionFields are the fields of a decision line, in the order it has them (undefined ones are left out, as pino does). */
export interface DecisionFields {
  readonly webhook: string;
  readonly uid: string;
  readonly resource: string;
  readonly namespace?: string | undefined;
  readonly name?: string | undefined;
  readonly operation: string;
  readonly user: string;
  readonly dryRun: boolean;
  readonly decision: string;
  readonly mode?: string | undefined;
  readonly rules: readonly string[];
  readonly durationMs: number;
  /** stale: the decision was made while the cluster cache was recovering. */
  readonly stale?: true | undefined;
}

const directWriters = new WeakMap<object, (fields: DecisionFields) => void>();

const LOGGER_NAME = 'netfence';
// pino's info level, and the bindings it writes after the time in every line of a logger named LOGGER_NAME.
const INFO = pino.levels.values['info'] ?? 30;
const BINDINGS = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"name":${JSON.stringify(LOGGER_NAME)}`;
const MESSAGE = JSON.stringify(DECISION_MESSAGE);

/**
 * decisionLine is the line `logger.info(fields, DECISION_MESSAGE)` writes at `time`: level, time,
 * pid, hostname, name, the fields, msg, in that order. It is written field by field, as its fields
 * are known: 0.30 µs a line in a loop, against 0.71 for JSON.stringify of the fields and more for
 * pino. test/server/logger.test.ts checks the two lines against each other.
 */
function decisionLine(time: number, fields: DecisionFields): string {
  let line = `{"level":${INFO},"time":${time}${BINDINGS},"webhook":${quoted(fields.webhook)},"uid":${quoted(fields.uid)},"resource":${quoted(fields.resource)}`;
  if (fields.namespace !== undefined) line += `,"namespace":${quoted(fields.namespace)}`;
  if (fields.name !== undefined) line += `,"name":${quoted(fields.name)}`;
  line += `,"operation":${quoted(fields.operation)},"user":${quoted(fields.user)},"dryRun":${fields.dryRun},"decision":${quoted(fields.decision)}`;
  if (fields.mode !== undefined) line += `,"mode":${quoted(fields.mode)}`;
  line += `,"rules":[${fields.rules.map(quoted).join(',')}],"durationMs":${Number.isFinite(fields.durationMs) ? fields.durationMs : 'null'}`;
  if (fields.stale === true) line += ',"stale":true';
  return `${line},"msg":${MESSAGE}}\n`;
}

// A string JSON.stringify writes between quotes as it is: no quote, backslash, control character or surrogate.
const VERBATIM = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

function quoted(text: string): string {
  return VERBATIM.test(text) ? `"${text}"` : JSON.stringify(text);
}

/**
 * loggerOver is serviceLogger's logger on any stream (tests give one that keeps the lines). Its
 * decision lines (decisionWriter) are decisionLine's. Over serviceLogger's batches, a decision
 * waits in its batch as its time and fields (which must not change after) and is made into its
 * line when the batch is written: the request pays for a push, and decisionLine runs
 * LOG_BATCH_LINES times in a row with its code and data warm. On the request's path, between a
 * whole request's worth of TLS, HTTP and rules, the same work cost the server several times what
 * it costs in a loop of its own (see Metrics, which is batched for the same reason).
 */
export function loggerOver(stream: DestinationStream): Logger {
  const logger = pino({ name: LOGGER_NAME }, stream);
  const write =
    stream instanceof LineBatches ? (fields: DecisionFields) => stream.writeDecision(Date.now(), fields) : (fields: DecisionFields) => stream.write(decisionLine(Date.now(), fields));
  directWriters.set(logger, (fields) => {
    if (logger.isLevelEnabled('info')) write(fields);
  });
  return logger;
}

/** decisionWriter writes decision lines for `logger`: directly for loggerOver's loggers, with logger.info for any other. */
export function decisionWriter(logger: { info(fields: object, message: string): void }): (fields: DecisionFields) => void {
  return directWriters.get(logger) ?? ((fields) => logger.info(fields, DECISION_MESSAGE));
}

/** PendingDecision is a decision line not made yet: its time and fields. */
interface PendingDecision {
  readonly time: number;
  readonly fields: DecisionFields;
}

/**
 * LineBatches gathers lines, in the order they are logged, and hands them to the stream
 * LOG_BATCH_LINES at a time: pino's lines as pino made them, decisions as their fields until then.
 * Not sonic-boom's own buffering (minLength): it measures its whole buffer in bytes on every write,
 * copying up to minLength per line (2.3 KB allocated for each 300-byte decision line).
 */
class LineBatches implements DestinationStream {
  private pending: (string | PendingDecision)[] = [];

  constructor(private readonly stream: DestinationStream & { flushSync(): void }) {}

  write(line: string): void {
    this.add(line);
  }

  writeDecision(time: number, fields: DecisionFields): void {
    this.add({ time, fields });
  }

  flush(): void {
    if (this.pending.length === 0) return;
    let batch = '';
    for (const line of this.pending) batch += typeof line === 'string' ? line : decisionLine(line.time, line.fields);
    this.pending = [];
    this.stream.write(batch);
  }

  flushSync(): void {
    this.flush();
    this.stream.flushSync();
  }

  private add(line: string | PendingDecision): void {
    if (this.pending.push(line) >= LOG_BATCH_LINES) this.flush();
  }
}
