// How fast the command line starts: each command run as a fresh process, as a pre-commit hook or a
// CI step runs it, against `node -e 0` (Node's own start) in the same run. main.ts loads a
// command's module only when it runs, so --version and the offline commands never load the
// Kubernetes client or the server (test/cli/lazy-load.test.ts checks which packages they load).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatMs, printTable } from './measure.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = `${root}dist/cli/main.js`;
const STATE = `${root}examples/cluster`;
const RUNS = 15;

/** wallMs runs `node ARGS` RUNS times (after one warm-up for the file cache) and returns the median wall time in ms. */
function wallMs(args) {
  const times = [];
  for (let run = 0; run <= RUNS; run++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0 && result.status !== 1) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    if (run > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function runCliStartBenchmarks() {
  console.log(`\n## Command-line start, wall time per process (median of ${RUNS}) against node -e 0\n`);
  const baseline = wallMs(['-e', '0']);
  const rows = [['node -e 0 (baseline)', ['-e', '0']]].map(([name]) => ({ command: name, wall: formatMs(baseline), ratio: '1.00x' }));
  for (const [name, args] of [
    ['netfence --version', ['--version']],
    ['netfence help', ['help']],
    ['netfence check (one small policy)', ['check', '--state', STATE, `${STATE}/team-a.yaml`]],
    ['netfence simulate (namespace to namespace)', ['simulate', '--state', STATE, '--from', 'team-a', '--to', 'team-b', '--port', '80']],
    ['netfence serve --help', ['serve', '--help']],
  ]) {
    const ms = wallMs([CLI, ...args]);
    rows.push({ command: name, wall: formatMs(ms), ratio: `${(ms / baseline).toFixed(2)}x` });
  }
  printTable(rows);
}
