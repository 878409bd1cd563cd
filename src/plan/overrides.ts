import {
  overrideTarget,
  type DesiredState,
  type OperatorOverride,
  type State,
} from '../model/index.js';
import { stageId } from '../desired/desired.js';
import type { StepResult } from './step.js';

const STATE_RANK: Record<State, number> = { active: 0, inactive: 1, held: 2, killed: 3 };
export const stricter = (a: State, b: State): State => (STATE_RANK[b] > STATE_RANK[a] ? b : a);

/**
 * Operator overrides on top of the spec: hold and kill make a campaign or stage at least
 * that strict (kill wins), or one submission (`submissions`: its key's state); launch-now opens
 * a stage's schedule; hold-launches holds every launch (running jobs go on). Pure: returns a
 * new state.
 */
export function applyOverrides(
  desired: DesiredState,
  overrides: readonly OperatorOverride[],
): {
  desired: DesiredState;
  launchNow: Set<string>;
  launchesHeld?: string;
  submissions: Map<string, State>;
} {
  const hold = overrides.find((o) => o.action === 'hold-launches');
  const launchesHeld = hold
    ? `launches are held by ${hold.actor} since ${hold.createdAt}: ${hold.reason}`
    : undefined;
  const launchNow = new Set<string>();
  const submissions = new Map<string, State>();
  const byCampaign = new Map<string, OperatorOverride[]>();
  for (const o of overrides) {
    if (o.submission !== undefined) {
      if (o.action === 'hold' || o.action === 'kill')
        submissions.set(
          o.submission,
          stricter(
            submissions.get(o.submission) ?? 'active',
            o.action === 'kill' ? 'killed' : 'held',
          ),
        );
      continue;
    }
    const list = byCampaign.get(o.campaign);
    if (list) list.push(o);
    else byCampaign.set(o.campaign, [o]);
  }
  const campaigns = desired.campaigns.map((c) => {
    const mine = byCampaign.get(c.name);
    if (!mine) return c;
    let state = c.state;
    const stages = c.stages.map((s) => {
      let st = s.state;
      for (const o of mine) {
        if (o.stage !== undefined && o.stage !== s.name) continue;
        if (o.action === 'launch-now') launchNow.add(stageId({ campaign: c.name, stage: s.name }));
        else if (o.action !== 'prune' && o.stage !== undefined)
          st = stricter(st, o.action === 'kill' ? 'killed' : 'held');
      }
      return st === s.state ? s : { ...s, state: st };
    });
    for (const o of mine) {
      if (o.stage === undefined && (o.action === 'hold' || o.action === 'kill'))
        state = stricter(state, o.action === 'kill' ? 'killed' : 'held');
    }
    return { ...c, state, stages };
  });
  return {
    desired: { ...desired, campaigns },
    launchNow,
    submissions,
    ...(launchesHeld ? { launchesHeld } : {}),
  };
}

/** Every override in force, said in the plan. */
export function overrideNotes(overrides: readonly OperatorOverride[]): StepResult {
  return {
    actions: [],
    notes: overrides.map((o) =>
      o.action === 'hold-launches'
        ? {
            kind: 'override' as const,
            message: `every launch held by ${o.actor} since ${o.createdAt}: ${o.reason}`,
          }
        : {
            kind: 'override' as const,
            campaign: o.campaign,
            ...(o.stage ? { stage: o.stage } : {}),
            ...(o.submission ? { key: o.submission } : {}),
            message: `${o.action} ${overrideTarget(o)} by ${o.actor} since ${o.createdAt}: ${o.reason}${o.expiresAt ? ` (until ${o.expiresAt})` : ''}`,
          },
    ),
  };
}
