// npm run bench: every benchmark, each against its same-run baseline.
// `npm run bench -- engine`, `-- webhook` or `-- memory` runs one of them.
import { runEngineBenchmarks } from './engine.mjs';
import { spawnSync } from 'node:child_process';
import { runWebhookBenchmarks } from './webhook.mjs';

const only = process.argv[2];
console.log(`# netfence benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
if (only === undefined || only === 'engine') runEngineBenchmarks();
if (only === undefined || only === 'webhook') await runWebhookBenchmarks();
if (only === undefined || only === 'memory') {
  // Twice, each in a process of its own (glibc reads its settings at start): with glibc's defaults,
  // and with the malloc setting the Dockerfile ships.
  for (const env of [{}, { MALLOC_MMAP_THRESHOLD_: '131072' }]) {
    spawnSync(process.execPath, ['--expose-gc', new URL('./memory.mjs', import.meta.url).pathname], { stdio: 'inherit', env: { ...process.env, ...env } });
  }
}
process.exit(0); // watch connections' keep-alive sockets would hold the process open
