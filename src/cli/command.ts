/** Io is where a command writes: injected so tests read output without spawning a process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stdin reads all of standard input (`-` as a file); process.stdin when absent. */
  readonly stdin?: () => Promise<string>;
}

/** Command is one `netfence` subcommand (its summary and help are in help.ts). `run` returns the exit code. */
export interface Command {
  readonly name: string;
  readonly usage: string;
  run(args: readonly string[], io: Io): Promise<number>;
}
