import type { DerivedStatus, ObservedJob, SubmissionRecord } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import type { Indexes } from './indexes.js';
import { emptyStep, type StepResult } from './step.js';

/** Statuses in which a submission is finished: nothing more will change it. */
export const SETTLED: ReadonlySet<DerivedStatus> = new Set(['located', 'failed', 'launch-failed']);

/** POMS's submission states, derived from the jobs. */
export function deriveStatus(rec: SubmissionRecord, jobs: readonly ObservedJob[]): DerivedStatus {
  if (rec.status === 'located' || rec.status === 'failed' || rec.status === 'launch-failed')
    return rec.status;
  if (jobs.length === 0) return 'unknown';
  if (jobs.some((j) => j.state === 'running')) return 'running';
  if (jobs.some((j) => j.state === 'held')) return 'held';
  if (jobs.some((j) => j.state === 'idle')) return 'idle';
  return 'completed';
}

/** Every record's status as its record and observed jobs say, before this pass decides anything. */
export function deriveStatuses(ix: Indexes): Map<string, DerivedStatus> {
  const status = new Map<string, DerivedStatus>();
  for (const r of ix.records) status.set(r.key, deriveStatus(r, ix.jobsOf.get(r.key) ?? []));
  return status;
}

/** The statuses after this pass's completion decisions: what launches and summaries see. */
export function settle(
  derived: ReadonlyMap<string, DerivedStatus>,
  settled: ReadonlyMap<string, DerivedStatus>,
): Map<string, DerivedStatus> {
  const status = new Map(derived);
  for (const [key, st] of settled) status.set(key, st);
  return status;
}

/** Jobs whose label no record has, and launched submissions the batch system shows no jobs of. */
export function statusNotes(ix: Indexes, status: ReadonlyMap<string, DerivedStatus>): StepResult {
  const out = emptyStep();
  for (const [label, jobs] of ix.jobsOf) {
    if (!ix.position.has(label))
      out.notes.push({
        kind: 'unknown-label',
        key: label,
        message: `${jobs.length} job(s) carry label ${label}, which no submission record has; left alone`,
      });
  }
  for (const rec of ix.records) {
    if (status.get(rec.key) !== 'unknown' || rec.status !== 'launched') continue;
    if (!ix.stages.has(stageId(rec))) continue;
    out.notes.push({
      kind: 'waiting',
      campaign: rec.campaign,
      stage: rec.stage,
      key: rec.key,
      message: `${rec.key}: the batch system reports no jobs for it yet`,
    });
  }
  return out;
}
