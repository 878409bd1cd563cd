// The README's chart of commit-to-launch against the jobs observed elsewhere, as an SVG drawn
// from the bench's own measurements: one line per kind of pass, jobs on a log scale.

const W = 640;
const H = 360;
const M = { left: 64, right: 150, top: 40, bottom: 48 };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** `points`: [{ jobs, keyedMs, fullMs }], jobs rising. */
export function commitToLaunchSvg(points, machine) {
  const xs = points.map((p) => Math.log10(p.jobs));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs);
  const yMax = Math.max(...points.flatMap((p) => [p.keyedMs, p.fullMs])) * 1.1;
  const x = (jobs) => M.left + ((Math.log10(jobs) - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
  const y = (ms) => H - M.bottom - (ms / yMax) * (H - M.top - M.bottom);
  const step = [100, 250, 500, 1000, 2000, 5000].find((s) => yMax / s <= 6) ?? 10_000;
  const yTicks = [];
  for (let v = 0; v <= yMax; v += step) yTicks.push(v);
  const line = (key, colour, label) => {
    const pts = points.map((p) => `${x(p.jobs).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
    const last = points.at(-1);
    return [
      `<polyline fill="none" stroke="${colour}" stroke-width="2.5" points="${pts}"/>`,
      ...points.map(
        (p) =>
          `<circle cx="${x(p.jobs).toFixed(1)}" cy="${y(p[key]).toFixed(1)}" r="4" fill="${colour}"><title>${esc(label)}: ${Math.round(p[key])} ms at ${p.jobs.toLocaleString('en')} jobs</title></circle>`,
      ),
      `<text x="${x(last.jobs) + 10}" y="${y(last[key]) + 4}" fill="${colour}" font-size="13">${esc(label)}</text>`,
    ].join('\n');
  };
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="t d" font-family="sans-serif">
<title id="t">Commit to launch against jobs observed in other campaigns</title>
<desc id="d">Median time from a push to the launch of the stage it added, the pass started by hand. ${esc(
    points
      .map(
        (p) =>
          `${p.jobs.toLocaleString('en')} jobs: ${Math.round(p.keyedMs)} ms planning the campaign changed, ${Math.round(p.fullMs)} ms planning every campaign`,
      )
      .join('; '),
  )}. Measured on ${esc(machine)}.</desc>
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${M.left}" y="24" font-size="15" font-weight="bold">Commit to launch (median) vs jobs in other campaigns</text>
${yTicks
  .map(
    (v) =>
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${M.left - 8}" y="${y(v) + 4}" font-size="12" text-anchor="end">${v >= 1000 ? `${v / 1000} s` : `${v} ms`}</text>`,
  )
  .join('\n')}
${points
  .map(
    (p) =>
      `<text x="${x(p.jobs)}" y="${H - M.bottom + 18}" font-size="12" text-anchor="middle">${p.jobs >= 1e6 ? `${p.jobs / 1e6}M` : `${p.jobs / 1e3}k`}</text>`,
  )
  .join('\n')}
<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" font-size="12" text-anchor="middle">jobs running in other campaigns (log scale)</text>
<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>
<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>
${line('fullMs', '#b23b3b', 'every campaign (before)')}
${line('keyedMs', '#2f6fb0', 'the campaign changed')}
</svg>
`;
}
