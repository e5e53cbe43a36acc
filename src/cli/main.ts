#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command, Io } from './command.js';
import { COMMAND_HELP, formatCommandHelp } from './help.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

/** EXIT_USAGE is the exit code for a bad command line, bad input files, or an address `serve` cannot listen on. */
export const EXIT_USAGE = 2;

/**
 * CommandEntry is a registered command: its name, and its module, loaded only when the command runs,
 * so that `netfence --version`, `help` and the offline commands (check, simulate, ...) never load the
 * server or the Kubernetes client. Its summary and help are in help.ts.
 */
export interface CommandEntry {
  readonly name: string;
  readonly load: () => Promise<Command>;
}

/** COMMANDS are the registered commands, in the order `netfence help` lists them. Each has its help in help.ts. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'serve', load: async () => (await import('./commands/serve.js')).serveCommand },
  { name: 'check', load: async () => (await import('./commands/check.js')).checkCommand },
  { name: 'test', load: async () => (await import('./commands/test.js')).testCommand },
  { name: 'review', load: async () => (await import('./commands/review.js')).reviewCommand },
  { name: 'simulate', load: async () => (await import('./commands/simulate.js')).simulateCommand },
  { name: 'diff', load: async () => (await import('./commands/diff.js')).diffCommand },
  { name: 'report', load: async () => (await import('./commands/report.js')).reportCommand },
  { name: 'intents', load: async () => (await import('./commands/intents.js')).intentsCommand },
  { name: 'baseline', load: async () => (await import('./commands/baseline.js')).baselineCommand },
  { name: 'certs', load: async () => (await import('./commands/certs.js')).certsCommand },
  { name: 'audit', load: async () => (await import('./commands/audit.js')).auditCommand },
  { name: 'completion', load: async () => (await import('./commands/completion.js')).completionCommand(() => COMMANDS.map((command) => command.name)) },
];

/** overview is `netfence help`: every command with its summary. */
function overview(): string {
  const rows: [string, string][] = [...COMMANDS.map(({ name }) => name), 'help'].map((name): [string, string] => [name, COMMAND_HELP.get(name)?.summary ?? '']);
  const width = Math.max(...rows.map(([name]) => name.length));
  return [
    'netfence: NetworkPolicy guardrails for Kubernetes',
    '',
    'Usage: netfence COMMAND [options]',
    '',
    'Commands:',
    ...rows.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}`),
    '',
    "Run 'netfence help COMMAND' (or 'netfence COMMAND --help') for a command's options, exit codes and examples;",
    "'netfence --version' for the version.",
  ].join('\n');
}

/** commandHelp is `netfence help CMD`: help.ts's entry (the help test makes every registered command have one), else its usage. */
async function commandHelp(entry: CommandEntry): Promise<string> {
  const help = COMMAND_HELP.get(entry.name);
  return help === undefined ? `Usage: ${(await entry.load()).usage}` : formatCommandHelp(help);
}


/**
 * runCli runs one command line and returns the exit code. Every expected failure (bad flags, bad
 * YAML, a missing file) becomes one line on stderr; only a bug shows more, and only with
 * NETFENCE_DEBUG set.
 */
export async function runCli(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout(overview());
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === '--version') {
    io.stdout(packageVersion());
    return 0;
  }
  if (name === 'help') return help(args, io);
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    io.stderr(`netfence: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(await commandHelp(entry));
    return 0;
  }
  const command = await entry.load();
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`netfence ${command.name}: ${messageOf(error)}\nUsage: ${command.usage}`);
      return EXIT_USAGE;
    }
    if (await isBadInput(error)) {
      io.stderr(`netfence ${command.name}: ${messageOf(error)}`);
      return EXIT_USAGE;
    }
    io.stderr(`netfence ${command.name}: internal error: ${messageOf(error)} (set NETFENCE_DEBUG=1 for details)`);
    if (process.env['NETFENCE_DEBUG'] && error instanceof Error) io.stderr(error.stack ?? '');
    return 70; // EX_SOFTWARE
  }
}

/** help runs `netfence help [COMMAND]`. */
async function help(args: readonly string[], io: Io): Promise<number> {
  const [name, ...extra] = args;
  if (name === undefined) {
    io.stdout(overview());
    return 0;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  const ownHelp = name === 'help' ? COMMAND_HELP.get('help') : undefined;
  const text = entry !== undefined ? await commandHelp(entry) : ownHelp !== undefined ? formatCommandHelp(ownHelp) : undefined;
  if (text === undefined || extra.length > 0) {
    io.stderr(text === undefined ? `netfence help: unknown command ${JSON.stringify(name)}\n\n${overview()}` : 'netfence help: expected one COMMAND\nUsage: netfence help [COMMAND]');
    return EXIT_USAGE;
  }
  io.stdout(text);
  return 0;
}

/**
 * isBadInput says whether an error is an expected one: a bad state or manifest, a bad configuration,
 * an address `serve` cannot listen on. Their modules load only on this path (a command that could
 * have thrown one has loaded its module already), so a command that succeeds never pays for them.
 */
async function isBadInput(error: unknown): Promise<boolean> {
  const [{ StateError }, { DecodeError }, { ConfigError }, { ListenError }] = await Promise.all([
    import('../state/load-state.js'),
    import('../k8s/decode.js'),
    import('../config/load-config.js'),
    import('./args/listen-address.js'),
  ]);
  return error instanceof StateError || error instanceof DecodeError || error instanceof ConfigError || error instanceof ListenError;
}

function isParseArgsError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that stops early (`netfence audit | head`) closes the pipe: end quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const io: Io = {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
  };
  process.exitCode = await runCli(process.argv.slice(2), io);
}
