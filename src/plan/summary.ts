import { shownJobState, type DerivedStatus } from '../model/index.js';
import { stageId } from '../desired/desired.js';
import { scheduleGate } from './gates.js';
import type { Indexes } from './indexes.js';
import type { StageSummary } from './types.js';

/** Per stage: submissions by status and jobs by state, and the next scheduled launch. */
export function summarize(
  ix: Indexes,
  status: ReadonlyMap<string, DerivedStatus>,
  now: Date,
): StageSummary[] {
  const out: StageSummary[] = [];
  for (const c of ix.desired.campaigns) {
    for (const s of c.stages) {
      const recs = ix.byStage.get(stageId({ campaign: c.name, stage: s.name })) ?? [];
      const submissions: StageSummary['submissions'] = {};
      const jobs: StageSummary['jobs'] = {};
      for (const r of recs) {
        const st = status.get(r.key) ?? 'unknown';
        submissions[st] = (submissions[st] ?? 0) + 1;
        for (const j of ix.jobsOf.get(r.key) ?? []) {
          const shown = shownJobState(j);
          jobs[shown] = (jobs[shown] ?? 0) + 1;
        }
      }
      const sched = s.schedule ? scheduleGate(now, s, recs) : undefined;
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
