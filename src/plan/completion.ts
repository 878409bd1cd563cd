import type { DerivedStatus, Observed, ResolvedStage, SubmissionRecord } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import type { Indexes } from './indexes.js';
import { emptyStep, type StepResult } from './step.js';

/** How long after its last job ends a 'located' submission may wait for the catalog. */
export const LOCATE_GRACE_MS = 3600_000;

function pct(n: number, d: number): number {
  return d === 0 ? 0 : Math.floor((n / d) * 1000) / 10;
}

export interface CompletionResult extends StepResult {
  /** Submissions this pass marks located or failed. */
  settled: Map<string, DerivedStatus>;
}

/**
 * Decides, for every submission whose jobs all finished, whether it reached its stage's
 * completion rule: mark it located or failed, or say what it waits for.
 */
export function completionStep(
  ix: Indexes,
  status: ReadonlyMap<string, DerivedStatus>,
  observed: Observed,
  now: Date,
): CompletionResult {
  const out: CompletionResult = { ...emptyStep(), settled: new Map() };
  for (const rec of ix.records) {
    const st = status.get(rec.key);
    if (st !== 'completed' && st !== 'failed') continue;
    const at = ix.stages.get(stageId(rec));
    if (!at) continue;
    if (st === 'completed') evaluate(ix, out, at.stage, rec, observed, now);
    else lateOutputs(out, at.stage, rec, observed);
  }
  return out;
}

/**
 * A failed submission whose outputs the catalog reports after all (observe looks for a while):
 * located. For a stage completed by its jobs, when every job that did not succeed declared its
 * outputs all the same (lost after its work was done), so none is left to run again.
 */
function lateOutputs(
  out: CompletionResult,
  stage: ResolvedStage,
  rec: SubmissionRecord,
  observed: Observed,
): void {
  const o = observed.outputs[rec.key];
  const { type, percent } = stage.completion;
  if (type === 'complete' && observed.rerun?.[rec.key]?.length === 0) {
    out.actions.push({
      kind: 'mark-located',
      campaign: rec.campaign,
      stage: rec.stage,
      key: rec.key,
      reason: 'the jobs that did not succeed had declared their outputs; none is left to run again',
    });
    out.settled.set(rec.key, 'located');
    return;
  }
  if (type !== 'located' || !o || o.expected === 0) return;
  const got = pct(o.located, o.expected);
  if (got < percent) return;
  out.actions.push({
    kind: 'mark-located',
    campaign: rec.campaign,
    stage: rec.stage,
    key: rec.key,
    reason: `outputs located for ${o.located}/${o.expected} files (${got}% ≥ ${percent}%) after it was marked failed`,
  });
  out.settled.set(rec.key, 'located');
}

function evaluate(
  ix: Indexes,
  out: CompletionResult,
  stage: ResolvedStage,
  rec: SubmissionRecord,
  observed: Observed,
  now: Date,
): void {
  const jobs = ix.jobsOf.get(rec.key) ?? [];
  const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
  const mark = (kind: 'mark-located' | 'mark-failed', reason: string) => {
    out.actions.push({ kind, ...base, reason });
    out.settled.set(rec.key, kind === 'mark-located' ? 'located' : 'failed');
  };
  const { type, percent } = stage.completion;
  if (type === 'complete') {
    let ok = 0;
    for (const j of jobs) if (j.state === 'completed' && j.exitCode === 0) ok++;
    const got = pct(ok, jobs.length);
    if (got >= percent)
      mark('mark-located', `${ok}/${jobs.length} jobs succeeded (${got}% ≥ ${percent}%)`);
    else mark('mark-failed', `only ${ok}/${jobs.length} jobs succeeded (${got}% < ${percent}%)`);
    return;
  }
  const o = observed.outputs[rec.key];
  if (!o) {
    out.notes.push({
      kind: 'waiting',
      ...base,
      message: `${rec.key}: jobs finished; waiting for the catalog to report its outputs`,
    });
    return;
  }
  const got = pct(o.located, o.expected);
  if (o.expected > 0 && got >= percent) {
    mark(
      'mark-located',
      `outputs located for ${o.located}/${o.expected} files (${got}% ≥ ${percent}%)`,
    );
    return;
  }
  let ended = 0;
  for (const j of jobs) if (j.endedAt) ended = Math.max(ended, Date.parse(j.endedAt));
  if (o.final || (ended > 0 && now.getTime() - ended > LOCATE_GRACE_MS)) {
    mark(
      'mark-failed',
      `only ${o.located}/${o.expected} files located (${got}% < ${percent}%) ${o.final ? 'and no more will come' : 'an hour after the last job ended'}`,
    );
  } else {
    out.notes.push({
      kind: 'waiting',
      ...base,
      message: `${rec.key}: ${o.located}/${o.expected} files located (${got}%), waiting for ${percent}%`,
    });
  }
}
