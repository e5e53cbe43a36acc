import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_HELP } from '../../src/cli/help.js';
import { COMMANDS, runCli } from '../../src/cli/main.js';

/**
 * `netfence completion bash|zsh`: bash loads the script (bash -n, then complete -p after sourcing
 * it) and its function completes commands, each command's flags and their values as the help
 * describes them. zsh, where it is installed, parses the script and registers it with compinit;
 * without zsh, the script's structure is checked.
 */

const execFileAsync = promisify(execFile);

async function script(shell: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['completion', shell], { stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function hasShell(shell: string): boolean {
  try {
    execFileSync(shell, ['-c', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'netfence-completion-'));
const registered = COMMANDS.map((command) => command.name);

describe('netfence completion', () => {
  it('refuses no shell, another shell and more than one, exit 2', async () => {
    for (const argv of [[], ['fish'], ['bash', 'zsh']]) {
      const out: string[] = [];
      const err: string[] = [];
      expect(await runCli(['completion', ...argv], { stdout: (text) => out.push(text), stderr: (text) => err.push(text) })).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n')).toMatch(/^netfence completion: .*bash or zsh/);
    }
  });
});

describe('netfence completion bash', () => {
  const file = join(dir, 'netfence.bash');
  const cwd = join(dir, 'cwd');

  beforeAll(async () => {
    const { code, out } = await script('bash');
    expect(code).toBe(0);
    writeFileSync(file, `${out}\n`);
    // What files and directories complete to.
    mkdirSync(join(cwd, 'snapshot'), { recursive: true });
    writeFileSync(join(cwd, 'policy.yaml'), '');
  });

  /** complete runs the completion function on a command line (the last word is the one being typed) and returns what it offers. */
  async function complete(...line: string[]): Promise<string[]> {
    const program = `source ${JSON.stringify(file)}; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _netfence; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await execFileAsync('bash', ['-c', program, 'bash', ...line], { cwd });
    return stdout.split('\n').filter((word) => word !== '').sort();
  }

  it('parses, and registers itself for netfence', async () => {
    await execFileAsync('bash', ['-n', file]);
    const { stdout } = await execFileAsync('bash', ['-c', `source ${JSON.stringify(file)} && complete -p netfence`]);
    expect(stdout.trim()).toBe('complete -o filenames -F _netfence netfence');
  });

  it('completes the commands', async () => {
    expect(await complete('netfence', '')).toEqual([...registered, 'help', '--help', '--version'].sort());
    expect(await complete('netfence', 'si')).toEqual(['simulate']);
    expect(await complete('netfence', 'help', 'ba')).toEqual(['baseline']);
    expect(await complete('netfence', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it.each(registered)("completes every flag of %s, as its help lists them", async (name) => {
    const help = COMMAND_HELP.get(name);
    expect(help).toBeDefined();
    const longs = help?.flags.map((flag) => flag.name) ?? [];
    expect(await complete('netfence', name, '--')).toEqual([...longs, '--help'].sort());
  });

  it("completes flags' values: words, directories, files, nothing for free text", async () => {
    expect(await complete('netfence', 'serve', '--log-format', '')).toEqual(['json', 'text']);
    // --log-format=t: bash splits the word at the =.
    expect(await complete('netfence', 'serve', '--log-format', '=', 't')).toEqual(['text']);
    expect(await complete('netfence', 'serve', '--certs-dir', '')).toEqual(['snapshot']);
    expect(await complete('netfence', 'serve', '--config', '')).toEqual(['policy.yaml', 'snapshot']);
    expect(await complete('netfence', 'serve', '--port', '')).toEqual([]);
    expect(await complete('netfence', 'check', '--state', 'snap')).toEqual(['snapshot']);
    expect(await complete('netfence', 'check', '--state', 'snapshot', 'pol')).toEqual(['policy.yaml']);
    expect(await complete('netfence', 'baseline', '')).toEqual([]);
    if (registered.includes('check') && COMMAND_HELP.get('check')?.flags.some((flag) => flag.short === '-o')) {
      expect(await complete('netfence', 'check', '-o', '')).toEqual(['json', 'junit', 'sarif', 'text']);
    }
  });
});

describe('netfence completion zsh', () => {
  let text = '';
  beforeAll(async () => {
    const { code, out } = await script('zsh');
    expect(code).toBe(0);
    text = out;
  });

  it('is a #compdef function that registers itself when sourced, with every command and its flags', () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('#compdef netfence');
    expect(text).toContain('\n_netfence() {\n');
    expect(text).toContain('\n  compdef _netfence netfence\n');
    for (const name of [...registered, 'help']) {
      const help = COMMAND_HELP.get(name);
      expect(text).toContain(`\n    '${name}:`);
      const branch = text.slice(text.indexOf(`\n    (${name})\n`));
      expect(branch, name).toMatch(/^\n {4}\(\S+\)\n {6}_arguments -s -S \\\n/);
      const body = branch.slice(0, branch.indexOf('\n      ;;'));
      for (const flag of help?.flags ?? []) expect(body, `${name} ${flag.name}`).toMatch(new RegExp(`[{,'*]${flag.name}[=\\[]`));
    }
    // Quotes balance on every line (an escaped quote is '\''), and every continued line ends in one backslash.
    for (const line of lines) expect(line.replace(/'\\''/g, '').split("'").length % 2, line).toBe(1);
  });

  it.skipIf(!hasShell('zsh'))('parses in zsh and registers _netfence with compinit', async () => {
    const file = join(dir, '_netfence');
    writeFileSync(file, `${text}\n`);
    await execFileAsync('zsh', ['-n', file]);
    const program = `autoload -Uz compinit && compinit -u -d ${JSON.stringify(join(dir, 'zcompdump'))} && source ${JSON.stringify(file)} && print -r -- $_comps[netfence]`;
    const { stdout } = await execFileAsync('zsh', ['-f', '-c', program], { env: { ...process.env, HOME: dir } });
    expect(stdout.trim()).toBe('_netfence');
  });
});
