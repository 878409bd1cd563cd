import { pushTo } from '../group.js';
import { jobsBySubmission } from '../plan/plan.js';
import type { StoredSubmission } from '../adapters/store/types.js';
import type { BatchJob } from '../adapters/batch/types.js';
import { jobFailed, type DesiredState } from '../model/index.js';

/** POMS's campaign stage statistics, one row per stage. */
export interface StageStats {
  campaign: string;
  stage: string;
  submissions: number;
  located: number;
  failed: number;
  all: number;
  idle: number;
  running: number;
  held: number;
  /** Jobs that ended with exit code 0. */
  completed: number;
  /** Jobs that ended with another exit code, or none. */
  failedJobs: number;
  notLocated: number;
  jobsLocated: number;
  removed: number;
  /** CPU time over wall time of finished jobs, in percent; undefined before any finished. */
  efficiency: number | undefined;
  /** Input files not yet consumed by the stage's projects. */
  pending: number;
  /** Output files of the stage with a location. */
  files: number;
}

/** Computes the table from what was observed; `pending` and `files` come from the catalog. */
export function stageStats(
  desired: DesiredState,
  records: readonly StoredSubmission[],
  jobs: readonly BatchJob[],
  catalogCounts: ReadonlyMap<string, { pending: number; files: number }>,
): StageStats[] {
  const bySubmission = jobsBySubmission(jobs);
  const byStage = new Map<string, StoredSubmission[]>();
  for (const r of records) pushTo(byStage, `${r.campaign}/${r.stage}`, r);
  const rows: StageStats[] = [];
  for (const c of desired.campaigns) {
    for (const s of c.stages) {
      const recs = byStage.get(`${c.name}/${s.name}`) ?? [];
      const row: StageStats = {
        campaign: c.name,
        stage: s.name,
        submissions: recs.length,
        located: 0,
        failed: 0,
        all: 0,
        idle: 0,
        running: 0,
        held: 0,
        completed: 0,
        failedJobs: 0,
        notLocated: 0,
        jobsLocated: 0,
        removed: 0,
        efficiency: undefined,
        pending: 0,
        files: 0,
        ...catalogCounts.get(`${c.name}/${s.name}`),
      };
      let cpu = 0;
      let wall = 0;
      for (const r of recs) {
        if (r.status === 'located') row.located++;
        else if (r.status === 'failed' || r.status === 'launch-failed') row.failed++;
        for (const j of bySubmission.get(r.key) ?? []) {
          row.all++;
          if (j.state === 'idle') row.idle++;
          else if (j.state === 'running') row.running++;
          else if (j.state === 'held') row.held++;
          else if (j.state === 'removed') row.removed++;
          else {
            if (jobFailed(j)) row.failedJobs++;
            else row.completed++;
            if (r.status === 'located') row.jobsLocated++;
            else row.notLocated++;
          }
          if (j.cpuSeconds !== undefined && j.wallSeconds) {
            cpu += j.cpuSeconds;
            wall += j.wallSeconds;
          }
        }
      }
      if (wall > 0) row.efficiency = Math.round((cpu / wall) * 100);
      rows.push(row);
    }
  }
  return rows;
}

export const STATS_HEADER = [
  'Campaign stage',
  'Subs',
  'Failed subs',
  'All',
  'Idle',
  'Running',
  'Held',
  'Completed',
  'Failed',
  'Not Located',
  'Located',
  'Removed',
  '%Efficiency',
  'Pending',
  'Files',
];

export function statsRow(r: StageStats): string[] {
  return [
    `${r.campaign}/${r.stage}`,
    `${r.located}/${r.submissions}`,
    String(r.failed),
    String(r.all),
    String(r.idle),
    String(r.running),
    String(r.held),
    String(r.completed),
    String(r.failedJobs),
    String(r.notLocated),
    String(r.jobsLocated),
    String(r.removed),
    r.efficiency === undefined ? '-' : String(r.efficiency),
    String(r.pending),
    String(r.files),
  ];
}

/** A plain-text table: numeric columns right-aligned, text left-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[-\d./%]*$/.test(r[i] ?? '')),
  );
  const line = (r: string[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
