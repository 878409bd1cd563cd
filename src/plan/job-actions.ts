import {
  LIVE_JOB_STATES,
  type JobState,
  type ResolvedCampaign,
  type ResolvedStage,
  type State,
  type SubmissionRecord,
} from '../model/index.js';
import { stricter } from './overrides.js';
import { stageId } from '../desired/desired.js';
import type { Indexes } from './indexes.js';
import { emptyStep, type StepResult } from './step.js';

/**
 * Holds, releases and kills that bring each submission's jobs to its campaign's, stage's or
 * own (`submissions`: an operator's hold or kill of it) state, and drift where someone acted
 * on them outside gitpoms (corrected under selfHeal).
 */
export function jobActionsStep(
  ix: Indexes,
  submissions: ReadonlyMap<string, State> = new Map(),
): StepResult {
  const out = emptyStep();
  for (const rec of ix.records) {
    const at = ix.stages.get(stageId(rec));
    if (at) jobActions(ix, out, at.campaign, at.stage, rec, submissions.get(rec.key) ?? 'active');
  }
  return out;
}

function jobActions(
  ix: Indexes,
  out: StepResult,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  rec: SubmissionRecord,
  own: State,
): void {
  const jobs = ix.jobsOf.get(rec.key) ?? [];
  const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
  const ids = (states: readonly JobState[]) =>
    jobs
      .filter((j) => states.includes(j.state))
      .map((j) => j.id)
      .sort();
  const outer = campaign.state !== 'active' ? campaign.state : stage.state;
  const state = stricter(outer, own);
  const who =
    own !== 'active' && own === state
      ? `submission ${rec.key}`
      : stage.state !== 'active'
        ? `stage ${stage.name}`
        : `campaign ${campaign.name}`;
  const drift = (message: string) => out.notes.push({ kind: 'drift', ...base, message });
  const heal = campaign.selfHeal ? 'correcting it (selfHeal)' : 'left as is (selfHeal is off)';
  if (state === 'killed') {
    const live = ids(LIVE_JOB_STATES);
    if (live.length)
      out.actions.push({ kind: 'kill', ...base, jobs: live, reason: `${who} is killed` });
    return;
  }
  if (state === 'held') {
    const live = ids(['idle', 'running']);
    if (live.length && rec.heldByGitpoms) {
      drift(
        `${rec.key}: ${live.length} job(s) released outside gitpoms while ${who} is held; ${heal}`,
      );
      if (campaign.selfHeal)
        out.actions.push({
          kind: 'hold',
          ...base,
          jobs: live,
          reason: `${who} is held; jobs were released outside gitpoms (selfHeal)`,
        });
    } else if (live.length) {
      out.actions.push({ kind: 'hold', ...base, jobs: live, reason: `${who} is held` });
    }
  } else {
    const held = ids(['held']);
    if (held.length && rec.heldByGitpoms) {
      out.actions.push({
        kind: 'release',
        ...base,
        jobs: held,
        reason: `${who} is no longer held`,
      });
    } else if (held.length && state === 'active') {
      const why = jobs.find((j) => j.state === 'held' && j.heldReason)?.heldReason;
      drift(
        `${rec.key}: ${held.length} job(s) held outside gitpoms${why ? ` (${why})` : ''}; ${heal}`,
      );
      if (campaign.selfHeal)
        out.actions.push({
          kind: 'release',
          ...base,
          jobs: held,
          reason: `held outside gitpoms while ${who} is active (selfHeal)`,
        });
    }
  }
  const removed = ids(['removed']);
  if (removed.length && rec.status === 'launched')
    drift(
      `${rec.key}: ${removed.length} job(s) removed outside gitpoms; their files go to the stage's recoveries`,
    );
}
