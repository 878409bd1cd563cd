// The batch jobs as last observed, by campaign, with what passes did since (launches, holds,
// releases, kills): what a pass over a few campaigns plans with, instead of asking the batch
// system for every job again. Replaced by each full observation, which also tells which
// campaigns' jobs changed since the one before.
import type { JobState, ObservedJob } from '../model/index.js';
import { campaignOfKey } from '../adapters/store/types.js';
import type { ActionResult } from './apply.js';

/** What the batch system shows of a job after each job action took. */
const AFTER: Record<'hold' | 'release' | 'kill', JobState> = {
  hold: 'held',
  release: 'idle',
  kill: 'removed',
};

function same(a: ObservedJob, b: ObservedJob): boolean {
  return (
    a.state === b.state &&
    a.submission === b.submission &&
    (a.exitCode ?? null) === (b.exitCode ?? null) &&
    a.heldReason === b.heldReason &&
    a.endedAt === b.endedAt
  );
}

export class LiveJobs {
  private byCampaign = new Map<string, Map<string, ObservedJob>>();
  private byId = new Map<string, ObservedJob>();
  /** Campaigns whose jobs this cache cannot know until the next observation. */
  private readonly stale = new Set<string>();
  /** False until the first observation: nothing is known, so nothing can be planned from it. */
  primed = false;

  /**
   * Takes a full observation and returns the campaigns whose jobs changed since the last one:
   * a job that appeared, left, or changed state, exit code, hold reason or end.
   */
  replace(jobs: readonly ObservedJob[]): Set<string> {
    const changed = new Set<string>();
    const byCampaign = new Map<string, Map<string, ObservedJob>>();
    const byId = new Map<string, ObservedJob>();
    // One campaign name per submission key, not one slice per job.
    const campaignOf = new Map<string, string>();
    for (const j of jobs) {
      let c = campaignOf.get(j.submission);
      if (c === undefined) campaignOf.set(j.submission, (c = campaignOfKey(j.submission)));
      let ofCampaign = byCampaign.get(c);
      if (!ofCampaign) byCampaign.set(c, (ofCampaign = new Map()));
      ofCampaign.set(j.id, j);
      byId.set(j.id, j);
      const before = this.byId.get(j.id);
      if (!before || !same(before, j)) {
        changed.add(c);
        if (before) changed.add(campaignOfKey(before.submission));
      }
    }
    for (const [id, j] of this.byId) if (!byId.has(id)) changed.add(campaignOfKey(j.submission));
    this.byCampaign = byCampaign;
    this.byId = byId;
    this.stale.clear();
    this.primed = true;
    return changed;
  }

  /**
   * What a pass did, as the batch system will show it: a launch's jobs (idle), held, released
   * or killed jobs. A launch whose jobs were not named, or an action that failed (it may have
   * taken or not), leaves its campaign unknown until the next observation. Returns the jobs
   * launched.
   */
  applied(results: readonly ActionResult[]): ObservedJob[] {
    const launched: ObservedJob[] = [];
    for (const r of results) {
      const a = r.action;
      if (a.kind === 'mark-located' || a.kind === 'mark-failed') continue;
      if (!r.ok || (a.kind === 'launch' && !r.jobs)) this.stale.add(a.campaign);
      else if (a.kind === 'launch') {
        for (const id of r.jobs!)
          if (!this.byId.has(id))
            launched.push(this.add({ id, submission: a.key, state: 'idle' }, a.campaign));
      } else if ('jobs' in a)
        for (const id of a.jobs) {
          const j = this.byId.get(id);
          if (j) this.add({ ...j, state: AFTER[a.kind] }, a.campaign);
        }
    }
    return launched;
  }

  /** Whether every job of these campaigns is known (their states as last observed or acted on). */
  knows(campaigns: Iterable<string>): boolean {
    if (!this.primed) return false;
    for (const c of campaigns) if (this.stale.has(c)) return false;
    return true;
  }

  /** Puts in or replaces one job. */
  private add(j: ObservedJob, campaign: string): ObservedJob {
    this.byId.set(j.id, j);
    let ofCampaign = this.byCampaign.get(campaign);
    if (!ofCampaign) this.byCampaign.set(campaign, (ofCampaign = new Map()));
    ofCampaign.set(j.id, j);
    return j;
  }

  /** The jobs of these campaigns as last observed. */
  of(campaigns: Iterable<string>): ObservedJob[] {
    const out: ObservedJob[] = [];
    for (const c of campaigns) {
      const ofCampaign = this.byCampaign.get(c);
      if (ofCampaign) for (const j of ofCampaign.values()) out.push(j);
    }
    return out;
  }
}
