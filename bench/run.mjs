// npm run bench: every benchmark, each against its same-run baseline.
// `npm run bench -- engine` or `-- webhook` runs one of them.
import { runEngineBenchmarks } from './engine.mjs';
import { runWebhookBenchmarks } from './webhook.mjs';

const only = process.argv[2];
console.log(`# netfence benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
if (only === undefined || only === 'engine') runEngineBenchmarks();
if (only === undefined || only === 'webhook') await runWebhookBenchmarks();
