// npm run bench: every benchmark, each against its same-run baseline.
// `npm run bench -- engine`, `-- webhook` or `-- memory` runs one of them.
import { runEngineBenchmarks } from './engine.mjs';
import { runMemoryBenchmark } from './memory.mjs';
import { runWebhookBenchmarks } from './webhook.mjs';

const only = process.argv[2];
console.log(`# netfence benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
if (only === undefined || only === 'engine') runEngineBenchmarks();
if (only === undefined || only === 'webhook') await runWebhookBenchmarks();
if (only === undefined || only === 'memory') await runMemoryBenchmark();
process.exit(0); // watch connections' keep-alive sockets would hold the process open
