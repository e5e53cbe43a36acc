/**
 * The text form of serve's log lines, for a person at a terminal: local time, level, message, then
 * the fields as key=value, an error's stack below its line.
 *
 *   14:03:27.412 INFO  admission decision webhook=validate uid=705ab4f5 resource=networkpolicies namespace=team-b name=reports-egress operation=DELETE ... rules=[essential-egress] durationMs=0.41
 *
 * Not pino-pretty: it takes `name` for the logger's name (printed in the header, never among the
 * fields), and in netfence's lines `name` is the object a decision is about.
 */

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
// ANSI colours of each level's label; the fields are dimmed.
const LEVEL_COLOURS: Readonly<Record<number, string>> = { 10: '90', 20: '34', 30: '32', 40: '33', 50: '31', 60: '35' };
const DIM = '2';

/** colourful says whether text written to a stream should be coloured: a terminal, unless NO_COLOR is set or TERM is dumb; FORCE_COLOR (not 0) forces it. */
export function colourful(isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return isTTY && env['TERM'] !== 'dumb';
}

function paint(text: string, colour: string | undefined, colours: boolean): string {
  return colours && colour !== undefined ? `\u001b[${colour}m${text}\u001b[0m` : text;
}

function clock(time: unknown): string {
  const date = typeof time === 'number' ? new Date(time) : new Date(NaN);
  if (Number.isNaN(date.getTime())) return '--:--:--.---';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

// A value printed as it is: no space, quote, '=' or control character, and not empty.
const BARE = /^[^\s"=\u0000-\u001f]+$/;

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return BARE.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' && BARE.test(item) && !item.includes(','))) return `[${value.join(',')}]`;
  return JSON.stringify(value) ?? String(value);
}

function stackOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null && 'stack' in value && typeof value.stack === 'string' ? value.stack : undefined;
}

/**
 * textLine is one log record (a JSON line parsed, the logger's own pid, hostname and name left
 * out) as text, ending in a newline. Fields keep their order; an error (a field with a stack, as
 * pino writes `err`) is named on the line and its stack follows, indented.
 */
export function textLine(record: Readonly<Record<string, unknown>>, colours: boolean): string {
  const { level, time, msg, ...fields } = record;
  const levelNumber = typeof level === 'number' ? level : 30;
  const label = (LEVELS[levelNumber] ?? `L${String(level)}`).padEnd(5);
  let line = `${clock(time)} ${paint(label, LEVEL_COLOURS[levelNumber], colours)} ${typeof msg === 'string' ? msg : fieldValue(msg)}`;
  const stacks: string[] = [];
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const stack = stackOf(value);
    if (stack !== undefined) {
      stacks.push(stack);
      const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : undefined;
      pairs.push(`${key}=${fieldValue(typeof message === 'string' ? message : 'error')}`);
    } else pairs.push(`${key}=${fieldValue(value)}`);
  }
  if (pairs.length > 0) line += ` ${paint(pairs.join(' '), DIM, colours)}`;
  for (const stack of stacks) line += `\n${stack.split('\n').map((text) => `    ${text}`).join('\n')}`;
  return `${line}\n`;
}
