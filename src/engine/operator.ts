// Operator actions, the same from the CLI and the HTTP API: each is checked against the
// desired state, recorded in the store with who, why and when, and acted on by the next pass.
import type { OverrideStore, Store } from '../adapters/store/types.js';
import { operatorDuration } from '../desired/split.js';
import { InvalidInputError } from '../errors.js';
import {
  EVERY_CAMPAIGN,
  type DesiredState,
  type OperatorOverride,
  type ResolvedStage,
} from '../model/index.js';

/** Who asks, and why. */
export interface Asker {
  actor: string;
  reason?: string | undefined;
}

/** How the asker's interface names the confirmation, the reason and the duration, for messages. */
export interface Wording {
  confirm: string;
  reason: string;
  for: string;
}

export const CLI_WORDING: Wording = { confirm: '--yes', reason: '--reason', for: '--for' };

export interface Target {
  campaign: string;
  stage?: string | undefined;
  /** One submission (a hold, kill or release of its jobs): its key; campaign and stage are its own. */
  submission?: string | undefined;
}

export const targetName = (t: Target): string =>
  t.submission ?? (t.stage ? `${t.campaign}/${t.stage}` : t.campaign);

/** The campaign (and stage) as the desired state has them; an unknown one is a clear error. */
export function checkTarget(desired: DesiredState, t: Target): void {
  const c = desired.campaigns.find((x) => x.name === t.campaign);
  if (!c)
    throw new InvalidInputError(
      `no campaign ${t.campaign} (${desired.campaigns.map((x) => x.name).join(', ')})`,
    );
  if (t.stage !== undefined && !c.stages.some((s) => s.name === t.stage))
    throw new InvalidInputError(
      `campaign ${t.campaign} has no stage ${t.stage} (${c.stages.map((s) => s.name).join(', ')})`,
    );
}

/** The experiment a target belongs to, for access checks; undefined when the campaign is unknown. */
export function experimentOf(desired: DesiredState, campaign: string): string | undefined {
  return desired.campaigns.find((c) => c.name === campaign)?.experiment;
}

export interface OverrideRequest extends Target, Asker {
  action: Exclude<OperatorOverride['action'], 'prune' | 'hold-launches'>;
  /** How long it holds, e.g. 2h; until released or a new revision when absent. */
  for?: string | undefined;
  /** A kill's confirmation. */
  confirmed?: boolean | undefined;
}

/** What a hold, kill or launch-now needs before anything is read: confirmation, reason, duration. */
export function checkOverride(req: OverrideRequest, w: Wording): void {
  if (req.submission !== undefined && req.action === 'launch-now')
    throw new InvalidInputError('launch now opens a stage, not one submission: name the stage');
  if (req.action === 'kill' && !req.confirmed)
    throw new InvalidInputError(`kill stops running production jobs; add ${w.confirm} to confirm`);
  if (req.action !== 'launch-now' && !req.reason?.trim())
    throw new InvalidInputError(
      `${req.action} needs ${w.reason}: the plan and the audit log show it`,
    );
  if (req.for !== undefined) {
    if (operatorDuration(req.for) === undefined)
      throw new InvalidInputError(
        `${w.for} ${req.for}: a duration such as 30m, 2h or 1d, of at most a year (366d)`,
      );
  }
}

/** Records a hold, kill or launch-now; returns its id and when it expires. */
export async function addOverride(
  store: OverrideStore,
  desired: DesiredState,
  req: OverrideRequest,
  now: Date,
  revision: string | undefined,
  w: Wording,
): Promise<{ id: number; expiresAt?: string }> {
  checkOverride(req, w);
  const reason = req.reason?.trim() ?? '';
  const seconds = req.for === undefined ? undefined : operatorDuration(req.for)!;
  const expiresAt =
    seconds === undefined ? undefined : new Date(now.getTime() + seconds * 1000).toISOString();
  checkTarget(desired, req);
  const id = await store.addOverride({
    action: req.action,
    campaign: req.campaign,
    ...(req.stage ? { stage: req.stage } : {}),
    ...(req.submission ? { submission: req.submission } : {}),
    actor: req.actor,
    reason: reason || 'launch now',
    ...(revision ? { revision } : {}),
    ...(expiresAt ? { expiresAt } : {}),
  });
  return { id, ...(expiresAt ? { expiresAt } : {}) };
}

/** Clears the holds and kills of a target; gitpoms releases the jobs it held on the next pass. */
export async function releaseOverrides(
  store: Store,
  desired: DesiredState,
  req: Target & Asker,
): Promise<number> {
  checkTarget(desired, req);
  const n = await store.clearOverrides(
    {
      campaign: req.campaign,
      ...(req.stage ? { stage: req.stage } : {}),
      ...(req.submission ? { submission: req.submission } : {}),
      actions: ['hold', 'kill'],
    },
    `released by ${req.actor}${req.reason ? `: ${req.reason}` : ''}`,
  );
  await store.audit({
    actor: req.actor,
    action: 'override release',
    target: targetName(req),
    ...(req.reason ? { detail: req.reason } : {}),
  });
  return n;
}

/** What a prune confirmation needs before anything is read. */
export function checkPrune(req: Asker & { confirmed?: boolean | undefined }, w: Wording): void {
  if (!req.confirmed)
    throw new InvalidInputError(`prune kills running production jobs; add ${w.confirm} to confirm`);
  if (!req.reason?.trim())
    throw new InvalidInputError(`prune needs ${w.reason}: the plan and the audit log show it`);
}

/**
 * Confirms killing the jobs of a campaign or stage removed from the spec (it need not be in
 * the desired state, only in the store), for this revision.
 */
export async function confirmPrune(
  store: Store,
  req: Target & Asker & { confirmed?: boolean | undefined },
  revision: string | undefined,
  w: Wording,
): Promise<number> {
  checkPrune(req, w);
  const reason = req.reason!.trim();
  const subs = (await store.submissions()).filter(
    (r) => r.campaign === req.campaign && (!req.stage || r.stage === req.stage),
  );
  if (subs.length === 0)
    throw new InvalidInputError(`no submissions of ${targetName(req)} in the store`);
  return store.addOverride({
    action: 'prune',
    campaign: req.campaign,
    ...(req.stage ? { stage: req.stage } : {}),
    actor: req.actor,
    reason,
    ...(revision ? { revision } : {}),
  });
}

/** A split stage named as campaign/stage, or by its name alone when that is unique. */
export function splitStage(desired: DesiredState, name: string): ResolvedStage {
  const [a, b] = name.includes('/') ? name.split('/', 2) : [undefined, name];
  const found = desired.campaigns
    .filter((c) => a === undefined || c.name === a)
    .flatMap((c) => c.stages.filter((s) => s.name === b));
  if (found.length === 0) throw new InvalidInputError(`no stage ${name}`);
  if (found.length > 1)
    throw new InvalidInputError(
      `stage ${name} is in ${found.map((s) => s.campaign).join(', ')}; name it as CAMPAIGN/STAGE`,
    );
  const stage = found[0]!;
  if (stage.split.type === 'none' || stage.dependsOn.length)
    throw new InvalidInputError(`${stage.campaign}/${stage.name} has no split`);
  return stage;
}

/** What a split reset needs before anything is read. */
export function checkSplitReset(
  req: Asker & { confirmed?: boolean | undefined },
  w: Wording,
): void {
  if (!req.confirmed)
    throw new InvalidInputError(`a reset launches every slice again; add ${w.confirm} to confirm`);
  if (!req.reason?.trim())
    throw new InvalidInputError(`split-reset needs ${w.reason}: the audit log shows it`);
}

/** Starts a stage's split over from its first slice (a new generation); audited by the store. */
export async function resetStageSplit(
  store: Store,
  desired: DesiredState,
  req: { stage: string; confirmed?: boolean | undefined } & Asker,
  w: Wording,
): Promise<{ stage: ResolvedStage; generation: number }> {
  checkSplitReset(req, w);
  const stage = splitStage(desired, req.stage);
  const s = await store.resetSplit(stage.campaign, stage.name, req.actor, req.reason!.trim());
  return { stage, generation: s.generation };
}

/** The global launch switch: the hold in force, if any. */
export async function launchSwitch(
  store: Pick<OverrideStore, 'activeOverrides'>,
  now: Date,
): Promise<OperatorOverride | undefined> {
  return (await store.activeOverrides(now, undefined)).find((o) => o.action === 'hold-launches');
}

/**
 * POMS's global launch switch: while held, no campaign launches (running jobs go on); each
 * launch due waits in the plan. It outlives new revisions, until launches are allowed again.
 */
export async function holdLaunches(
  store: Store,
  req: Asker,
  now: Date,
  w: Wording,
): Promise<number> {
  if (!req.reason?.trim())
    throw new InvalidInputError(
      `holding every launch needs ${w.reason}: the plan and the audit log show it`,
    );
  const held = await launchSwitch(store, now);
  if (held) return held.id;
  return store.addOverride({
    action: 'hold-launches',
    campaign: EVERY_CAMPAIGN,
    actor: req.actor,
    reason: req.reason.trim(),
  });
}

/** Allows launches again; returns whether they were held. */
export async function allowLaunches(store: Store, req: Asker): Promise<boolean> {
  const n = await store.clearOverrides(
    { campaign: EVERY_CAMPAIGN, actions: ['hold-launches'] },
    `launches allowed by ${req.actor}${req.reason ? `: ${req.reason}` : ''}`,
  );
  await store.audit({
    actor: req.actor,
    action: 'launches allow',
    target: EVERY_CAMPAIGN,
    ...(req.reason ? { detail: req.reason } : {}),
  });
  return n > 0;
}
