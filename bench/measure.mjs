// Timing helpers shared by the benchmarks: run a function until it has taken enough time, report
// the median of several rounds, so one slow round (GC, the other core busy) does not skew a ratio.

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
