// npm run bench: every benchmark, each against its same-run baseline.
// `npm run bench -- cli`, `-- engine`, `-- diff`, `-- report`, `-- intents`, `-- webhook` or `-- memory` runs one of them; `-- cost` runs the
// cost ladder (webhook.mjs), which is not part of the full run.
import { spawnSync } from 'node:child_process';
import { runCliStartBenchmarks } from './cli-start.mjs';
import { runDiffBenchmarks } from './diff.mjs';
import { runEngineBenchmarks } from './engine.mjs';
import { runIntentsBenchmarks } from './intents.mjs';
import { IMAGE_RUNTIME } from './measure.mjs';
import { runReportBenchmarks } from './report.mjs';
import { runCostLadder, runWebhookBenchmarks } from './webhook.mjs';

const only = process.argv[2];
console.log(`# netfence benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
if (only === undefined || only === 'cli') await runCliStartBenchmarks();
if (only === undefined || only === 'engine') await runEngineBenchmarks();
if (only === undefined || only === 'diff') await runDiffBenchmarks();
if (only === undefined || only === 'report') await runReportBenchmarks();
if (only === undefined || only === 'intents') await runIntentsBenchmarks();
if (only === undefined || only === 'webhook') await runWebhookBenchmarks();
if (only === 'cost') await runCostLadder(); // on demand: where netfence's cost over bare goes
if (only === undefined || only === 'memory') {
  // Twice, each in a process of its own (glibc and V8 read their settings at start): with Node's
  // and glibc's defaults, and as installed (IMAGE_RUNTIME: the image's settings, the chart's heap).
  for (const runtime of [{ execArgv: [], env: {} }, IMAGE_RUNTIME]) {
    const script = new URL('./memory.mjs', import.meta.url).pathname;
    spawnSync(process.execPath, ['--expose-gc', ...runtime.execArgv, script], { stdio: 'inherit', env: { ...process.env, ...runtime.env, BENCH_RUNTIME: runtime === IMAGE_RUNTIME ? 'image' : 'defaults' } });
  }
}
process.exit(0); // watch connections' keep-alive sockets would hold the process open
