import { CronExpressionParser } from 'cron-parser';
import {
  findJobType,
  stageId,
  type DesiredState,
  type ResolvedCampaign,
  type ResolvedStage,
} from '../spec/desired.js';
import type { State } from '../spec/types.generated.js';
import type {
  Action,
  ActionKind,
  DerivedStatus,
  InputSpec,
  JobState,
  LaunchAction,
  Note,
  Observed,
  ObservedJob,
  OperatorOverride,
  Plan,
  StageSummary,
  SubmissionRecord,
} from './types.js';

/** Launch attempts of one submission before the planner stops retrying and says so. */
export const MAX_LAUNCH_ATTEMPTS = 3;
/** How long after its last job ends a 'located' submission may wait for the catalog. */
export const LOCATE_GRACE_MS = 3600_000;

/**
 * Actions run in this order: bookkeeping first (mark-located, mark-failed), then kill,
 * hold, release, and launches last, so a pass never launches work it is about to stop.
 * Within a kind: campaign name, stage order in its campaign, submission key.
 */
export const ACTION_ORDER: readonly ActionKind[] = [
  'mark-located',
  'mark-failed',
  'kill',
  'hold',
  'release',
  'launch',
];

const LIVE: readonly JobState[] = ['idle', 'running', 'held'];

export function submissionKey(
  campaign: string,
  stage: string,
  slice: string,
  attempt: number,
): string {
  return `${campaign}/${stage}/${slice}#${attempt}`;
}

/** A catalog definition name made from a key: SAM names allow letters, digits and '_'. */
export function definitionName(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** Jobs grouped by the submission key they carry. */
export function jobsBySubmission<J extends ObservedJob>(jobs: readonly J[]): Map<string, J[]> {
  const by = new Map<string, J[]>();
  for (const j of jobs) {
    const list = by.get(j.submission);
    if (list) list.push(j);
    else by.set(j.submission, [j]);
  }
  return by;
}

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

interface Ctx {
  desired: DesiredState;
  observed: Observed;
  now: Date;
  actions: Action[];
  notes: Note[];
  jobsOf: Map<string, ObservedJob[]>;
  status: Map<string, DerivedStatus>;
  records: SubmissionRecord[];
  /** Stages an operator asked to launch now, whatever their schedule. */
  launchNow: Set<string>;
  overrides: readonly OperatorOverride[];
}

const STATE_RANK: Record<State, number> = { active: 0, inactive: 1, held: 2, killed: 3 };

/**
 * Operator overrides on top of the spec: hold and kill make a campaign or stage at least
 * that strict (kill wins); launch-now opens a stage's schedule. Pure: returns a new state.
 */
export function applyOverrides(
  desired: DesiredState,
  overrides: readonly OperatorOverride[],
): { desired: DesiredState; launchNow: Set<string> } {
  const stricter = (a: State, b: State): State => (STATE_RANK[b] > STATE_RANK[a] ? b : a);
  const launchNow = new Set<string>();
  const campaigns = desired.campaigns.map((c) => {
    let state = c.state;
    const stages = c.stages.map((s) => {
      let st = s.state;
      for (const o of overrides) {
        if (o.campaign !== c.name || (o.stage !== undefined && o.stage !== s.name)) continue;
        if (o.action === 'launch-now') launchNow.add(stageId({ campaign: c.name, stage: s.name }));
        else if (o.action !== 'prune' && o.stage !== undefined)
          st = stricter(st, o.action === 'kill' ? 'killed' : 'held');
      }
      return st === s.state ? s : { ...s, state: st };
    });
    for (const o of overrides) {
      if (
        o.campaign === c.name &&
        o.stage === undefined &&
        (o.action === 'hold' || o.action === 'kill')
      )
        state = stricter(state, o.action === 'kill' ? 'killed' : 'held');
    }
    return { ...c, state, stages };
  });
  return { desired: { ...desired, campaigns }, launchNow };
}

function pct(n: number, d: number): number {
  return d === 0 ? 0 : Math.floor((n / d) * 1000) / 10;
}

/** Decides whether a finished submission reached its completion rule. */
function evaluateCompletion(ctx: Ctx, stage: ResolvedStage, rec: SubmissionRecord): void {
  const jobs = ctx.jobsOf.get(rec.key) ?? [];
  if (ctx.status.get(rec.key) !== 'completed') return;
  const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
  const { type, percent } = stage.completion;
  if (type === 'complete') {
    const ok = jobs.filter((j) => j.state === 'completed' && j.exitCode === 0).length;
    const got = pct(ok, jobs.length);
    if (got >= percent) {
      ctx.actions.push({
        kind: 'mark-located',
        ...base,
        reason: `${ok}/${jobs.length} jobs succeeded (${got}% ≥ ${percent}%)`,
      });
      ctx.status.set(rec.key, 'located');
    } else {
      ctx.actions.push({
        kind: 'mark-failed',
        ...base,
        reason: `only ${ok}/${jobs.length} jobs succeeded (${got}% < ${percent}%)`,
      });
      ctx.status.set(rec.key, 'failed');
    }
    return;
  }
  const out = ctx.observed.outputs[rec.key];
  if (!out) {
    ctx.notes.push({
      kind: 'waiting',
      ...base,
      message: `${rec.key}: jobs finished; waiting for the catalog to report its outputs`,
    });
    return;
  }
  const got = pct(out.located, out.expected);
  if (out.expected > 0 && got >= percent) {
    ctx.actions.push({
      kind: 'mark-located',
      ...base,
      reason: `outputs located for ${out.located}/${out.expected} files (${got}% ≥ ${percent}%)`,
    });
    ctx.status.set(rec.key, 'located');
    return;
  }
  const ended = Math.max(0, ...jobs.map((j) => (j.endedAt ? Date.parse(j.endedAt) : 0)));
  if (out.final || (ended > 0 && ctx.now.getTime() - ended > LOCATE_GRACE_MS)) {
    ctx.actions.push({
      kind: 'mark-failed',
      ...base,
      reason: `only ${out.located}/${out.expected} files located (${got}% < ${percent}%) ${out.final ? 'and no more will come' : 'an hour after the last job ended'}`,
    });
    ctx.status.set(rec.key, 'failed');
  } else {
    ctx.notes.push({
      kind: 'waiting',
      ...base,
      message: `${rec.key}: ${out.located}/${out.expected} files located (${got}%), waiting for ${percent}%`,
    });
  }
}

function jobActions(
  ctx: Ctx,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  rec: SubmissionRecord,
): void {
  const jobs = ctx.jobsOf.get(rec.key) ?? [];
  const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
  const ids = (states: readonly JobState[]) =>
    jobs
      .filter((j) => states.includes(j.state))
      .map((j) => j.id)
      .sort();
  const who = stage.state !== 'active' ? `stage ${stage.name}` : `campaign ${campaign.name}`;
  const state = campaign.state !== 'active' ? campaign.state : stage.state;
  const drift = (message: string) => ctx.notes.push({ kind: 'drift', ...base, message });
  const heal = campaign.selfHeal ? 'correcting it (selfHeal)' : 'left as is (selfHeal is off)';
  if (state === 'killed') {
    const live = ids(LIVE);
    if (live.length)
      ctx.actions.push({ kind: 'kill', ...base, jobs: live, reason: `${who} is killed` });
    return;
  }
  if (state === 'held') {
    const live = ids(['idle', 'running']);
    if (live.length && rec.heldByGitpoms) {
      drift(
        `${rec.key}: ${live.length} job(s) released outside gitpoms while ${who} is held; ${heal}`,
      );
      if (campaign.selfHeal)
        ctx.actions.push({
          kind: 'hold',
          ...base,
          jobs: live,
          reason: `${who} is held; jobs were released outside gitpoms (selfHeal)`,
        });
    } else if (live.length) {
      ctx.actions.push({ kind: 'hold', ...base, jobs: live, reason: `${who} is held` });
    }
  } else {
    const held = ids(['held']);
    if (held.length && rec.heldByGitpoms) {
      ctx.actions.push({
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
        ctx.actions.push({
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

/** Whether an operator confirmed pruning this submission's campaign or stage (`gitpoms prune`). */
function pruneConfirmed(ctx: Ctx, rec: SubmissionRecord): OperatorOverride | undefined {
  return ctx.overrides.find(
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
function pruneOrphans(ctx: Ctx, orphans: SubmissionRecord[]): void {
  const totalLive = ctx.observed.jobs.filter((j) => LIVE.includes(j.state)).length;
  const gone = (rec: SubmissionRecord) =>
    ctx.desired.campaigns.some((c) => c.name === rec.campaign)
      ? `stage ${rec.stage} left campaign ${rec.campaign}`
      : `campaign ${rec.campaign} left the spec`;
  const confirmed: Array<{ rec: SubmissionRecord; jobs: string[]; by: OperatorOverride }> = [];
  const automatic: Array<{ rec: SubmissionRecord; jobs: string[] }> = [];
  for (const rec of orphans) {
    const jobs = (ctx.jobsOf.get(rec.key) ?? [])
      .filter((j) => LIVE.includes(j.state))
      .map((j) => j.id)
      .sort();
    if (jobs.length === 0) continue;
    const base = { campaign: rec.campaign, stage: rec.stage, key: rec.key };
    const campaign = ctx.desired.campaigns.find((c) => c.name === rec.campaign);
    const policy = campaign?.prune ?? ctx.desired.defaults.prune;
    // An operator's confirmation is a manual prune, as Argo CD's sync with prune: any policy.
    const by = pruneConfirmed(ctx, rec);
    if (by) confirmed.push({ rec, jobs, by });
    else if (policy === true) automatic.push({ rec, jobs });
    else
      ctx.notes.push({
        kind: policy === false ? 'orphaned' : 'prune-confirm',
        ...base,
        message:
          policy === false
            ? `${rec.key}: ${gone(rec)}; ${jobs.length} job(s) left running (prune is off)`
            : `${rec.key}: ${gone(rec)}; ${jobs.length} job(s) will be killed once an operator confirms (gitpoms prune ${rec.campaign} ${rec.stage} --yes)`,
      });
  }
  const kill = (rec: SubmissionRecord, jobs: string[], reason: string) =>
    ctx.actions.push({
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
  const allowed = Math.floor(totalLive * ctx.desired.defaults.pruneMaxFraction);
  if (killCount > allowed) {
    ctx.notes.push({
      kind: 'prune-guard',
      message: `prune would kill ${killCount} of ${totalLive} live jobs, more than the ${ctx.desired.defaults.pruneMaxFraction * 100}% allowed in one pass; nothing pruned until an operator confirms (gitpoms prune CAMPAIGN [STAGE] --yes)`,
    });
    return;
  }
  for (const { rec, jobs } of automatic) kill(rec, jobs, `${gone(rec)} (prune is on)`);
}

function launchGate(ctx: Ctx, campaign: ResolvedCampaign): string | undefined {
  if (ctx.desired.defaults.launches === 'held') return 'job launches are held globally';
  for (const svc of ctx.desired.services) {
    if (!svc.gatesLaunches || svc.experiment !== campaign.experiment) continue;
    if (svc.campaigns && !svc.campaigns.includes(campaign.name)) continue;
    if (ctx.observed.services[svc.name] === 'failed') return `service ${svc.name} is failed`;
  }
  return undefined;
}

/** Whether the stage's cron schedule allows a launch now, and when the next tick is. */
function scheduleGate(
  ctx: Ctx,
  stage: ResolvedStage,
  stageRecords: SubmissionRecord[],
): { open: boolean; next?: string } {
  if (!stage.schedule) return { open: true };
  const cron = () =>
    CronExpressionParser.parse(stage.schedule!, { currentDate: ctx.now, tz: 'UTC' });
  const prev = cron().prev().getTime();
  const next = cron().next().toISOString() ?? 'unknown';
  return { open: !stageRecords.some((r) => Date.parse(r.launchedAt) >= prev), next };
}

function launchCommand(
  ctx: Ctx,
  stage: ResolvedStage,
  input: InputSpec,
  extra: Array<[string, string]>,
): string[] {
  const jt = findJobType(ctx.desired, stage.experiment, stage.jobType)!;
  if (!jt.fifeConfig) return [...jt.launch, ...stage.arguments];
  const overrides = new Map(stage.overrides);
  for (const [k, v] of extra) overrides.set(k, v);
  if ('definition' in input) overrides.set('submit.dataset', input.definition);
  else if (input.kind === 'split' && input.slice.definition)
    overrides.set('submit.dataset', input.slice.definition);
  else if (input.kind === 'split' && input.slice.value !== undefined)
    overrides.set('global.multiparam', input.slice.value);
  return [...jt.launch, ...[...overrides].map(([k, v]) => `-O${k}=${v}`)];
}

interface Want {
  slice: string;
  input: InputSpec;
  parent?: string;
  recovery?: LaunchAction['recovery'];
  overrides?: Array<[string, string]>;
  reason: string;
}

/** The slice name of a split position: split-N, and split-N.rG after the G-th reset. */
export function sliceName(position: number, generation: number): string {
  return `split-${position + 1}${generation ? `.r${generation}` : ''}`;
}

/**
 * A split stage wants its next slice (computed by observe from the split's stored position,
 * counted in the catalog when an empty slice ends the split) while fewer than
 * `slicesInFlight` of its slices are in flight. One new slice per pass.
 */
function splitWants(
  ctx: Ctx,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: SubmissionRecord[],
): Want[] {
  const id = stageId({ campaign: campaign.name, stage: stage.name });
  const base = { campaign: campaign.name, stage: stage.name };
  const obs = ctx.observed.splits[id];
  if (!obs) {
    ctx.notes.push({ kind: 'waiting', ...base, message: `${id}: split position not observed` });
    return [];
  }
  if ('done' in obs) {
    ctx.notes.push({
      kind: 'exhausted',
      ...base,
      message: `${id}: split ${stage.split.type} has no slice to launch now: ${obs.done}`,
    });
    return [];
  }
  const inFlight = stageRecords.filter(
    (r) =>
      r.slice.startsWith('split-') &&
      !r.recovery &&
      !['located', 'failed', 'launch-failed'].includes(ctx.status.get(r.key) ?? ''),
  ).length;
  if (inFlight >= stage.slicesInFlight) return [];
  const slice = obs.next;
  const what = slice.definition ?? slice.value;
  return [
    {
      slice: sliceName(slice.position, slice.generation),
      input: { kind: 'split', slice },
      reason: `slice ${slice.position + 1} of split ${stage.split.type}: ${what}`,
    },
  ];
}

function wantedSubmissions(
  ctx: Ctx,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: SubmissionRecord[],
): Want[] {
  const wants: Want[] = [];
  const id = stageId({ campaign: campaign.name, stage: stage.name });
  if (stage.dependsOn.length === 0) {
    if (stage.dataset.kind === 'none') {
      for (let i = 1; i <= stage.submissions; i++) {
        wants.push({
          slice: `mc-${i}`,
          input: { kind: 'none' },
          reason: `Monte Carlo submission ${i} of ${stage.submissions}`,
        });
      }
    } else if (stage.split.type === 'none') {
      const ds = stage.dataset;
      const input: InputSpec =
        ds.kind === 'definition'
          ? { kind: 'dataset', definition: ds.name }
          : {
              kind: 'dataset',
              definition: definitionName('gitpoms', `${id}/all`),
              dimensions: ds.kind === 'query' ? ds.dimensions : '',
            };
      wants.push({
        slice: 'all',
        input,
        reason: `dataset ${ds.kind === 'definition' ? ds.name : 'query'}, unsplit`,
      });
    } else {
      wants.push(...splitWants(ctx, campaign, stage, stageRecords));
    }
  }
  stage.dependsOn.forEach((dep, di) => {
    const parents = ctx.records.filter((r) => r.campaign === dep.campaign && r.stage === dep.stage);
    const single = stage.dependsOn.length === 1 && dep.campaign === campaign.name;
    for (const p of parents) {
      if (ctx.status.get(p.key) !== 'located') continue;
      // A located recovery also carries the outputs of the failed submissions before it in its
      // chain: they never fed a dependent of their own.
      const failedBefore = p.recovery
        ? parents.filter(
            (r) =>
              ctx.status.get(r.key) === 'failed' &&
              (r.key === p.recovery!.of ||
                (r.recovery?.of === p.recovery!.of && r.recovery.index < p.recovery!.index)),
          )
        : [];
      const sources = [...failedBefore.map((r) => r.key), p.key];
      const slice = single ? p.slice : `${dep.campaign}.${dep.stage}.${p.slice}`;
      wants.push({
        slice,
        parent: p.key,
        input: {
          kind: 'parent',
          parent: p.key,
          sources,
          definition: definitionName('gitpoms_depends', `${p.key}_${di + 1}`),
          filePatterns: dep.filePatterns,
        },
        reason: failedBefore.length
          ? `recovery ${p.key} is located; with the outputs of ${failedBefore.map((r) => r.key).join(', ')}`
          : `parent ${p.key} is located`,
      });
    }
  });
  // Recoveries: for each located or failed original submission, the next recovery type in the list with files to recover.
  const jt = findJobType(ctx.desired, stage.experiment, stage.jobType)!;
  const recoveries = jt.recoveries;
  if (recoveries.length > 0) {
    for (const orig of stageRecords.filter((r) => !r.recovery)) {
      const st = ctx.status.get(orig.key);
      if (st !== 'located' && st !== 'failed') continue;
      const chain = stageRecords
        .filter((r) => r.recovery?.of === orig.key)
        .sort((a, b) => a.recovery!.index - b.recovery!.index);
      const last = chain[chain.length - 1];
      if (last && !['located', 'failed', 'launch-failed'].includes(ctx.status.get(last.key) ?? ''))
        continue;
      const latest = last ?? orig;
      const files = ctx.observed.recoveryFiles[latest.key];
      for (let i = (last?.recovery?.index ?? 0) + 1; i <= recoveries.length; i++) {
        const r = recoveries[i - 1]!;
        const n = files?.[r.type];
        if (n === undefined) {
          ctx.notes.push({
            kind: 'waiting',
            campaign: campaign.name,
            stage: stage.name,
            key: latest.key,
            message: `${latest.key}: waiting for the catalog to count files for recovery ${r.type}`,
          });
          break;
        }
        if (n === 0) continue;
        wants.push({
          slice: `${orig.slice}+r${i}`,
          recovery: { of: orig.key, type: r.type, index: i },
          input: {
            kind: 'recovery',
            of: latest.key,
            type: r.type,
            definition: definitionName('gitpoms_recovery', `${orig.key}_r${i}`),
          },
          overrides: r.overrides,
          reason: `recovery ${i} (${r.type}) of ${orig.key}: ${n} file(s) to recover`,
        });
        break;
      }
    }
  }
  return wants;
}

function plannedLaunches(
  ctx: Ctx,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: SubmissionRecord[],
): void {
  const who =
    campaign.state !== 'active'
      ? `campaign ${campaign.name} is ${campaign.state}`
      : stage.state !== 'active'
        ? `stage is ${stage.state}`
        : undefined;
  const wants = wantedSubmissions(ctx, campaign, stage, stageRecords);
  const missing: Array<{ want: Want; attempt: number }> = [];
  for (const want of wants) {
    const attempts = stageRecords.filter((r) => r.slice === want.slice);
    if (attempts.some((r) => r.status !== 'launch-failed')) continue;
    if (attempts.length >= MAX_LAUNCH_ATTEMPTS) {
      ctx.notes.push({
        kind: 'waiting',
        campaign: campaign.name,
        stage: stage.name,
        message: `${campaign.name}/${stage.name}/${want.slice}: launch failed ${attempts.length} times; fix the cause and reset it`,
      });
      continue;
    }
    missing.push({ want, attempt: attempts.length + 1 });
  }
  if (missing.length === 0) return;
  const gate = who ?? launchGate(ctx, campaign);
  if (gate) {
    ctx.notes.push({
      kind: 'gated',
      campaign: campaign.name,
      stage: stage.name,
      message: `${campaign.name}/${stage.name}: ${missing.length} launch(es) waiting: ${gate}`,
    });
    return;
  }
  const sched = scheduleGate(ctx, stage, stageRecords);
  if (!sched.open && !ctx.launchNow.has(stageId({ campaign: campaign.name, stage: stage.name }))) {
    ctx.notes.push({
      kind: 'schedule',
      campaign: campaign.name,
      stage: stage.name,
      message: `${campaign.name}/${stage.name}: ${missing.length} launch(es) wait for the schedule "${stage.schedule}" (next ${sched.next})`,
    });
    return;
  }
  for (const { want, attempt } of missing) {
    const key = submissionKey(campaign.name, stage.name, want.slice, attempt);
    ctx.actions.push({
      kind: 'launch',
      campaign: campaign.name,
      stage: stage.name,
      key,
      slice: want.slice,
      attempt,
      ...(want.parent ? { parent: want.parent } : {}),
      ...(want.recovery ? { recovery: want.recovery } : {}),
      input: want.input,
      command: launchCommand(ctx, stage, want.input, want.overrides ?? []),
      jobType: stage.jobType,
      launchTemplate: stage.launchTemplate,
      reason:
        attempt > 1 ? `${want.reason}; attempt ${attempt} after a failed launch` : want.reason,
    });
  }
}

function summarize(ctx: Ctx): StageSummary[] {
  const out: StageSummary[] = [];
  for (const c of ctx.desired.campaigns) {
    for (const s of c.stages) {
      const recs = ctx.records.filter((r) => r.campaign === c.name && r.stage === s.name);
      const submissions: StageSummary['submissions'] = {};
      const jobs: StageSummary['jobs'] = {};
      for (const r of recs) {
        const st = ctx.status.get(r.key) ?? 'unknown';
        submissions[st] = (submissions[st] ?? 0) + 1;
        for (const j of ctx.jobsOf.get(r.key) ?? []) jobs[j.state] = (jobs[j.state] ?? 0) + 1;
      }
      const sched = s.schedule ? scheduleGate(ctx, s, recs) : undefined;
      out.push({
        campaign: c.name,
        stage: s.name,
        state: c.state !== 'active' ? c.state : s.state,
        submissions,
        jobs,
        ...(sched?.next ? { nextLaunch: sched.next } : {}),
      });
    }
  }
  return out;
}

function sortKey(desired: DesiredState, a: Action): [number, string, number, string] {
  const order =
    desired.campaigns.find((c) => c.name === a.campaign)?.stages.find((s) => s.name === a.stage)
      ?.order ?? 1e9;
  return [ACTION_ORDER.indexOf(a.kind), a.campaign, order, a.key];
}

function compareActions(desired: DesiredState) {
  return (a: Action, b: Action): number => {
    const ka = sortKey(desired, a);
    const kb = sortKey(desired, b);
    return (
      ka[0] - kb[0] || ka[1].localeCompare(kb[1]) || ka[2] - kb[2] || ka[3].localeCompare(kb[3])
    );
  };
}

/**
 * The pure diff of what the spec wants against what exists: a total, deterministic list of
 * actions with reasons, plus notes on what is waiting and why. No I/O, no clock.
 */
export function plan(
  spec: DesiredState,
  observed: Observed,
  records: readonly SubmissionRecord[],
  now: Date,
  overrides: readonly OperatorOverride[] = [],
): Plan {
  const { desired, launchNow } = applyOverrides(spec, overrides);
  const jobsOf = jobsBySubmission(observed.jobs);
  const ctx: Ctx = {
    desired,
    observed,
    now,
    actions: [],
    notes: [],
    jobsOf,
    status: new Map(),
    records: [...records],
    launchNow,
    overrides,
  };
  for (const o of overrides) {
    const target = o.stage ? `${o.campaign}/${o.stage}` : o.campaign;
    ctx.notes.push({
      kind: 'override',
      campaign: o.campaign,
      ...(o.stage ? { stage: o.stage } : {}),
      message: `${o.action} ${target} by ${o.actor} since ${o.createdAt}: ${o.reason}${o.expiresAt ? ` (until ${o.expiresAt})` : ''}`,
    });
  }
  for (const r of records) ctx.status.set(r.key, deriveStatus(r, jobsOf.get(r.key) ?? []));

  const known = new Set(records.map((r) => r.key));
  for (const [label, jobs] of jobsOf) {
    if (!known.has(label)) {
      ctx.notes.push({
        kind: 'unknown-label',
        key: label,
        message: `${jobs.length} job(s) carry label ${label}, which no submission record has; left alone`,
      });
    }
  }

  const orphans: SubmissionRecord[] = [];
  for (const rec of records) {
    const campaign = desired.campaigns.find((c) => c.name === rec.campaign);
    const stage = campaign?.stages.find((s) => s.name === rec.stage);
    if (!campaign || !stage) {
      orphans.push(rec);
      continue;
    }
    evaluateCompletion(ctx, stage, rec);
    jobActions(ctx, campaign, stage, rec);
    if (ctx.status.get(rec.key) === 'unknown' && rec.status === 'launched') {
      ctx.notes.push({
        kind: 'waiting',
        campaign: rec.campaign,
        stage: rec.stage,
        key: rec.key,
        message: `${rec.key}: the batch system reports no jobs for it yet`,
      });
    }
  }
  pruneOrphans(ctx, orphans);

  for (const campaign of desired.campaigns) {
    for (const stage of campaign.stages) {
      const stageRecords = ctx.records.filter(
        (r) => r.campaign === campaign.name && r.stage === stage.name,
      );
      plannedLaunches(ctx, campaign, stage, stageRecords);
    }
  }

  const actions = ctx.actions.sort(compareActions(desired));
  const counts = Object.fromEntries(
    ACTION_ORDER.map((k) => [k, actions.filter((a) => a.kind === k).length]),
  ) as Record<ActionKind, number>;
  return { now: now.toISOString(), actions, notes: ctx.notes, stages: summarize(ctx), counts };
}
