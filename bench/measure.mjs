// Timing helpers shared by the benchmarks: run a function until it has taken enough time, report
// the median of several rounds, so one slow round (GC, the other core busy) does not skew a ratio.

/**
 * IMAGE_RUNTIME is how netfence runs when installed: the image's malloc setting and V8 young
 * generation (Dockerfile) with the heap the chart sets for its default 512Mi limit. Benchmarks run
 * servers this way, so their figures are the installed ones. test/dockerfile.test.ts and
 * test/chart/chart.test.ts check that the Dockerfile and the chart still say the same.
 */
export const IMAGE_RUNTIME = { execArgv: ['--max-old-space-size=384', '--max-semi-space-size=16'], env: { MALLOC_MMAP_THRESHOLD_: '131072' } };

/** measure runs `fn` repeatedly for about `seconds` per round and returns the median ms per call. */
export function measure(fn, { rounds = 5, seconds = 0.4 } = {}) {
  fn(); // warm up: JIT, caches
  const perCall = [];
  for (let round = 0; round < rounds; round++) {
    let calls = 0;
    const start = process.hrtime.bigint();
    let elapsed = 0;
    do {
      fn();
      calls++;
      elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    } while (elapsed < seconds * 1000);
    perCall.push(elapsed / calls);
  }
  perCall.sort((a, b) => a - b);
  return perCall[Math.floor(perCall.length / 2)];
}

/** formatMs prints a duration in ms with sensible precision. */
export function formatMs(ms) {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`;
}

/** printTable prints rows of objects as an aligned text table. */
export function printTable(rows) {
  const columns = Object.keys(rows[0] ?? {});
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((cell, i) => String(cell).padEnd(widths[i])).join('  ');
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => row[c])));
}
