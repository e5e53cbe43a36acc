import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { COMMAND_HELP } from '../help.js';
import type { CommandHelp, Completion, FlagHelp } from '../help.js';
import { UsageError } from '../usage-error.js';

/** SHELLS are the shells `netfence completion` writes a script for. */
export const SHELLS = ['bash', 'zsh'] as const;
/** Shell is one of SHELLS. */
export type Shell = (typeof SHELLS)[number];

// Everything the scripts hold is help.ts's own text; words are checked so that none needs quoting.
const WORD = /^[A-Za-z0-9._/:+-]+$/;

function word(text: string): string {
  if (!WORD.test(text)) throw new Error(`completion: ${JSON.stringify(text)} is not a plain word`);
  return text;
}

function words(list: readonly string[]): string {
  return list.map(word).join(' ');
}

/** valueCompletion is what completes a flag's value or an argument, undefined for a switch. */
function valueCompletion(flag: FlagHelp): Completion | undefined {
  return flag.kind === 'switch' ? undefined : flag.complete;
}

function flagNames(flag: FlagHelp): string[] {
  return flag.short === undefined ? [flag.name] : [flag.short, flag.name];
}

/** bashCompgen is the compgen call that offers `completion` for the word being typed. */
function bashCompgen(completion: Completion): string {
  if (typeof completion !== 'string') return `COMPREPLY=($(compgen -W '${words(completion)}' -- "$cur"))`;
  switch (completion) {
    case 'file':
    case 'path':
      return 'COMPREPLY=($(compgen -f -- "$cur"))';
    case 'dir':
      return 'COMPREPLY=($(compgen -d -- "$cur"))';
    case 'none':
      return 'COMPREPLY=()';
  }
}

function bashCommandCase(help: CommandHelp, commandNames: readonly string[]): string[] {
  const valueFlags = new Map<string, string[]>();
  for (const flag of help.flags) {
    const completion = valueCompletion(flag);
    if (completion === undefined) continue;
    const compgen = bashCompgen(completion);
    valueFlags.set(compgen, [...(valueFlags.get(compgen) ?? []), ...flagNames(flag)]);
  }
  const flags = [...help.flags.flatMap(flagNames), '--help'];
  const argument = help.name === 'help' ? bashCompgen(commandNames) : help.arguments[0] === undefined ? 'COMPREPLY=()' : bashCompgen(help.arguments[0].complete);
  return [
    `    ${word(help.name)})`,
    ...(valueFlags.size === 0 ? [] : ['      case $prev in', ...[...valueFlags].map(([compgen, names]) => `        ${names.map(word).join('|')}) ${compgen}; return ;;`), '      esac']),
    `      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '${words(flags)}' -- "$cur")); else ${argument}; fi`,
    '      ;;',
  ];
}

/** bashScript completes netfence in bash: the command, then its flags, their values and its arguments. */
function bashScript(commands: readonly CommandHelp[]): string {
  const names = commands.map((help) => help.name);
  return [
    '# netfence completion for bash. Load it in this shell with `source <(netfence completion bash)`,',
    '# or in every shell by saving it as ~/.local/share/bash-completion/completions/netfence.',
    '_netfence() {',
    '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
    '  # --flag=value: bash splits at the =, so the flag is the word before it.',
    '  if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi',
    '  if [[ $cur == = ]]; then cur=; fi',
    '  COMPREPLY=()',
    '  if [[ $COMP_CWORD -eq 1 ]]; then',
    `    COMPREPLY=($(compgen -W '${words([...names, '--help', '--version'])}' -- "$cur"))`,
    '    return',
    '  fi',
    '  case ${COMP_WORDS[1]} in',
    ...commands.flatMap((help) => bashCommandCase(help, names)),
    '  esac',
    '}',
    'complete -o filenames -F _netfence netfence',
    '',
  ].join('\n');
}

/** zshText makes help text safe inside a single-quoted _arguments spec: its first clause, brackets and colons escaped. */
function zshText(text: string): string {
  const clause = text.split(/: |; | \(|, e\.g\./)[0] ?? text;
  return clause.replace(/[\\[\]:]/g, (character) => `\\${character}`).replace(/'/g, `'\\''`);
}

function zshAction(completion: Completion): string {
  if (typeof completion !== 'string') return `(${words(completion)})`;
  switch (completion) {
    case 'file':
    case 'path':
      return '_files';
    case 'dir':
      return '_files -/';
    case 'none':
      return ' ';
  }
}

/** zshFlagSpec is one flag as an _arguments spec: `'(-n --namespace)'{-n+,--namespace=}'[the namespace]:NS: '`. */
function zshFlagSpec(flag: FlagHelp): string {
  const repeat = flag.kind === 'value' && flag.repeatable === true ? '*' : '';
  const value = flag.kind === 'value' ? `:${zshText(flag.value)}:${zshAction(flag.complete)}` : '';
  const description = `[${zshText(flag.description)}]`;
  if (flag.short === undefined) return `'${repeat}${word(flag.name)}${flag.kind === 'value' ? '=' : ''}${description}${value}'`;
  const [short, long] = flag.kind === 'value' ? [`${word(flag.short)}+`, `${word(flag.name)}=`] : [word(flag.short), word(flag.name)];
  const exclusion = repeat === '' ? `'(${flag.short} ${flag.name})'` : `'${repeat}'`;
  return `${exclusion}{${short},${long}}'${description}${value}'`;
}

function zshCommandCase(help: CommandHelp, commandNames: readonly string[]): string[] {
  const argument = help.arguments[0];
  const argumentSpec =
    help.name === 'help'
      ? `':COMMAND:(${words(commandNames)})'`
      : argument === undefined
        ? undefined
        : `'${argument.name.endsWith('...') ? '*' : ''}:${zshText(argument.name.replace(/\.\.\.$/, ''))}:${zshAction(argument.complete)}'`;
  const specs = [...help.flags.map(zshFlagSpec), `'(- *)'{-h,--help}'[show this help]'`, ...(argumentSpec === undefined ? [] : [argumentSpec])];
  return [`    (${word(help.name)})`, '      _arguments -s -S \\', ...specs.map((spec, i) => `        ${spec}${i === specs.length - 1 ? '' : ' \\'}`), '      ;;'];
}

/** zshScript completes netfence in zsh with _arguments: commands with their summaries, each command's flags with theirs. */
function zshScript(commands: readonly CommandHelp[]): string {
  const names = commands.map((help) => help.name);
  return [
    '#compdef netfence',
    '# netfence completion for zsh. Save it as _netfence in a directory of $fpath and start a new shell,',
    '# or load it in this shell (after compinit) with `source <(netfence completion zsh)`.',
    '',
    '_netfence() {',
    '  local -a commands',
    '  commands=(',
    ...commands.map((help) => `    '${word(help.name)}:${zshText(help.summary)}'`),
    '  )',
    '  if (( CURRENT == 2 )); then',
    "    _describe -t commands 'netfence command' commands",
    '    return',
    '  fi',
    '  local command=${words[2]}',
    '  shift words',
    '  (( CURRENT-- ))',
    '  case $command in',
    ...commands.flatMap((help) => zshCommandCase(help, names)),
    '  esac',
    '}',
    '',
    '# Autoloaded from $fpath, this file is the body of _netfence: run it. Sourced, register it.',
    'if [[ $funcstack[1] == _netfence ]]; then',
    '  _netfence "$@"',
    'else',
    '  compdef _netfence netfence',
    'fi',
    '',
  ].join('\n');
}

/** completionScript is the completion script for `shell` of the commands given (their help entries). */
export function completionScript(shell: Shell, commands: readonly CommandHelp[]): string {
  return shell === 'bash' ? bashScript(commands) : zshScript(commands);
}

/** isShell says whether `name` is one of SHELLS. */
function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

/**
 * completionCommand prints the completion script of the commands `registered` names (called when it
 * runs, so it may name completion itself), plus help. A command without a help entry is completed
 * by name only.
 */
export function completionCommand(registered: () => readonly string[]): Command {
  return {
    name: 'completion',
    usage: 'netfence completion bash|zsh',
    async run(args, io) {
      const { positionals } = parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: true });
      const [shell, ...extra] = positionals;
      if (shell === undefined || extra.length > 0) throw new UsageError(`expected one shell: ${SHELLS.join(' or ')}`);
      if (!isShell(shell)) throw new UsageError(`${JSON.stringify(shell)}: no completion for this shell (${SHELLS.join(' or ')})`);
      const commands = [...registered(), 'help'].map(
        (name): CommandHelp => COMMAND_HELP.get(name) ?? { name, summary: '', synopsis: '', description: '', arguments: [], flags: [], exitCodes: [], examples: [] },
      );
      io.stdout(completionScript(shell, commands).trimEnd());
      return 0;
    },
  };
}
