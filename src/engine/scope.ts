// What a replica plans: the campaigns it owns and, read only, those they depend on (a stage
// may consume another campaign's outputs). The rest are their owners' to observe and plan.
import type { DesiredState } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import type { Store, StoredSubmission } from '../adapters/store/types.js';

/** The owned campaigns and every campaign they depend on, transitively. */
export function planScope(desired: DesiredState, owned: Iterable<string>): Set<string> {
  const parents = new Map(
    desired.campaigns.map((c) => [
      c.name,
      c.stages.flatMap((s) => s.dependsOn.map((d) => d.campaign)).filter((p) => p !== c.name),
    ]),
  );
  const scope = new Set<string>();
  const todo = [...owned];
  for (let c = todo.pop(); c !== undefined; c = todo.pop()) {
    if (scope.has(c)) continue;
    scope.add(c);
    todo.push(...(parents.get(c) ?? []));
  }
  return scope;
}

/** The campaigns given and every campaign that depends on one of them, transitively. */
export function withDependents(desired: DesiredState, campaigns: Iterable<string>): Set<string> {
  const children = new Map<string, string[]>();
  for (const c of desired.campaigns)
    for (const s of c.stages)
      for (const d of s.dependsOn)
        if (d.campaign !== c.name) {
          const list = children.get(d.campaign) ?? [];
          list.push(c.name);
          children.set(d.campaign, list);
        }
  const out = new Set<string>();
  const todo = [...campaigns];
  for (let c = todo.pop(); c !== undefined; c = todo.pop()) {
    if (out.has(c)) continue;
    out.add(c);
    todo.push(...(children.get(c) ?? []));
  }
  return out;
}

/** The desired state of only the campaigns in `scope` (job types, templates and defaults whole); all without one. */
export function scopedDesired(desired: DesiredState, scope?: ReadonlySet<string>): DesiredState {
  return scope
    ? { ...desired, campaigns: desired.campaigns.filter((c) => scope.has(c.name)) }
    : desired;
}

/** The records of campaigns in `scope`, read for those alone; all without one. */
export function recordsOf(
  store: Pick<Store, 'submissions' | 'submissionsOf'>,
  scope?: ReadonlySet<string>,
): Promise<StoredSubmission[]> {
  return scope ? store.submissionsOf([...scope]) : store.submissions();
}

/**
 * The plan of the pass that acted on `scope`, with the stages and notes of the other
 * campaigns from `others` (a view planned less often from the store), in desired order.
 */
export function withOthers(
  desired: DesiredState,
  acting: Plan,
  scope: ReadonlySet<string>,
  others: Plan | undefined,
): Plan {
  if (!others) return acting;
  const mine = (c: string | undefined) => c === undefined || scope.has(c);
  const order = new Map(desired.campaigns.map((c, i) => [c.name, i]));
  const rank = (c: string) => order.get(c) ?? order.size;
  const stages = [
    ...acting.stages,
    ...others.stages.filter((s) => !mine(s.campaign) && order.has(s.campaign)),
  ];
  // Stable: within a campaign, each plan's own stage order is kept.
  stages.sort((a, b) => rank(a.campaign) - rank(b.campaign));
  return {
    ...acting,
    stages,
    notes: [...acting.notes, ...others.notes.filter((n) => !mine(n.campaign))],
  };
}
