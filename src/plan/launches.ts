import type {
  DesiredState,
  InputSpec,
  Observed,
  ResolvedCampaign,
  ResolvedStage,
  State,
} from '../model/index.js';
import { stageId } from '../desired/desired.js';
import { launchGate, scheduleGate } from './gates.js';
import { jobTypeOf, sliceId, type Indexes } from './indexes.js';
import { emptyStep, type StepResult } from './step.js';
import { wantedSubmissions, type Want, type WantsContext } from './wants.js';

/** Launch attempts of one submission before the planner stops retrying and says so. */
export const MAX_LAUNCH_ATTEMPTS = 3;

export function submissionKey(
  campaign: string,
  stage: string,
  slice: string,
  attempt: number,
): string {
  return `${campaign}/${stage}/${slice}#${attempt}`;
}

function launchCommand(
  ix: Indexes,
  stage: ResolvedStage,
  input: InputSpec,
  extra: Array<[string, string]>,
): string[] {
  const jt = jobTypeOf(ix, stage);
  if (!jt.fifeConfig) return [...jt.launch, ...stage.arguments];
  const overrides = new Map(stage.overrides);
  for (const [k, v] of extra) overrides.set(k, v);
  if ('definition' in input) overrides.set('submit.dataset', input.definition);
  else if (input.kind === 'rerun') overrides.set('submit.N', String(input.processes.length));
  else if (input.kind === 'split' && input.slice.definition)
    overrides.set('submit.dataset', input.slice.definition);
  else if (input.kind === 'split' && input.slice.value !== undefined)
    overrides.set('global.multiparam', input.slice.value);
  return [...jt.launch, ...[...overrides].map(([k, v]) => `-O${k}=${v}`)];
}

export interface LaunchContext extends WantsContext {
  desired: DesiredState;
  observed: Observed;
  now: Date;
  /** Stages an operator asked to launch now, whatever their schedule. */
  launchNow: ReadonlySet<string>;
  /** Why every launch waits: an operator holds them all (the runtime launch switch). */
  launchesHeld?: string | undefined;
  /** Submissions an operator held or killed: nothing is made from a killed one. */
  submissions?: ReadonlyMap<string, State>;
}

/** The submission a want is made from whose kill stops it: its parent, or what it recovers. */
function killedSource(want: Want, submissions: ReadonlyMap<string, State>): string | undefined {
  const from = [want.parent, want.recovery?.of, 'of' in want.input ? want.input.of : undefined];
  return from.find((k) => k !== undefined && submissions.get(k) === 'killed');
}

/**
 * For every stage, the wanted submissions that do not exist yet, launched unless the campaign
 * or stage is not active, the site holds launches, or the stage's schedule is closed.
 */
export function launchStep(ctx: Omit<LaunchContext, 'notes'>): StepResult {
  const out = emptyStep();
  const full: LaunchContext = { ...ctx, notes: out.notes };
  for (const campaign of ctx.desired.campaigns)
    for (const stage of campaign.stages) plannedLaunches(full, out, campaign, stage);
  return out;
}

function plannedLaunches(
  ctx: LaunchContext,
  out: StepResult,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
): void {
  const id = stageId({ campaign: campaign.name, stage: stage.name });
  const base = { campaign: campaign.name, stage: stage.name };
  const who =
    campaign.state !== 'active'
      ? `campaign ${campaign.name} is ${campaign.state}`
      : stage.state !== 'active'
        ? `stage is ${stage.state}`
        : undefined;
  const missing: Array<{ want: Want; attempt: number }> = [];
  for (const want of wantedSubmissions(ctx, campaign, stage)) {
    const killed = ctx.submissions && killedSource(want, ctx.submissions);
    if (killed) {
      out.notes.push({
        kind: 'gated',
        ...base,
        key: killed,
        message: `${id}/${want.slice}: not launched, submission ${killed} is killed`,
      });
      continue;
    }
    const attempts = ctx.ix.attempts.get(sliceId(id, want.slice)) ?? [];
    if (attempts.some((r) => r.status !== 'launch-failed')) continue;
    if (attempts.length >= MAX_LAUNCH_ATTEMPTS) {
      out.notes.push({
        kind: 'waiting',
        ...base,
        message: `${id}/${want.slice}: launch failed ${attempts.length} times; fix the cause and reset it`,
      });
      continue;
    }
    missing.push({ want, attempt: attempts.length + 1 });
  }
  if (missing.length === 0) return;
  const gate = who ?? ctx.launchesHeld ?? launchGate(ctx.desired, ctx.observed, campaign);
  if (gate) {
    out.notes.push({
      kind: 'gated',
      ...base,
      message: `${id}: ${missing.length} launch(es) waiting: ${gate}`,
    });
    return;
  }
  const sched = scheduleGate(ctx.now, stage, ctx.ix.byStage.get(id) ?? []);
  if (!sched.open && !ctx.launchNow.has(id)) {
    out.notes.push({
      kind: 'schedule',
      ...base,
      message: `${id}: ${missing.length} launch(es) wait for the schedule "${stage.schedule}" (next ${sched.next})`,
    });
    return;
  }
  for (const { want, attempt } of missing) {
    out.actions.push({
      kind: 'launch',
      ...base,
      key: submissionKey(campaign.name, stage.name, want.slice, attempt),
      slice: want.slice,
      attempt,
      ...(want.parent ? { parent: want.parent } : {}),
      ...(want.recovery ? { recovery: want.recovery } : {}),
      input: want.input,
      command: launchCommand(ctx.ix, stage, want.input, want.overrides ?? []),
      jobType: stage.jobType,
      launchTemplate: stage.launchTemplate,
      reason:
        attempt > 1 ? `${want.reason}; attempt ${attempt} after a failed launch` : want.reason,
    });
  }
}
