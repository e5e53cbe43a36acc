import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { colourful, textLine } from '../../src/server/log-text.js';
import { DECISION_MESSAGE, LOG_BATCH_LINES, defaultLogFormat, isLogFormat } from '../../src/server/logger.js';
import { until } from '../support/until.js';
import { startNode } from '../support/child.js';
import type { NodeChild } from '../support/child.js';

/**
 * `serve --log-format text|json`: text for a person at a terminal, JSON lines otherwise. The text
 * logger keeps what the batched JSON logger promises (test/server/logger.test.ts): every line, in
 * the order logged, written at exit and at a crash. A child with a pseudo-terminal is hard to
 * make, so the default is tested as the pure function of isTTY that serve calls, and the flag
 * explicitly.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const LOGGER = pathToFileURL(join(ROOT, 'dist', 'server', 'logger.js')).href;
const BIN = join(ROOT, 'dist', 'cli', 'main.js');
const STATE = join(ROOT, 'examples', 'cluster');

// A text line: time, level, message and fields (key=value).
const TEXT_LINE = /^\d\d:\d\d:\d\d\.\d{3} (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) (.*)$/;

interface TextLine {
  readonly level: string;
  /** rest is the message and the fields. */
  readonly rest: string;
}

function parsed(line: string): TextLine {
  const match = TEXT_LINE.exec(line);
  if (match === null) throw new Error(`not a text log line: ${JSON.stringify(line)}`);
  return { level: (match[1] ?? '').trim(), rest: match[2] ?? '' };
}

/** field is a bare key=value of a text line. */
function field(line: TextLine, key: string): string | undefined {
  return new RegExp(`(?:^| )${key}=(\\S+)`).exec(line.rest)?.[1];
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

type Child = NodeChild;

function start(args: readonly string[]): Child {
  // NO_COLOR: the text must be plain even where the test runner forces colours.
  const started = startNode(args, { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' });
  children.push(started.child);
  return started;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('the default log format', () => {
  it('is text on a terminal and JSON anywhere else', () => {
    expect(defaultLogFormat(true)).toBe('text');
    expect(defaultLogFormat(false)).toBe('json');
    expect(['json', 'text', 'pretty', ''].filter(isLogFormat)).toEqual(['json', 'text']);
  });
});

describe('textLine', () => {
  const time = new Date(2026, 0, 2, 3, 4, 5, 6).getTime();

  it.each([
    [{ level: 30, time, msg: 'hello' }, '03:04:05.006 INFO  hello'],
    [{ level: 40, time, msg: 'state', notice: 'team-a.yaml: kind Secret skipped' }, '03:04:05.006 WARN  state notice="team-a.yaml: kind Secret skipped"'],
    [{ level: 50, time, msg: 'x', empty: '', equals: 'a=b', n: 1.5, ok: true, none: null, list: ['a', 'b'], spaced: ['a b'], object: { k: 'v' } }, '03:04:05.006 ERROR x empty="" equals="a=b" n=1.5 ok=true none=null list=[a,b] spaced=["a b"] object={"k":"v"}'],
    [{ level: 35, time: 'soon', msg: 'odd' }, '--:--:--.--- L35   odd'],
    [{ level: 20, time, msg: 'quoted', path: 'C:\\x "y"\n' }, '03:04:05.006 DEBUG quoted path="C:\\\\x \\"y\\"\\n"'],
  ])('%j', (record, text) => {
    expect(textLine(record, false)).toBe(`${text}\n`);
  });

  it('colours the level and dims the fields when asked', () => {
    expect(textLine({ level: 40, time, msg: 'careful', a: 1 }, true)).toBe('03:04:05.006 \u001b[33mWARN \u001b[0m careful \u001b[2ma=1\u001b[0m\n');
  });

  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { TERM: 'dumb' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { NO_COLOR: '' }, true],
  ])('colours a terminal %s with %j: %s', (isTTY, env, expected) => {
    expect(colourful(isTTY, env)).toBe(expected);
  });
});

describe('serviceLogger in text', () => {
  function run(script: string): Child {
    const decision = "(uid) => ({ webhook: 'validate', uid, resource: 'networkpolicies', namespace: 'team-a', name: 'web', operation: 'CREATE', user: 'admin', dryRun: false, decision: 'deny', mode: 'enforce', rules: ['essential-egress'], durationMs: 0.25 })";
    const program = `import { decisionWriter, serviceLogger } from ${JSON.stringify(LOGGER)};\nconst logger = serviceLogger(1, 'text');\nconst decide = decisionWriter(logger);\nconst decision = ${decision};\n${script}`;
    return start(['--input-type=module', '-e', program]);
  }

  it('loses no buffered line when the process exits or crashes, and keeps the order they were logged in', async () => {
    const count = 3 * LOG_BATCH_LINES + 5;
    const logs = `for (let i = 0; i < ${count}; i++) i % 3 === 0 ? logger.warn({ uid: String(i) }, 'line') : decide(decision(String(i)));`;
    for (const ending of ['process.exit(3);', "throw new Error('crash');", 'process.exitCode = 4;']) {
      const child = run(`${logs}\n${ending}`);
      expect(await child.exited, ending).not.toBe(0);
      const logged = lines(child.stdout()).map(parsed);
      expect(logged.map((line) => field(line, 'uid'))).toEqual(Array.from({ length: count }, (_, i) => String(i)));
      expect(logged.map((line) => `${line.level} ${line.rest.startsWith('line ') ? 'line' : line.rest.startsWith(`${DECISION_MESSAGE} `) ? DECISION_MESSAGE : line.rest}`)).toEqual(
        Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 'WARN line' : `INFO ${DECISION_MESSAGE}`)),
      );
    }
  });

  it("writes a decision with its fields, its object's name among them, and not the logger's pid, hostname or name; an error with its stack", async () => {
    const child = run("decide(decision('u1'));\ndecide({ ...decision('u2'), name: undefined });\nlogger.info({ name: 'team-a' }, 'a line with a name');\nlogger.error({ err: new Error('boom') }, 'failed');\nprocess.exit(0);");
    expect(await child.exited).toBe(0);
    const [named, unnamed, other, ...failed] = lines(child.stdout());
    expect(parsed(named ?? '')).toEqual({
      level: 'INFO',
      rest: `${DECISION_MESSAGE} webhook=validate uid=u1 resource=networkpolicies namespace=team-a name=web operation=CREATE user=admin dryRun=false decision=deny mode=enforce rules=[essential-egress] durationMs=0.25`,
    });
    // The logger's own name is in every JSON line; the text has only a decision's.
    expect(parsed(unnamed ?? '').rest).not.toMatch(/ name=|pid=|hostname=/);
    expect(parsed(other ?? '')).toEqual({ level: 'INFO', rest: 'a line with a name name=team-a' });
    expect(failed[0]).toMatch(/^[\d:.]+ ERROR failed err=boom$/);
    expect(failed[1]).toBe('    Error: boom');
    expect(failed[2]).toMatch(/^ {8}at /);
    expect(child.stdout()).not.toContain('\u001b['); // not a terminal
  });

  it('writes a lone line without waiting for the buffer to fill', async () => {
    const child = run("logger.info({ uid: 'a' }, 'alone');\nsetInterval(() => {}, 1000);");
    await until(() => lines(child.stdout()).length === 1, 'the line to be written');
    expect(parsed(lines(child.stdout())[0] ?? '')).toEqual({ level: 'INFO', rest: 'alone uid=a' });
  });
});

describe('serve --log-format', () => {
  function serve(...flags: string[]): Child {
    const certs = join(mkdtempSync(join(tmpdir(), 'netfence-log-format-')), 'certs');
    return start([BIN, 'serve', '--state', STATE, '--host', '127.0.0.1', '--port', '0', '--certs-dir', certs, ...flags]);
  }

  /** served runs serve until it listens, stops it with Ctrl-C and returns its stdout lines: all of them, flushed at exit. */
  async function served(child: Child): Promise<string[]> {
    await until(() => child.stdout().includes('netfence is serving'), 'netfence serve to listen', 15_000);
    child.child.kill('SIGINT');
    expect(await child.exited).toBe(0);
    return lines(child.stdout());
  }

  it('text: every line readable, from the first to the last', async () => {
    const logged = (await served(serve('--log-format', 'text'))).map(parsed);
    expect(logged.some((line) => line.rest.startsWith('standalone: serving a state from files state='))).toBe(true);
    expect(logged.at(-1)).toEqual({ level: 'INFO', rest: 'stopped' });
    const listening = logged.find((line) => line.rest.startsWith('netfence is serving '));
    expect(listening === undefined ? undefined : field(listening, 'address')).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it.each([[['--log-format', 'json']], [[]]])('%j: JSON lines (stdout is a pipe here, not a terminal)', async (flags) => {
    const logged = (await served(serve(...flags))).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((line) => line['msg'])).toEqual(expect.arrayContaining(['netfence is serving', 'stopped']));
    expect(logged.every((line) => line['name'] === 'netfence' && typeof line['time'] === 'number')).toBe(true);
  });

  it('refuses another format, exit 2', async () => {
    const err: string[] = [];
    const code = await runCli(['serve', '--state', STATE, '--log-format', 'pretty'], { stdout: () => undefined, stderr: (text) => err.push(text) });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('netfence serve: --log-format "pretty": expected json or text');
  });
});
