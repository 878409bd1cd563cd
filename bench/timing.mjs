// Timing the benchmark cases: the median of a few runs after one to warm up.
import { performance } from 'node:perf_hooks';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median of `runs` timings of `fn` (sync or async), after one run to warm up. */
export async function timed(fn, runs = 3) {
  await fn();
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}
