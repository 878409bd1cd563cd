import type { ActionKind } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import type { Indexes } from './indexes.js';
import type { Action } from './types.js';

/**
 * Actions run in this order: bookkeeping first (mark-located, mark-failed), then kill,
 * hold, release, and launches last, so a pass never launches work it is about to stop.
 * Within a kind: campaign name, stage order in its campaign (stages that left the spec
 * last), submission key.
 */
export const ACTION_ORDER: readonly ActionKind[] = [
  'mark-located',
  'mark-failed',
  'kill',
  'hold',
  'release',
  'launch',
];

const RANK = new Map(ACTION_ORDER.map((k, i) => [k, i]));
const collator = new Intl.Collator();

/** The actions in the total order above; sort keys are computed once per action. */
export function orderActions(ix: Indexes, actions: readonly Action[]): Action[] {
  const keyed = actions.map((a) => ({
    a,
    kind: RANK.get(a.kind)!,
    order: ix.stages.get(stageId(a))?.stage.order ?? 1e9,
  }));
  keyed.sort(
    (x, y) =>
      x.kind - y.kind ||
      collator.compare(x.a.campaign, y.a.campaign) ||
      x.order - y.order ||
      collator.compare(x.a.key, y.a.key),
  );
  return keyed.map((k) => k.a);
}

export function countActions(actions: readonly Action[]): Record<ActionKind, number> {
  const counts = Object.fromEntries(ACTION_ORDER.map((k) => [k, 0])) as Record<ActionKind, number>;
  for (const a of actions) counts[a.kind]++;
  return counts;
}
