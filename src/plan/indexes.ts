import {
  LIVE_JOB_STATES,
  type DesiredState,
  type NamedJobType,
  type Observed,
  type ObservedJob,
  type ResolvedCampaign,
  type ResolvedStage,
  type SubmissionRecord,
} from '../model/index.js';
import { stageId } from '../desired/desired.js';
import { pushTo } from '../group.js';

const LIVE_STATES = new Set(LIVE_JOB_STATES);

/**
 * Everything a planning step looks up, built once per plan so each step is linear in its input:
 * stages by id, job types by name, records by key, stage, slice and recovered submission, jobs
 * by submission.
 */
export interface Indexes {
  desired: DesiredState;
  campaigns: Map<string, ResolvedCampaign>;
  stages: Map<string, { campaign: ResolvedCampaign; stage: ResolvedStage }>;
  jobTypes: Map<string, NamedJobType>;
  records: readonly SubmissionRecord[];
  /** A record's position in `records`, the order every step keeps. */
  position: Map<string, number>;
  byStage: Map<string, SubmissionRecord[]>;
  /** Launch attempts of one slice of a stage. */
  attempts: Map<string, SubmissionRecord[]>;
  /** Recoveries of an original submission, by recovery index. */
  recoveriesOf: Map<string, SubmissionRecord[]>;
  jobsOf: Map<string, ObservedJob[]>;
  liveJobs: number;
}

export const jobTypeId = (experiment: string, name: string): string => `${experiment}\0${name}`;
export const sliceId = (stage: string, slice: string): string => `${stage}\0${slice}`;

/** Jobs grouped by the submission key they carry. */
export function jobsBySubmission<J extends ObservedJob>(jobs: readonly J[]): Map<string, J[]> {
  const by = new Map<string, J[]>();
  for (const j of jobs) pushTo(by, j.submission, j);
  return by;
}

export function buildIndexes(
  desired: DesiredState,
  observed: Observed,
  records: readonly SubmissionRecord[],
): Indexes {
  const campaigns = new Map<string, ResolvedCampaign>();
  const stages = new Map<string, { campaign: ResolvedCampaign; stage: ResolvedStage }>();
  for (const campaign of desired.campaigns) {
    campaigns.set(campaign.name, campaign);
    for (const stage of campaign.stages)
      stages.set(stageId({ campaign: campaign.name, stage: stage.name }), { campaign, stage });
  }
  const jobTypes = new Map<string, NamedJobType>();
  for (const jt of desired.jobTypes) jobTypes.set(jobTypeId(jt.experiment, jt.name), jt);
  const position = new Map<string, number>();
  const byStage = new Map<string, SubmissionRecord[]>();
  const attempts = new Map<string, SubmissionRecord[]>();
  const recoveriesOf = new Map<string, SubmissionRecord[]>();
  records.forEach((r, i) => {
    position.set(r.key, i);
    const id = stageId(r);
    pushTo(byStage, id, r);
    pushTo(attempts, sliceId(id, r.slice), r);
    if (r.recovery) pushTo(recoveriesOf, r.recovery.of, r);
  });
  for (const chain of recoveriesOf.values())
    chain.sort((a, b) => a.recovery!.index - b.recovery!.index);
  let liveJobs = 0;
  for (const j of observed.jobs) if (LIVE_STATES.has(j.state)) liveJobs++;
  return {
    desired,
    campaigns,
    stages,
    jobTypes,
    records,
    position,
    byStage,
    attempts,
    recoveriesOf,
    jobsOf: jobsBySubmission(observed.jobs),
    liveJobs,
  };
}

export function jobTypeOf(ix: Indexes, stage: ResolvedStage): NamedJobType {
  // Validation guarantees every stage's job type resolves.
  return ix.jobTypes.get(jobTypeId(stage.experiment, stage.jobType))!;
}

/** Whether a submission is the newest of its recovery chain (no later recovery of the same original), for all in one sweep. */
export function newestOfChain(
  records: readonly SubmissionRecord[],
): (r: SubmissionRecord) => boolean {
  const last = new Map<string, number>();
  for (const o of records)
    if (o.recovery)
      last.set(o.recovery.of, Math.max(last.get(o.recovery.of) ?? 0, o.recovery.index));
  return (r) => (last.get(r.recovery?.of ?? r.key) ?? 0) <= (r.recovery?.index ?? 0);
}
