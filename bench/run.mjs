// npm run bench: every benchmark, each against its same-run baseline.
import { runEngineBenchmarks } from './engine.mjs';

console.log(`# netfence benchmarks (node ${process.version}, ${process.platform}/${process.arch})`);
runEngineBenchmarks();
