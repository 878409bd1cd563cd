// What the pages show, computed from the store's records, its last observation of the jobs and
// the reconciler's last pass. Pure: the routes read, these shape.
import type { StoredJob, StoredSubmission } from '../../adapters/store/types.js';
import { pushTo } from '../../group.js';
import { jobFailed, type DerivedStatus, type ResolvedCampaign } from '../../model/index.js';
import { deriveStatus } from '../../plan/plan.js';
import type { StageSummary } from '../../plan/types.js';
import type { StageStats } from '../../engine/stats.js';
import type { DagEdge, DagNode } from './dag.js';
import { stageHref } from './components.js';

export const jobsByKey = (jobs: readonly StoredJob[]): Map<string, StoredJob[]> => {
  const m = new Map<string, StoredJob[]>();
  for (const j of jobs) pushTo(m, j.submission, j);
  return m;
};

export const failedJob = (j: StoredJob): boolean =>
  j.state === 'removed' || j.state === 'held' || jobFailed(j);

export const efficiency = (j: Pick<StoredJob, 'cpuSeconds' | 'wallSeconds'>): number | undefined =>
  j.cpuSeconds !== undefined && j.wallSeconds ? (j.cpuSeconds / j.wallSeconds) * 100 : undefined;

export interface TreeRow {
  record: StoredSubmission;
  status: DerivedStatus;
  depth: number;
  /** How it hangs from the row above: a dependent (↳) or a recovery (↺). */
  via?: 'dependent' | 'recovery';
  jobs: number;
}

/**
 * POMS's submission tree: each submission under its parent (↳, a dependent stage's launch)
 * or under the one it recovers (↺), roots in launch order. Linear in the records.
 */
export function submissionTree(
  records: readonly StoredSubmission[],
  jobs: ReadonlyMap<string, readonly StoredJob[]>,
): TreeRow[] {
  const keys = new Set(records.map((r) => r.key));
  const children = new Map<string, Array<[StoredSubmission, 'dependent' | 'recovery']>>();
  const roots: StoredSubmission[] = [];
  for (const r of records) {
    const up = r.recovery?.of ?? r.parent;
    if (up && keys.has(up)) pushTo(children, up, [r, r.recovery ? 'recovery' : 'dependent']);
    else roots.push(r);
  }
  const out: TreeRow[] = [];
  const stack: Array<[StoredSubmission, number, 'dependent' | 'recovery' | undefined]> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push([roots[i]!, 0, undefined]);
  while (stack.length) {
    const [r, depth, via] = stack.pop()!;
    const js = jobs.get(r.key) ?? [];
    out.push({
      record: r,
      status: deriveStatus(r, js),
      depth,
      jobs: js.length,
      ...(via ? { via } : {}),
    });
    const kids = children.get(r.key) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]![0], depth + 1, kids[i]![1]]);
  }
  return out;
}

/** The campaign's stages and dependencies, with the numbers of its stage table. */
export function campaignGraph(
  c: ResolvedCampaign,
  stats: ReadonlyMap<string, StageStats>,
  summaries: ReadonlyMap<string, StageSummary>,
): { nodes: DagNode[]; edges: DagEdge[] } {
  const nodes: DagNode[] = [];
  const edges: DagEdge[] = [];
  const external = new Set<string>();
  for (const s of c.stages) {
    const st = stats.get(s.name);
    const running = st ? st.running + st.idle + st.held : 0;
    nodes.push({
      id: s.name,
      label: s.name,
      state: summaries.get(s.name)?.state ?? s.state,
      lines: [
        `${st?.located ?? 0}/${st?.submissions ?? 0} located${st?.failed ? `, ${st.failed} failed` : ''}`,
        `${st?.all ?? 0} jobs, ${running} in batch`,
        `${st?.files ?? '-'} files`,
      ],
      href: stageHref(c.name, s.name),
    });
    for (const d of s.dependsOn) {
      const from = d.campaign === c.name ? d.stage : `${d.campaign}/${d.stage}`;
      if (d.campaign !== c.name && !external.has(from)) {
        external.add(from);
        nodes.push({
          id: from,
          label: from,
          state: 'external',
          lines: [],
          href: stageHref(d.campaign, d.stage),
          external: true,
        });
      }
      const parent = d.campaign === c.name ? stats.get(d.stage) : undefined;
      edges.push({ from, to: s.name, label: edgeLabel(parent, st) });
    }
  }
  return { nodes, edges };
}

/** The parent's located files, and how many of its located submissions the child has finished. */
function edgeLabel(parent: StageStats | undefined, child: StageStats | undefined): string {
  if (!parent) return '';
  const pct = parent.located
    ? Math.min(100, Math.round(((child?.located ?? 0) / parent.located) * 100))
    : 0;
  return `${parent.files} files · ${pct}%`;
}

/** Per stage and day, the last `days` days to `now`: what the CSV download holds. */
export function dailyStats(
  records: readonly StoredSubmission[],
  jobs: readonly StoredJob[],
  stageOf: ReadonlyMap<string, string>,
  now: Date,
  days = 7,
): string[][] {
  const first = new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const rows = new Map<
    string,
    { launched: number; located: number; ok: number; failed: number; cpu: number; wall: number }
  >();
  const row = (day: string, stage: string) => {
    const k = `${day}\t${stage}`;
    let r = rows.get(k);
    if (!r) rows.set(k, (r = { launched: 0, located: 0, ok: 0, failed: 0, cpu: 0, wall: 0 }));
    return r;
  };
  for (const r of records) {
    const day = r.launchedAt.slice(0, 10);
    if (day >= first) row(day, r.stage).launched++;
    const loc = r.history.find((h) => h.status === 'located');
    if (loc && loc.at.slice(0, 10) >= first) row(loc.at.slice(0, 10), r.stage).located++;
  }
  for (const j of jobs) {
    const stage = stageOf.get(j.submission);
    if (!stage || !j.endedAt || j.endedAt.slice(0, 10) < first) continue;
    const r = row(j.endedAt.slice(0, 10), stage);
    if (failedJob(j)) r.failed++;
    else r.ok++;
    r.cpu += j.cpuSeconds ?? 0;
    r.wall += j.wallSeconds ?? 0;
  }
  return [...rows]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, r]) => [
      ...k.split('\t'),
      String(r.launched),
      String(r.located),
      String(r.ok),
      String(r.failed),
      (r.cpu / 3600).toFixed(3),
      (r.wall / 3600).toFixed(3),
      r.wall ? String(Math.round((r.cpu / r.wall) * 100)) : '',
    ]);
}

export const DAILY_HEADER = [
  'day',
  'stage',
  'submissions launched',
  'submissions located',
  'jobs succeeded',
  'jobs failed',
  'cpu hours',
  'wall hours',
  'cpu efficiency %',
];

/** RFC 4180 CSV. */
export const csv = (rows: readonly (readonly string[])[]): string =>
  rows
    .map((r) => r.map((c) => (/[",\n\r]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
    .join('\r\n') + '\r\n';
