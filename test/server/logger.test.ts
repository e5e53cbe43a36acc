import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DECISION_MESSAGE, LOG_BATCH_LINES, decisionWriter, loggerOver } from '../../src/server/logger.js';
import type { DecisionFields } from '../../src/server/logger.js';
import { until } from '../support/until.js';

// The logger is tested in a process of its own: what matters is what reaches its stdout, and when.
const LOGGER = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'server', 'logger.js')).href;

interface Run {
  readonly lines: () => Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  readonly kill: () => void;
}

function run(script: string): Run {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `import { decisionWriter, serviceLogger } from ${JSON.stringify(LOGGER)};\nconst logger = serviceLogger();\nconst decide = decisionWriter(logger);\nconst decision = (uid) => ({ webhook: 'validate', uid, resource: 'networkpolicies', operation: 'CREATE', user: 'admin', dryRun: false, decision: 'allow', rules: [], durationMs: 0.1 });\n${script}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = () => output.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, exited, kill: () => child.kill('SIGKILL') };
}

describe('serviceLogger', () => {
  it('writes a lone line without waiting for the buffer to fill', async () => {
    const child = run(`logger.info({ uid: 'a' }, 'admission decision');\nsetInterval(() => {}, 1000);`);
    try {
      await until(() => child.lines().length === 1, 'the line to be written');
      expect(child.lines()[0]).toMatchObject({ name: 'netfence', level: 30, uid: 'a', msg: 'admission decision' });
    } finally {
      child.kill();
    }
  });

  it('loses no buffered line when the process exits or crashes, and keeps the order they were logged in', async () => {
    // Decision lines wait in the batch as fields; other lines are made at once: both in one order.
    const count = 3 * LOG_BATCH_LINES + 5;
    const logs = `for (let i = 0; i < ${count}; i++) i % 3 === 0 ? logger.info({ uid: String(i) }, 'line') : decide(decision(String(i)));`;
    for (const ending of ['process.exit(3);', "throw new Error('crash');", "process.exitCode = 4;"]) {
      const child = run(`${logs}\n${ending}`);
      const code = await child.exited;
      expect(code, ending).not.toBe(0);
      const lines = child.lines();
      expect(lines.map((line) => line['uid'])).toEqual(Array.from({ length: count }, (_, i) => String(i)));
      expect(lines.map((line) => line['msg'])).toEqual(Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 'line' : DECISION_MESSAGE)));
    }
  });

  it('gives a decision line the time it was logged at, not the time its batch is written', async () => {
    // One decision, then 200 ms before the exit writes its batch.
    const child = run(`const logged = Date.now();\ndecide(decision(String(logged)));\nconst until = logged + 200;\nwhile (Date.now() < until);\nprocess.exit(0);`);
    await child.exited;
    const [line] = child.lines();
    expect(line).toMatchObject({ msg: DECISION_MESSAGE });
    expect(Number(line?.['time']) - Number(line?.['uid'])).toBeLessThan(100);
  });
});

class Lines {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
}

// Full unicode (no lone surrogates, which pino's short-string path leaves unescaped), short and long
// (pino escapes strings from 42 characters on with another method).
// And ASCII with quotes, backslashes and control characters, which must be escaped.
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary-ascii', maxLength: 60 }));

const DECISION: DecisionFields = { webhook: 'validate', uid: 'u', resource: 'networkpolicies', operation: 'CREATE', user: 'admin', dryRun: false, decision: 'allow', rules: [], durationMs: 0.1 };

describe('decision lines', () => {
  it('are written exactly as logger.info would write them, time aside', () => {
    const decisionFields = fc.record(
      {
        webhook: fc.constantFrom('validate', 'mutate'),
        uid: text,
        resource: text,
        namespace: fc.option(text, { nil: undefined }),
        name: fc.option(text, { nil: undefined }),
        operation: fc.constantFrom('CREATE', 'UPDATE', 'DELETE'),
        user: text,
        dryRun: fc.boolean(),
        decision: fc.constantFrom('allow', 'deny', 'skip', 'error'),
        mode: fc.option(fc.constantFrom('enforce', 'audit', 'off'), { nil: undefined }),
        rules: fc.array(text, { maxLength: 4 }),
        durationMs: fc.double(),
        stale: fc.constant(true),
      },
      { requiredKeys: ['webhook', 'uid', 'resource', 'operation', 'user', 'dryRun', 'decision', 'rules', 'durationMs'] },
    );
    fc.assert(
      fc.property(decisionFields, (fields) => {
        const stream = new Lines();
        const logger = loggerOver(stream);
        decisionWriter(logger)(fields);
        logger.info(fields, DECISION_MESSAGE);
        const [direct, viaPino] = stream.lines.map((line) => line.replace(/"time":\d+/, '"time":0'));
        expect(direct).toBe(viaPino);
      }),
      { numRuns: 300 },
    );
  });

  it('follow the level, and any other logger gets logger.info', () => {
    const quiet = new Lines();
    const logger = loggerOver(quiet);
    logger.level = 'warn';
    decisionWriter(logger)({ ...DECISION, uid: 'a' });
    expect(quiet.lines).toEqual([]);
    const other = new Lines();
    decisionWriter(pino({}, other))({ ...DECISION, uid: 'b' });
    expect(other.lines.map((line): unknown => JSON.parse(line))).toEqual([expect.objectContaining({ level: 30, uid: 'b', msg: DECISION_MESSAGE })]);
  });
});
