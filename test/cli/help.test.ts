import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import type { Command } from '../../src/cli/command.js';
import { COMMANDS as ENTRIES } from '../../src/cli/main.js';
import { run } from '../support/cli.js';
import { COMMAND_HELP, flagDefault, flagLabel } from '../../src/cli/help.js';
import type { CommandHelp, FlagHelp } from '../../src/cli/help.js';

/**
 * `netfence help CMD` documents every flag each registered command accepts, with the default its
 * parser has, and documents no flag it does not accept. What a command accepts is read from the
 * command itself: parseArgs (every command parses its flags with it) is wrapped so that, while
 * probing, it records the configuration it is given and stops the command there. So a flag added
 * to a command without help in src/cli/help.ts fails here. Commands with help but not registered
 * in main.ts yet are skipped, by name.
 */

/** COMMANDS are the registered commands, loaded (main.ts loads each only when it runs). */
const COMMANDS: readonly Command[] = await Promise.all(ENTRIES.map((entry) => entry.load()));

const PROBE_STOP = 'netfence help test: parseArgs probed';
const probe = vi.hoisted(() => ({ recording: false, configs: [] as unknown[] }));

vi.mock('node:util', async (importOriginal) => {
  const util = await importOriginal<typeof import('node:util')>();
  const parseArgs = (config: ParseArgsConfig) => {
    if (!probe.recording) return util.parseArgs(config);
    probe.configs.push(config);
    throw new Error(PROBE_STOP);
  };
  return { ...util, parseArgs, default: { ...util, parseArgs } };
});

interface Accepted {
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly allowPositionals: boolean;
}

/** accepted runs the command up to its parseArgs call and returns the configuration it passes. */
async function accepted(command: Command): Promise<Accepted> {
  probe.configs = [];
  probe.recording = true;
  try {
    await command.run(['--netfence-help-probe'], { stdout: () => undefined, stderr: () => undefined, stdin: async () => '' });
    throw new Error(`netfence ${command.name} ran without parsing its flags`);
  } catch (error) {
    if (!(error instanceof Error && error.message === PROBE_STOP)) throw error;
  } finally {
    probe.recording = false;
  }
  const [config] = probe.configs as ParseArgsConfig[];
  if (config === undefined) throw new Error(`netfence ${command.name} did not parse its flags with parseArgs: its help cannot be checked`);
  return { options: config.options ?? {}, allowPositionals: config.allowPositionals ?? config.strict === false };
}

/** mentionedFlags are the flags a usage line names: `--state`, `-n`. */
function mentionedFlags(usage: string): string[] {
  return [...usage.matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])/g)].map((match) => match[1] ?? '');
}

function documented(help: CommandHelp, name: string): FlagHelp | undefined {
  return help.flags.find((flag) => flag.name === name || flag.short === name);
}

const registered = new Set(COMMANDS.map((command) => command.name));
const notRegistered = [...COMMAND_HELP.keys()].filter((name) => !registered.has(name) && name !== 'help');

describe('help of each registered command', () => {
  it.each(COMMANDS.map((command) => [command.name, command] as const))('%s: has help, with exit codes 0 and 2 and an example of itself', (name) => {
    const help = COMMAND_HELP.get(name);
    expect(help, `add netfence ${name}'s help to COMMAND_HELP in src/cli/help.ts`).toBeDefined();
    if (help === undefined) return;
    expect(help.exitCodes.map((exit) => exit.code)).toEqual(expect.arrayContaining([0, 2]));
    expect(help.examples.some((example) => example.command.includes(`netfence ${name}`))).toBe(true);
  });

  it.each(COMMANDS.map((command) => [command.name, command] as const))('%s: documents every flag it accepts, as it accepts it, and no other', async (name, command) => {
    const help = COMMAND_HELP.get(name);
    if (help === undefined) return; // the test above fails
    const { options, allowPositionals } = await accepted(command);
    for (const [long, option] of Object.entries(options)) {
      const flag = documented(help, `--${long}`);
      expect(flag, `netfence ${name} accepts --${long}: document it in src/cli/help.ts`).toBeDefined();
      if (flag === undefined) continue;
      expect(flag.kind, `--${long}`).toBe(option.type === 'boolean' ? 'switch' : 'value');
      expect(flag.short, `--${long}'s short form`).toBe(option.short === undefined ? undefined : `-${option.short}`);
      if (flag.kind === 'value') {
        expect(flag.repeatable === true, `--${long} repeatable`).toBe(option.multiple === true);
        if (typeof option.default === 'string') expect(flag, `--${long}'s default`).toMatchObject({ default: option.default });
      }
    }
    const acceptedNames = new Set(Object.keys(options).map((long) => `--${long}`));
    for (const flag of help.flags) expect(acceptedNames.has(flag.name), `netfence ${name} does not accept ${flag.name}, which its help documents`).toBe(true);
    // Arguments documented are accepted (a command may accept them only to refuse them by name, as certs does).
    if (help.arguments.length > 0) expect(allowPositionals, `netfence ${name} takes no arguments, which its help documents`).toBe(true);
  });

  it.each(COMMANDS.map((command) => [command.name, command] as const))('%s: documents every flag its usage lines name', (name, command) => {
    const help = COMMAND_HELP.get(name);
    if (help === undefined) return;
    for (const flag of new Set([...mentionedFlags(command.usage), ...mentionedFlags(help.synopsis)])) {
      expect(documented(help, flag), `netfence ${name}'s usage names ${flag}`).toBeDefined();
    }
  });

  it.each(COMMANDS.map((command) => [command.name] as const))('%s: help CMD and CMD --help print every flag with its default, the exit codes and the examples', async (name) => {
    const help = COMMAND_HELP.get(name);
    if (help === undefined) return;
    const viaHelp = await run('help', name);
    const viaFlag = await run(name, '--help');
    expect(viaHelp.code).toBe(0);
    expect(viaFlag).toEqual(viaHelp);
    // Each flag's line, its description and default following (wrapped, so spaces are compared loosely).
    const text = viaHelp.out.replace(/\s+/g, ' ');
    for (const flag of help.flags) {
      expect(text, flag.name).toContain(` ${flagLabel(flag)} ${[flag.description, flagDefault(flag)].filter((part) => part !== undefined).join(' ')}`);
    }
    for (const exit of help.exitCodes) expect(text).toContain(` ${exit.code} ${exit.meaning}`);
    for (const example of help.examples) expect(viaHelp.out).toContain(`\n  ${example.command}`);
    expect(viaHelp.out).toMatch(/\nExit codes:\n/);
    expect(viaHelp.out).toMatch(/\nExamples?:\n/);
    // Lines fit a wide terminal, except an example that cannot be broken.
    for (const line of viaHelp.out.split('\n')) if (!help.examples.some((example) => line.includes(example.command)) && !line.startsWith('Usage:')) expect(line.length, line).toBeLessThanOrEqual(120);
  });

  it.skipIf(notRegistered.length === 0).each(notRegistered)('%s: not registered in main.ts yet, skipped', () => undefined);
});

describe('netfence help, --version', () => {
  it('help lists every command with its summary, help itself too', async () => {
    const { code, out } = await run('help');
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(out).toMatch(new RegExp(`\\n  ${command.name} +${(COMMAND_HELP.get(command.name)?.summary ?? 'no summary').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    expect(out).toMatch(/\n {2}help +list the commands/);
    expect(await run('--help')).toEqual({ code: 0, out, err: '' });
  });

  it('help of an unknown command is exit 2 on stderr, and so is more than one', async () => {
    const unknown = await run('help', 'deploy');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toBe('');
    expect(unknown.err).toMatch(/^netfence help: unknown command "deploy"\n/);
    expect((await run('help', 'check', 'audit')).code).toBe(2);
    const own = await run('help', 'help');
    expect(own.code).toBe(0);
    expect(own.out).toContain('Usage: netfence help [COMMAND]');
  });

  it('--version prints the version of package.json', async () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(await run('--version')).toEqual({ code: 0, out: manifest.version, err: '' });
  });
});
