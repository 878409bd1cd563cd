// The benchmark table, as `npm run bench` prints it and the README's Performance section holds it.

/** A ratio within its goal: at most `max`, or at least `min`. */
export function meetsGoal(r) {
  return r.goal.max !== undefined ? r.ratio <= r.goal.max : r.ratio >= r.goal.min;
}

/**
 * Not worse than twice the goal: what the short profile in CI guards. A case known to miss
 * its goal says why and carries its own floor (`guard`), so it still cannot get worse.
 */
export function withinGuard(r) {
  if (r.guard) return r.guard.max !== undefined ? r.ratio <= r.guard.max : r.ratio >= r.guard.min;
  return r.goal.max !== undefined ? r.ratio <= 2 * r.goal.max : r.ratio >= r.goal.min / 2;
}

const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const ms = (x) =>
  x >= 100 ? `${x.toFixed(0)} ms` : x >= 1 ? `${x.toFixed(1)} ms` : `${(x * 1000).toFixed(0)} µs`;

export function markdownTable(out) {
  const rows = out.results.map((r) => {
    if (r.skipped) return `| ${r.name} | | | | | skipped: ${r.skipped} |`;
    const subject = r.subjectBytes !== undefined ? mib(r.subjectBytes) : ms(r.subjectMs);
    const baseline = r.baselineBytes !== undefined ? mib(r.baselineBytes) : ms(r.baselineMs);
    const goal = !r.goal ? '' : r.goal.max !== undefined ? `≤ ${r.goal.max}` : `≥ ${r.goal.min}`;
    const floor = r.guard
      ? ` (known; guarded at ${r.guard.max !== undefined ? `≤ ${r.guard.max}` : `≥ ${r.guard.min}`})`
      : '';
    const verdict = !r.goal ? '' : meetsGoal(r) ? 'meets' : `**misses**${floor}`;
    return `| ${r.name} | ${subject} | ${baseline} | ${r.ratio.toFixed(2)} | ${goal} | ${verdict} |`;
  });
  return [
    `${out.profile} profile, ${out.date.slice(0, 10)}, Node ${out.node}, ${out.machine}`,
    '',
    '| case | gitpoms | baseline | ratio | goal | |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}
