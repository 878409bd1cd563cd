import PQueue from 'p-queue';
import { jobsBySubmission } from '../plan/plan.js';
import { newestOfChain } from '../plan/indexes.js';
import { campaignOfKey, type StoredSubmission } from '../adapters/store/types.js';
import {
  type DesiredState,
  FRESH_SPLIT,
  type NamedJobType,
  type Observed,
  type ObservedJob,
  type RecoveryType,
  type ResolvedStage,
  type SplitObservation,
  type SplitSpec,
  type SplitState,
} from '../model/index.js';
import { splitSlice, unprocessedFileQuery } from '../plan/splits.js';
import { datasetText } from '../desired/rules/index.js';
import { findJobType, stageId } from '../desired/desired.js';
import {
  inputsWithLocatedOutputs,
  outputsOf,
  processOutputs,
  recoveryDimensions,
} from '../job/dimensions.js';
import type { Catalog } from '../adapters/catalog/types.js';
import type { Deps } from './deps.js';
import { recordsOf } from './scope.js';

const byJobId = new Intl.Collator(undefined, { numeric: true }).compare;

/**
 * The process numbers of a submission's jobs that did not succeed: its jobs in id order are
 * processes 0…N-1, or for a rerun the processes it ran again. Undefined when the batch system
 * no longer shows the jobs.
 */
export function failedProcesses(
  r: Pick<StoredSubmission, 'input'>,
  jobs: readonly ObservedJob[],
): number[] | undefined {
  if (jobs.length === 0) return undefined;
  const ordered = [...jobs].sort((a, b) => byJobId(a.id, b.id));
  const processes = r.input.kind === 'rerun' ? r.input.processes : ordered.map((_, i) => i);
  return ordered.flatMap((j, i) =>
    j.state === 'completed' && j.exitCode === 0 ? [] : [processes[i] ?? i],
  );
}

/**
 * Failed processes less those whose outputs are all located: a job killed after it declared
 * its outputs (its supervisor lost, a signal before it exited) is not run again, or its
 * files would be made twice.
 */
async function withoutOutputs(
  catalog: Catalog,
  key: string,
  processes: readonly number[],
  perJob: number,
): Promise<number[]> {
  const out: number[] = [];
  for (const p of processes)
    if ((await catalog.countFiles(processOutputs(key, p))) < perJob) out.push(p);
  return out;
}

/**
 * How long a failed submission of a stage completed by located outputs is looked at again:
 * outputs the catalog reports late (a slow declaration, a transfer retried) turn it located.
 */
export const FAILED_RECHECK_MS = 24 * 3600_000;

/** A failed submission no recovery has followed, failed less than FAILED_RECHECK_MS ago. */
function recheckFailed(r: StoredSubmission, newest: boolean, now: Date): boolean {
  if (r.status !== 'failed' || !newest) return false;
  const at = r.history.filter((h) => h.status === 'failed').at(-1)?.at;
  return at !== undefined && now.getTime() - Date.parse(at) < FAILED_RECHECK_MS;
}

/** Catalog queries in flight at once while observing. */
const CATALOG_CONCURRENCY = 8;

export interface Observation {
  observed: Observed;
  records: StoredSubmission[];
}

/** One bulk query of the batch system, its jobs recorded in the store. */
export async function observeJobs(deps: Deps, since = Date.now()): Promise<ObservedJob[]> {
  const jobs = await deps.batch.observe();
  const own = deps.ownership;
  // A replica records the jobs of its own campaigns: another's are its owner's to record.
  await deps.store.recordJobs(
    own ? jobs.filter((j) => own.mayAct(campaignOfKey(j.submission), since)) : jobs,
    deps.clock().toISOString(),
  );
  return jobs;
}

/**
 * Reads the batch system (one bulk query, unless the jobs are given), the store and the
 * catalog. Any failure throws: an outage is never read as "no jobs".
 */
export async function observe(
  deps: Deps,
  desired: DesiredState,
  since = Date.now(),
  scope?: ReadonlySet<string>,
  /** The jobs to plan with, observed already: the batch system is not asked again. */
  given?: ObservedJob[],
): Promise<Observation> {
  const jobs = given ?? (await observeJobs(deps, since));
  // A replica looks at the records of what it plans only (see planScope).
  const records = await recordsOf(deps.store, scope);
  const observed = await observeCatalog(deps.catalog, desired, records, jobs, deps.clock());
  observed.splits = await observeSplits(
    deps.catalog,
    desired,
    await deps.store.splitStates(),
    deps.clock(),
  );
  return { observed, records };
}

/**
 * The next slice of every split stage, from its stored position: counted in the catalog when
 * an empty slice ends the split, and for byexistingruns the run of one unprocessed file.
 * Reads only; the launch creates the slice's definition.
 */
export async function observeSplits(
  catalog: Catalog,
  desired: DesiredState,
  states: Readonly<Record<string, SplitState>>,
  now: Date,
): Promise<Observed['splits']> {
  const out: Observed['splits'] = {};
  for (const c of desired.campaigns) {
    for (const s of c.stages) {
      if (s.split.type === 'none' || s.dependsOn.length || s.dataset.kind === 'none') continue;
      const id = stageId({ campaign: c.name, stage: s.name });
      out[id] = await nextSlice(
        catalog,
        s.split,
        datasetText(s.dataset),
        states[id] ?? FRESH_SPLIT,
        now,
      );
    }
  }
  return out;
}

export async function nextSlice(
  catalog: Catalog,
  split: SplitSpec,
  dataset: string,
  state: SplitState,
  now: Date,
): Promise<SplitObservation> {
  // A missing dataset stops this stage only, with a reason; an unreachable catalog throws.
  if (split.type === 'stagedfiles') {
    if ((await catalog.projectInfo(dataset)) === undefined)
      return { done: `project ${dataset} does not exist in the catalog` };
  } else if (split.type !== 'list' && split.type !== 'multiparam') {
    if ((await catalog.describeDefinition(dataset)) === undefined)
      return { done: `dataset definition ${dataset} does not exist in the catalog` };
  }
  let run: string | undefined;
  if (split.type === 'byexistingruns') {
    const [file] = await catalog.listFiles(unprocessedFileQuery(dataset, state));
    const runs = file ? (await catalog.getFile(file))?.metadata.runs : undefined;
    const first = Array.isArray(runs) && Array.isArray(runs[0]) ? (runs[0] as number[]) : undefined;
    if (first) run = `${first[0]}.${String(first[1] ?? 0).padStart(4, '0')}`;
  }
  const r = splitSlice(split, dataset, state, now, run);
  if ('done' in r) return r;
  if (r.countToEnd && r.dimensions && (await catalog.countFiles(r.dimensions)) === 0)
    return { done: `slice ${r.position + 1} (${r.dimensions}) selects no files` };
  return { next: r };
}

/** What the catalog says of the submissions: outputs located and files each recovery would take. Reads only. */
export async function observeCatalog(
  catalog: Catalog,
  desired: DesiredState,
  records: readonly StoredSubmission[],
  jobs: ObservedJob[],
  now: Date,
): Promise<Observed> {
  const jobsOf = jobsBySubmission(jobs);
  const isNewest = newestOfChain(records);
  const stages = new Map(
    desired.campaigns.flatMap((c) =>
      c.stages.map((s) => [stageId({ campaign: c.name, stage: s.name }), s] as const),
    ),
  );
  const observed: Observed = {
    jobs,
    outputs: {},
    recoveryFiles: {},
    splits: {},
    services: {},
  };
  // What each stage needs to know of its job type, found once per stage, not per submission.
  const stageInfo = new Map<string, { stage: ResolvedStage; jt: NamedJobType | undefined }>();
  const infoOf = (r: StoredSubmission) => {
    const id = stageId(r);
    let info = stageInfo.get(id);
    if (!info) {
      const stage = stages.get(id);
      if (!stage) return undefined;
      info = { stage, jt: findJobType(desired, stage.experiment, stage.jobType) };
      stageInfo.set(id, info);
    }
    return info;
  };
  /** The catalog queries a submission needs, or undefined when it needs none (most do not). */
  const catalogWork = (r: StoredSubmission): (() => Promise<void>) | undefined => {
    const known = infoOf(r);
    if (!known) return undefined;
    const { stage, jt } = known;
    const newest = isNewest(r);
    const mine = jobsOf.get(r.key) ?? [];
    const finished =
      mine.length > 0 && mine.every((j) => j.state === 'completed' || j.state === 'removed');
    const looked = r.status === 'launched' || recheckFailed(r, newest, now);
    const outputs = looked && finished && stage.completion.type === 'located';
    // Recovery counts matter only for the newest submission of a recovery chain, and only for
    // the recovery types the chain has not tried yet (the planner walks the list in order).
    const untried = (jt?.recoveries ?? []).slice(r.recovery?.index ?? 0).map((x) => x.type);
    const recovery =
      (r.status === 'located' || r.status === 'failed') && untried.length > 0 && newest;
    if (!outputs && !recovery) return undefined;
    const perJob = Math.max(1, jt?.outputFilesPerJob ?? 1);
    const patterns = jt?.outputFilePatterns ?? ['%'];
    return async () => {
      if (outputs) {
        if (r.project) {
          const info = await catalog.projectInfo(r.project);
          const expected = info
            ? info.counts.consumed +
              info.counts.skipped +
              info.counts.delivered +
              info.counts.unknown
            : 0;
          const located = await catalog.countFiles(
            inputsWithLocatedOutputs(r.project, r.key, patterns),
          );
          observed.outputs[r.key] = { expected, located, final: true };
        } else {
          const expected = mine.length * perJob;
          const located = await catalog.countFiles(
            `${outputsOf([r.key], patterns)} and availability physical`,
          );
          observed.outputs[r.key] = { expected, located, final: true };
        }
      }
      if (!recovery) return;
      const counts: Partial<Record<RecoveryType, number>> = {};
      const info = r.project ? await catalog.projectInfo(r.project) : undefined;
      for (const t of new Set(untried)) {
        if (t === 'failed_jobs') {
          const failed = failedProcesses(r, mine);
          const rerun = failed && (await withoutOutputs(catalog, r.key, failed, perJob));
          if (rerun) {
            counts[t] = rerun.length;
            (observed.rerun ??= {})[r.key] = rerun;
          }
          continue;
        }
        counts[t] = info
          ? await catalog.countFiles(
              recoveryDimensions(t, {
                project: info.name,
                definition: info.definition,
                campaign: r.campaign,
                stage: r.stage,
              }),
            )
          : 0;
      }
      observed.recoveryFiles[r.key] = counts;
    };
  };
  // Catalog queries for different submissions are independent: a remote catalog answers
  // several at once, bounded so a large production does not flood it.
  const work: Array<() => Promise<void>> = [];
  for (const r of records) {
    const w = catalogWork(r);
    if (w) work.push(w);
  }
  await new PQueue({ concurrency: CATALOG_CONCURRENCY }).addAll(work);
  return observed;
}
