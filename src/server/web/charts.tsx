// Histograms and time bars as SVG drawn on the server (POMS v3's per-stage histograms and
// campaign time bars): readable without script, printable, and cheap to render.
import type { StoredJob, StoredSubmission } from '../../adapters/store/types.js';

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** `values` in `bins` equal bins from 0 (or their least) to their largest. */
export function binned(values: readonly number[], bins: number, from0 = true): Bin[] {
  if (!values.length) return [];
  let lo = from0 ? 0 : Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (hi <= lo) hi = lo + 1;
  const step = (hi - lo) / bins;
  const out: Bin[] = Array.from({ length: bins }, (_, i) => ({
    from: lo + i * step,
    to: lo + (i + 1) * step,
    count: 0,
  }));
  for (const v of values) out[Math.min(bins - 1, Math.floor((v - lo) / step))]!.count++;
  return out;
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function Histogram(p: { title: string; unit: string; bins: Bin[] }): JSX.Element {
  const W = 320;
  const H = 120;
  const max = Math.max(1, ...p.bins.map((b) => b.count));
  const bw = p.bins.length ? W / p.bins.length : W;
  return (
    <figure class="histogram">
      <figcaption safe>{p.title}</figcaption>
      {p.bins.length ? (
        <svg
          viewBox={`0 0 ${W} ${H + 30}`}
          width={String(W)}
          height={String(H + 30)}
          role="img"
          aria-label={p.title}
        >
          {p.bins.map((b, i) => {
            const h = (b.count / max) * H;
            return (
              <rect
                x={String(i * bw + 1)}
                y={String(H - h)}
                width={String(bw - 2)}
                height={String(h)}
              >
                <title safe>{`${fmt(b.from)}–${fmt(b.to)} ${p.unit}: ${b.count} job(s)`}</title>
              </rect>
            );
          })}
          <line x1="0" y1={String(H)} x2={String(W)} y2={String(H)} />
          <text x="0" y={String(H + 14)} safe>
            {fmt(p.bins[0]!.from)}
          </text>
          <text x={String(W)} y={String(H + 14)} text-anchor="end" safe>
            {`${fmt(p.bins.at(-1)!.to)} ${p.unit}`}
          </text>
          <text x={String(W / 2)} y={String(H + 28)} text-anchor="middle" safe>
            {`most: ${max} job(s) in a bin`}
          </text>
        </svg>
      ) : (
        <p>No finished jobs yet.</p>
      )}
    </figure>
  );
}

export interface Segment {
  from: number;
  to: number;
  state: string;
}

/**
 * A submission's states over time, from its history and its jobs: queued from its launch to
 * its first job's start, running to its last job's end, then completed until located or failed.
 */
export function segments(s: StoredSubmission, jobs: readonly StoredJob[], now: number): Segment[] {
  const t = (iso: string) => Date.parse(iso);
  const launched = t(s.launchedAt);
  const starts = jobs.flatMap((j) => (j.startedAt ? [t(j.startedAt)] : []));
  const ended = jobs.every((j) => j.endedAt) && jobs.length > 0;
  const lastEnd = ended ? Math.max(...jobs.map((j) => t(j.endedAt!))) : undefined;
  const settled = s.history.find((h) => h.status === 'located' || h.status === 'failed');
  const marks: Array<[number, string]> = [[launched, 'idle']];
  if (starts.length) marks.push([Math.min(...starts), 'running']);
  if (lastEnd !== undefined) marks.push([lastEnd, 'completed']);
  if (settled) marks.push([t(settled.at), settled.status]);
  marks.sort((a, b) => a[0] - b[0]);
  const out: Segment[] = [];
  for (let i = 0; i < marks.length; i++) {
    const [from, state] = marks[i]!;
    const final = state === 'located' || state === 'failed';
    const to = marks[i + 1]?.[0] ?? (final ? from : now);
    out.push({ from, to: Math.max(to, from), state });
  }
  return out;
}

export function TimeBars(p: {
  rows: Array<{ key: string; label: string; href: string; segments: Segment[] }>;
  from: number;
  to: number;
}): JSX.Element {
  const W = 900;
  const LABEL = 260;
  const ROW = 16;
  const span = Math.max(1, p.to - p.from);
  const x = (t: number) =>
    LABEL + ((Math.min(Math.max(t, p.from), p.to) - p.from) / span) * (W - LABEL);
  const H = p.rows.length * ROW + 24;
  // Seconds matter in a window of minutes.
  const iso = (t: number) =>
    new Date(t)
      .toISOString()
      .replace('T', ' ')
      .slice(0, span < 3_600_000 ? 19 : 16);
  return (
    <svg
      class="timebars"
      viewBox={`0 0 ${W} ${H}`}
      width={String(W)}
      height={String(H)}
      role="img"
      aria-label="time bars"
    >
      <text x={String(LABEL)} y="12" safe>
        {iso(p.from)}
      </text>
      <text x={String(W)} y="12" text-anchor="end" safe>
        {iso(p.to)}
      </text>
      {p.rows.map((r, i) => {
        const y = 20 + i * ROW;
        return (
          <g>
            <a href={r.href}>
              <text x="0" y={String(y + 11)} safe>
                {r.label}
              </text>
            </a>
            {r.segments
              .filter((s) => s.to >= p.from && s.from <= p.to)
              .map((s) => (
                <rect
                  class={`st-${s.state}`}
                  x={String(x(s.from))}
                  y={String(y)}
                  width={String(Math.max(2, x(s.to) - x(s.from)))}
                  height={String(ROW - 3)}
                >
                  <title safe>{`${r.label}: ${s.state} ${iso(s.from)} – ${iso(s.to)}`}</title>
                </rect>
              ))}
          </g>
        );
      })}
    </svg>
  );
}
