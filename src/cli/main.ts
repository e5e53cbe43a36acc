#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/load-config.js';
import { DecodeError } from '../k8s/decode.js';
import { StateError } from '../state/load-state.js';
import type { Command, Io } from './command.js';
import { auditCommand } from './commands/audit.js';
import { baselineCommand } from './commands/baseline.js';
import { certsCommand } from './commands/certs.js';
import { checkCommand } from './commands/check.js';
import { completionCommand } from './commands/completion.js';
import { diffCommand } from './commands/diff.js';
import { COMMAND_HELP, formatCommandHelp } from './help.js';
import { ListenError } from './args/listen-address.js';
import { reportCommand } from './commands/report.js';
import { reviewCommand } from './commands/review.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { testCommand } from './commands/test.js';
import { UsageError } from './usage-error.js';
import { packageVersion } from './version.js';

/** EXIT_USAGE is the exit code for a bad command line, bad input files, or an address `serve` cannot listen on. */
export const EXIT_USAGE = 2;

/** COMMANDS are the registered commands, in the order `netfence help` lists them. Each has its help in help.ts. */
export const COMMANDS: readonly Command[] = [serveCommand, checkCommand, testCommand, reviewCommand, simulateCommand, diffCommand, reportCommand, baselineCommand, certsCommand, auditCommand, completionCommand(() => COMMANDS.map((command) => command.name))];

/** overview is `netfence help`: every command with its summary. */
function overview(): string {
  const rows: [string, string][] = [...COMMANDS.map((command): [string, string] => [command.name, command.summary]), ['help', COMMAND_HELP.get('help')?.summary ?? '']];
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
function commandHelp(command: Command): string {
  const help = COMMAND_HELP.get(command.name);
  return help === undefined ? `Usage: ${command.usage}\n\n${command.summary}` : formatCommandHelp(help);
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
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr(`netfence: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return EXIT_USAGE;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`netfence ${command.name}: ${messageOf(error)}\nUsage: ${command.usage}`);
      return EXIT_USAGE;
    }
    if (error instanceof StateError || error instanceof DecodeError || error instanceof ConfigError || error instanceof ListenError) {
      io.stderr(`netfence ${command.name}: ${error.message}`);
      return EXIT_USAGE;
    }
    io.stderr(`netfence ${command.name}: internal error: ${messageOf(error)} (set NETFENCE_DEBUG=1 for details)`);
    if (process.env['NETFENCE_DEBUG'] && error instanceof Error) io.stderr(error.stack ?? '');
    return 70; // EX_SOFTWARE
  }
}

/** help runs `netfence help [COMMAND]`. */
function help(args: readonly string[], io: Io): number {
  const [name, ...extra] = args;
  if (name === undefined) {
    io.stdout(overview());
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  const ownHelp = name === 'help' ? COMMAND_HELP.get('help') : undefined;
  const text = command !== undefined ? commandHelp(command) : ownHelp !== undefined ? formatCommandHelp(ownHelp) : undefined;
  if (text === undefined || extra.length > 0) {
    io.stderr(text === undefined ? `netfence help: unknown command ${JSON.stringify(name)}\n\n${overview()}` : 'netfence help: expected one COMMAND\nUsage: netfence help [COMMAND]');
    return EXIT_USAGE;
  }
  io.stdout(text);
  return 0;
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
