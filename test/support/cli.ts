import { runCli } from '../../src/cli/main.js';

/** CliRun is what one `netfence` command line did: its exit code and what it printed. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** netfence runs a command line in-process, as `runCli` does for the binary, giving it `stdin` as standard input. */
export async function netfence(argv: readonly string[], stdin?: string): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv], { stdout: (text) => out.push(text), stderr: (text) => err.push(text), ...(stdin === undefined ? {} : { stdin: async () => stdin }) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** run is netfence with the arguments spread, as most tests call it. */
export const run = (...argv: string[]): Promise<CliRun> => netfence(argv);
