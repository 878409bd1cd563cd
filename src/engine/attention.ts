// Which campaigns a poll plans again although no event named them. A campaign at rest (every
// stage finished, nothing planned, nothing waited for) moves only by an event: its spec, its
// jobs, its overrides or an operator's action, each of which names it. The others may move
// with time or the catalog alone, which send no event.
import type { DerivedStatus, DesiredState } from '../model/index.js';
import type { Plan } from '../plan/types.js';

/** Submission states from which something may still happen without an event. */
const MOVING: readonly DerivedStatus[] = [
  'idle',
  'running',
  'held',
  'completed',
  'unknown',
  'failed',
  'launch-failed',
];

/**
 * The campaigns of `p` not at rest: with an action or a note, a submission in flight, failed
 * (late outputs, a recovery, a retry), a stage with a schedule or a next launch, or a split
 * stage (its dataset may grow). `desired` holds the campaigns `p` planned.
 */
export function unsettled(desired: DesiredState, p: Plan): Set<string> {
  const out = new Set<string>();
  for (const a of p.actions) out.add(a.campaign);
  for (const n of p.notes) if (n.campaign) out.add(n.campaign);
  for (const s of p.stages)
    if (s.nextLaunch || MOVING.some((k) => (s.submissions[k] ?? 0) > 0)) out.add(s.campaign);
  for (const c of desired.campaigns)
    if (c.stages.some((s) => s.schedule !== undefined || s.split.type !== 'none')) out.add(c.name);
  return out;
}
