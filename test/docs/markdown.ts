import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * What the docs tests read out of Markdown: fenced code blocks, headings and their GitHub anchors,
 * sections, and transcripts (a `sh` block followed at once by a plain block: a command and what it
 * prints), and how they run a transcript's command as written in the checkout.
 */

export const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'main.js');

/** CodeBlock is one fenced block: its info string's language, its body, and where it sits in the text. */
export interface CodeBlock {
  readonly language: string;
  readonly body: string;
  readonly start: number;
  readonly end: number;
}

/** codeBlocks are the text's fenced (```) blocks, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```[ \t]*$/gm)].map((match) => ({
    language: match[1] ?? '',
    body: match[2] ?? '',
    start: match.index,
    end: match.index + match[0].length,
  }));
}

/** withoutCode is the text with its fenced blocks and inline code spans blanked out (nothing in them is a link or a heading). */
export function withoutCode(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, (block) => block.replace(/[^\n]/g, ' ')).replace(/`+[^`\n]*`+/g, (span) => ' '.repeat(span.length));
}

/** headings are the text of the ATX headings (# ...) outside code blocks, in order. */
export function headings(markdown: string): string[] {
  const blanked = withoutCode(markdown);
  const found: string[] = [];
  for (const match of blanked.matchAll(/^(#{1,6})[ \t]+.*$/gm)) {
    // The heading's own text, code spans included, comes from the original at the same place.
    const line = markdown.slice(match.index, match.index + match[0].length);
    found.push(line.replace(/^#{1,6}[ \t]+/, '').replace(/[ \t]+#+[ \t]*$/, '').trim());
  }
  return found;
}

/** slug is the anchor GitHub gives a heading: its text lower-cased, punctuation dropped, spaces made hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '');
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** anchors are every anchor of the text: its headings' slugs (a repeated one gets -1, -2, ... as on GitHub) and explicit `<a id>`/`<a name>`. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const heading of headings(markdown)) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of markdown.matchAll(/<a\s[^>]*(?:id|name)="([^"]+)"/g)) result.add(match[1] ?? '');
  return result;
}

/** section is the text from a heading (the whole line, e.g. "## `netfence diff`") to the next heading of the same level or higher. */
export function section(markdown: string, heading: string): string {
  const level = /^#+/.exec(heading)?.[0].length ?? 1;
  const lines = markdown.split('\n');
  const blanked = withoutCode(markdown).split('\n');
  const start = lines.findIndex((line, index) => line === heading && blanked[index] !== undefined && blanked[index].startsWith('#'));
  if (start < 0) throw new Error(`no heading "${heading}"`);
  let end = lines.length;
  for (let index = start + 1; index < lines.length; index++) {
    const marks = /^(#+)[ \t]/.exec(blanked[index] ?? '')?.[1];
    if (marks !== undefined && marks.length <= level) {
      end = index;
      break;
    }
  }
  return lines.slice(start, end).join('\n');
}

/** Transcript is a command as a user types it (a `sh` block) and what it prints (the plain block right after it). */
export interface Transcript {
  readonly command: string;
  readonly shown: string;
}

/** transcripts are the text's `sh` blocks that a plain block follows with nothing but blank lines between. */
export function transcripts(markdown: string): Transcript[] {
  const blocks = codeBlocks(markdown);
  const found: Transcript[] = [];
  blocks.forEach((block, index) => {
    const next = blocks[index + 1];
    if (block.language === 'sh' && next !== undefined && next.language === '' && markdown.slice(block.end, next.start).trim() === '') {
      found.push({ command: block.body.trimEnd(), shown: next.body.replace(/\n$/, '') });
    }
  });
  return found;
}

/** shellWords splits a command line as sh would here: at spaces, single and double quotes kept together. */
export function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3] ?? '');
}

/** Run is what a command printed and how it exited. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * runCommand runs a `sh` block as sh would in the checkout, for the shapes the docs use: one
 * `netfence ...` command (lines joined at a trailing `\`), its standard input from a heredoc
 * (`<<'EOF'` ... `EOF`, a real file, so /dev/stdin works), and its output piped to
 * `jq -r .a.b` (done here, so jq need not be installed).
 */
export function runCommand(block: string): Run {
  const [first = '', ...rest] = block.replace(/\\\n\s*/g, ' ').split('\n');
  let line = first;
  let input = '';
  const heredoc = /<<'(\w+)'/.exec(line);
  if (heredoc !== null) {
    const end = rest.indexOf(heredoc[1] ?? '');
    if (end < 0) throw new Error(`no end of the heredoc in: ${block}`);
    input = rest.slice(0, end).map((text) => `${text}\n`).join('');
    if (rest.slice(end + 1).some((text) => text.trim() !== '')) throw new Error(`more than one command in: ${block}`);
    line = line.replace(heredoc[0], '');
  } else if (rest.some((text) => text.trim() !== '' && !text.trim().startsWith('#'))) {
    throw new Error(`more than one command in: ${block}`);
  }
  const [command = '', pipe] = line.replace(/\s#.*$/, '').split('|');
  let jqPath: string[] | undefined;
  if (pipe !== undefined) {
    const jq = /^\s*jq -r (\.[\w.]+)\s*$/.exec(pipe);
    if (jq === null) throw new Error(`a pipe the docs tests cannot run: |${pipe}`);
    jqPath = (jq[1] ?? '').split('.').slice(1);
  }
  const [program, ...args] = shellWords(command);
  if (program !== 'netfence') throw new Error(`not a netfence command: ${command}`);
  const directory = mkdtempSync(join(tmpdir(), 'netfence-docs-'));
  const stdinPath = join(directory, 'stdin');
  writeFileSync(stdinPath, input);
  const stdin = openSync(stdinPath, 'r');
  try {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    let stdout = result.stdout;
    if (jqPath !== undefined) {
      let value: unknown = JSON.parse(stdout);
      for (const key of jqPath) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      stdout = `${typeof value === 'string' ? value : JSON.stringify(value)}\n`;
    }
    return { code: result.status, stdout, stderr: result.stderr };
  } finally {
    closeSync(stdin);
  }
}

/** Shell is what a `sh` block printed (standard output and standard error in one stream, in the order written) and how it exited. */
export interface Shell {
  readonly code: number | null;
  readonly output: string;
}

/**
 * runShell runs a `sh` block with sh in the checkout, as a reader would paste it: any shell the
 * block holds (mkdir, cp, heredocs, redirections), `netfence` being the built CLI. What it prints
 * goes to one stream, as a terminal shows it. `paths` rewrites the page's scratch paths first (the
 * page's /tmp/... becomes a fresh directory), so runs never share one.
 */
export function runShell(block: string, paths: ReadonlyMap<string, string> = new Map()): Shell {
  let script = block;
  for (const [from, to] of paths) script = script.split(from).join(to);
  const directory = mkdtempSync(join(tmpdir(), 'netfence-docs-'));
  const outputPath = join(directory, 'output');
  const output = openSync(outputPath, 'w');
  try {
    const result = spawnSync('sh', ['-c', `netfence() { "$NETFENCE_DOCS_NODE" "$NETFENCE_DOCS_BIN" "$@"; }\n${script}`], {
      cwd: ROOT,
      stdio: ['ignore', output, output],
      env: { ...process.env, NO_COLOR: '1', NETFENCE_DOCS_NODE: process.execPath, NETFENCE_DOCS_BIN: BIN },
    });
    return { code: result.status, output: readFileSync(outputPath, 'utf8') };
  } finally {
    closeSync(output);
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * shownMismatch compares what the docs show with what was printed: the shown lines in order, a
 * line `...` standing for any number of lines left out; between two `...` the lines are
 * consecutive, and without `...` at the start (end) the shown lines start (end) the output.
 * Undefined when they agree, else what differs.
 */
export function shownMismatch(printed: string, shown: string): string | undefined {
  const out = printed.replace(/\n$/, '').split('\n');
  const parts: string[][] = [[]];
  for (const line of shown.split('\n')) {
    if (line === '...') parts.push([]);
    else parts[parts.length - 1]?.push(line);
  }
  let at = 0;
  for (const [index, part] of parts.entries()) {
    if (part.length === 0) continue;
    const anchoredStart = index === 0;
    const anchoredEnd = index === parts.length - 1;
    const fits = (from: number): boolean => part.every((line, offset) => out[from + offset] === line);
    let found = -1;
    if (anchoredStart) found = fits(0) ? 0 : -1;
    else if (anchoredEnd) found = out.length - part.length >= at && fits(out.length - part.length) ? out.length - part.length : -1;
    else for (let from = at; from + part.length <= out.length && found < 0; from++) if (fits(from)) found = from;
    if (found < 0 || (anchoredEnd && found + part.length !== out.length)) {
      return `not printed${anchoredStart ? ' at the start' : anchoredEnd ? ' at the end' : ''} (after line ${at}):\n${part.join('\n')}\n--- printed:\n${printed}`;
    }
    at = found + part.length;
  }
  return undefined;
}
