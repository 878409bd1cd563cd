import { LIVE_JOB_STATES, type OperatorOverride, type SubmissionRecord } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import type { Indexes } from './indexes.js';
import { emptyStep, type StepResult } from './step.js';

/** Whether an operator confirmed pruning this submission's campaign or stage (`gitpoms prune`). */
function pruneConfirmed(
  overrides: readonly OperatorOverride[],
  rec: SubmissionRecord,
): OperatorOverride | undefined {
  return overrides.find(
    (o) =>
      o.action === 'prune' &&
      o.campaign === rec.campaign &&
      (o.stage === undefined || o.stage === rec.stage),
  );
}

/**
 * Jobs of submissions whose stage or campaign left the spec. prune false keeps them, confirm
 * waits for an operator, true kills them, but never more than pruneMaxFraction of the live
 * jobs in one pass: the guard against a bad commit pruning a whole production. An operator's
 * confirmation prunes whatever the policy.
 */
export function pruneStep(ix: Indexes, overrides: readonly OperatorOverride[]): StepResult {
  const out = emptyStep();
  const { defaults } = ix.desired;
  const prunes = overrides.filter((o) => o.action === 'prune');
  const gone = (rec: SubmissionRecord) =>
    ix.campaigns.has(rec.campaign)
      ? `stage ${rec.stage} left campaign ${rec.campaign}`
      : `campaign ${rec.campaign} left the spec`;
  const confirmed: Array<{ rec: SubmissionRecord; jobs: string[]; by: OperatorOverride }> = [];
  const automatic: Array<{ rec: SubmissionRecord; jobs: string[] }> = [];
  for (const rec of ix.records) {
    if (ix.stages.has(stageId(rec))) continue;
    const jobs = (ix.jobsOf.get(rec.key) ?? [])
      .filter((j) => LIVE_JOB_STATES.includes(j.state))
      .map((j) => j.id)
      .sort();
    if (jobs.length === 0) continue;
    const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
    const policy = ix.campaigns.get(rec.campaign)?.prune ?? defaults.prune;
    // An operator's confirmation is a manual prune, as Argo CD's sync with prune: any policy.
    const by = pruneConfirmed(prunes, rec);
    if (by) confirmed.push({ rec, jobs, by });
    else if (policy === true) automatic.push({ rec, jobs });
    else
      out.notes.push({
        kind: policy === false ? 'orphaned' : 'prune-confirm',
        ...base,
        message:
          policy === false
            ? `${rec.key}: ${gone(rec)}; ${jobs.length} job(s) left running (prune is off)`
            : `${rec.key}: ${gone(rec)}; ${jobs.length} job(s) will be killed once an operator confirms (gitpoms prune ${rec.campaign} ${rec.stage} --yes)`,
      });
  }
  const kill = (rec: SubmissionRecord, jobs: string[], reason: string) =>
    out.actions.push({
      kind: 'kill',
      campaign: rec.campaign,
      stage: rec.stage,
      key: rec.key,
      jobs,
      prune: true,
      reason,
    });
  for (const { rec, jobs, by } of confirmed)
    kill(rec, jobs, `${gone(rec)}; prune confirmed by ${by.actor}: ${by.reason}`);
  const killCount = automatic.reduce((n, k) => n + k.jobs.length, 0);
  const allowed = Math.floor(ix.liveJobs * defaults.pruneMaxFraction);
  if (killCount > allowed) {
    out.notes.push({
      kind: 'prune-guard',
      message: `prune would kill ${killCount} of ${ix.liveJobs} live jobs, more than the ${defaults.pruneMaxFraction * 100}% allowed in one pass; nothing pruned until an operator confirms (gitpoms prune CAMPAIGN [STAGE] --yes)`,
    });
    return out;
  }
  for (const { rec, jobs } of automatic) kill(rec, jobs, `${gone(rec)} (prune is on)`);
  return out;
}
