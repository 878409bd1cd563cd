import type { Catalog } from '../adapters/catalog/types.js';
import type { StoredSubmission } from '../adapters/store/types.js';
import type { DesiredState } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import { quote } from '../job/dimensions.js';
import type { Deps } from './deps.js';
import { reconcileOnce, type PassResult } from './pass.js';
import { stageStats, type StageStats } from './stats.js';
import { pushTo } from '../group.js';
import { newestOfChain } from '../plan/indexes.js';

/**
 * Per stage: input files not yet consumed, and located output files, from the catalog.
 * `settled` keeps the pending count of the projects of finished submissions, which no longer
 * change: given, each is asked once.
 */
export async function catalogStageCounts(
  catalog: Pick<Catalog, 'projectInfo' | 'countFiles'>,
  desired: DesiredState,
  records: readonly StoredSubmission[],
  settled?: Map<string, number>,
): Promise<Map<string, { pending: number; files: number }>> {
  const out = new Map<string, { pending: number; files: number }>();
  const projects = new Map<string, StoredSubmission[]>();
  for (const r of records) {
    if (!r.project) continue;
    pushTo(projects, stageId(r), r);
  }
  for (const c of desired.campaigns) {
    for (const s of c.stages) {
      let pending = 0;
      for (const r of projects.get(stageId({ campaign: c.name, stage: s.name })) ?? []) {
        const known = settled?.get(r.project!);
        if (known !== undefined) {
          pending += known;
          continue;
        }
        const info = await catalog.projectInfo(r.project!);
        const n = info ? info.counts.unknown + info.counts.delivered : 0;
        if (info && settled && r.status !== 'launching' && r.status !== 'launched')
          settled.set(r.project!, n);
        pending += n;
      }
      const files = await catalog.countFiles(
        `gitpoms.campaign ${quote(c.name)} and gitpoms.stage ${quote(s.name)} and availability physical`,
      );
      out.set(`${c.name}/${s.name}`, { pending, files });
    }
  }
  return out;
}

export interface RunProgress {
  pass: number;
  result: PassResult;
  stats: StageStats[];
  converged: boolean;
  /** Failed submissions no recovery follows: work the campaign dropped (with the last reason). */
  dropped: Array<{ key: string; reason: string }>;
}

/** The desired campaigns' failed submissions that are the newest of their recovery chain. */
export function droppedWork(
  records: readonly StoredSubmission[],
  desired: DesiredState,
): RunProgress['dropped'] {
  const campaigns = new Set(desired.campaigns.map((c) => c.name));
  const newest = newestOfChain(records);
  return records
    .filter(
      (r) =>
        campaigns.has(r.campaign) &&
        (r.status === 'failed' || r.status === 'launch-failed') &&
        newest(r),
    )
    .map((r) => ({ key: r.key, reason: r.history.at(-1)?.reason ?? r.status }));
}

/** True when nothing is left to do: no actions, no job waiting or running, no launch in flight. */
export function isConverged(p: PassResult, desired: DesiredState): boolean {
  if (p.plan.actions.length > 0) return false;
  const campaigns = new Set(desired.campaigns.map((c) => c.name));
  const ours = new Set(p.records.filter((r) => campaigns.has(r.campaign)).map((r) => r.key));
  if (p.records.some((r) => ours.has(r.key) && r.status === 'launching')) return false;
  // A launched submission whose jobs the batch system does not show yet is still in flight.
  const seen = new Set(p.observed.jobs.map((j) => j.submission));
  if (p.records.some((r) => ours.has(r.key) && r.status === 'launched' && !seen.has(r.key)))
    return false;
  return !p.observed.jobs.some(
    (j) => ours.has(j.submission) && (j.state === 'idle' || j.state === 'running'),
  );
}

/** Reconciles pass after pass until the campaigns converge or the time runs out. */
export async function runUntilConverged(
  deps: Deps,
  desired: DesiredState,
  opts: { intervalMs: number; timeoutMs: number; onPass: (p: RunProgress) => void },
): Promise<RunProgress> {
  const deadline = deps.clock().getTime() + opts.timeoutMs;
  for (let pass = 1; ; pass++) {
    const result = await reconcileOnce(deps, desired);
    const stats = stageStats(
      desired,
      result.records,
      result.observed.jobs,
      await catalogStageCounts(deps.catalog, desired, result.records),
    );
    const progress: RunProgress = {
      pass,
      result,
      stats,
      converged: isConverged(result, desired),
      dropped: droppedWork(result.records, desired),
    };
    opts.onPass(progress);
    if (progress.converged || deps.clock().getTime() > deadline) return progress;
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
