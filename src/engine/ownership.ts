// Which replica acts on which campaign: rendezvous hashing with bounded loads over the live
// replicas, each unit (a campaign, or an experiment) under a lease in the shared store. A
// replica acts only while its lease has time left on its own clock, with a margin for drift;
// the store refuses its writes after that.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import {
  experimentUnit,
  type Fence,
  type Lease,
  type LeaseStore,
  type Membership,
} from '../adapters/store/types.js';

const score = (unit: string, replica: string) =>
  createHash('sha256').update(`${unit}\0${replica}`).digest('hex');

/**
 * Each unit's replica: rendezvous hashing with bounded loads (Mirrokni, Thorup and
 * Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2018). In name order each unit goes
 * to the replica of highest hash of (unit, replica) that has fewer than ceil(units / replicas),
 * so none has more (plain rendezvous left one replica 40 of 100 campaigns, and a latency-bound
 * launch of all of them waits for the busiest), and a replica that joins or leaves moves few
 * units besides its own. Every replica computes the same from the same lists.
 */
export function assignUnits(
  units: readonly string[],
  replicas: readonly string[],
): Map<string, string> {
  const out = new Map<string, string>();
  if (!replicas.length) return out;
  const cap = Math.ceil(units.length / replicas.length);
  const load = new Map(replicas.map((r) => [r, 0]));
  for (const unit of [...units].sort()) {
    let best: string | undefined;
    let bestScore = '';
    for (const r of replicas) {
      if (load.get(r)! >= cap) continue;
      const s = score(unit, r);
      if (best === undefined || s > bestScore || (s === bestScore && r < best)) {
        best = r;
        bestScore = s;
      }
    }
    load.set(best!, load.get(best!)! + 1);
    out.set(unit, best!);
  }
  return out;
}

/** A campaign as ownership sees it: its experiment is known while the desired state has it. */
export interface OwnedCampaign {
  name: string;
  experiment?: string;
}

export interface OwnershipOptions {
  /** How long a lease lasts unrenewed; a replica dead this long loses its campaigns. */
  ttlMs: number;
  /** Acting stops this long before the lease's deadline (clock drift, a slow write). */
  marginMs: number;
  /** What one lease covers: each campaign (the default), or every campaign of an experiment. */
  by?: 'campaign' | 'experiment';
  /** The replica's clock (ms). */
  clock?: () => number;
  /**
   * How long after a launch intent began a submit of it may still reach the batch system (a
   * replica paused past its lease, a slow scheduler). Default: two leases and 30 s.
   */
  submitGraceMs?: number;
  /** Days the store keeps its log of fenced writes. Default: 30. */
  actionLogDays?: number;
  host?: string;
  pid?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

const HOUR = 3_600_000;

interface Held {
  token: number;
  /** Local time from which this holding counts (the request that took it began then). */
  since: number;
  /** Local time the lease ends at, at the latest. */
  deadline: number;
}

interface Member {
  unit: string;
  token: number;
  /** Local time from which this placement counts. */
  since: number;
}

/**
 * Which campaigns this replica owns now, and the fences its writes carry. A lease covers a
 * unit (a campaign, or an experiment's campaigns); the store records each campaign's unit, and
 * a campaign changes unit only by a move the store allows (see LeaseStore.placeCampaigns).
 */
export class Ownership {
  private readonly held = new Map<string, Held>();
  private readonly members = new Map<string, Member>();
  /**
   * Each campaign there is to own and the unit this replica would put it in; unset until it
   * has a desired state: a replica without one takes no part, or the units assigned to it
   * would be nobody's.
   */
  private universe: Map<string, string> | undefined;
  private live: string[] = [];
  /** The units assignUnits gives it among the live replicas, as of the last renewal. */
  private wantedUnits = new Set<string>();
  /** Actions under way, by campaign: their units are not handed over until they end. */
  private readonly working = new Map<string, number>();
  /** The campaigns it could act on at the last `gained()`. */
  private actingSeen = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly clock: () => number;
  private prunedAt = -Infinity;

  constructor(
    private readonly store: LeaseStore,
    readonly replica: string,
    private readonly opts: OwnershipOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    store.useFences((c) => this.fenceOf(c));
  }

  /**
   * The campaigns there are to own: those of the desired state (with their experiment) and
   * those only the store's records know, which stay in the unit they are in.
   */
  setCampaigns(campaigns: Iterable<OwnedCampaign | string>): void {
    const units = new Map<string, string>();
    const recorded: string[] = [];
    for (const c of campaigns)
      if (typeof c === 'string' || c.experiment === undefined)
        recorded.push(typeof c === 'string' ? c : c.name);
      else units.set(c.name, this.opts.by === 'experiment' ? experimentUnit(c.experiment) : c.name);
    for (const c of recorded) if (!units.has(c)) units.set(c, this.members.get(c)?.unit ?? c);
    this.universe = new Map([...units].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  private units(): string[] {
    return [...new Set(this.universe?.values() ?? [])].sort();
  }

  /** Those of the units that assignUnits gives this replica among the live ones. */
  wanted(): string[] {
    const units = this.units();
    const owner = assignUnits(units, this.live);
    return units.filter((u) => owner.get(u) === this.replica);
  }

  /**
   * Heartbeat, then renew what it holds, take what it wants and nobody holds, and pull into
   * its units the campaigns that belong there and that no other live replica holds. Holdings
   * it no longer wants are kept until handOver (between passes), or until the renewal timer
   * finds them with no action under way.
   */
  renew(): Promise<void> {
    this.renewing ??= this.renewNow().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewNow(): Promise<void> {
    if (!this.universe) return;
    const now = await this.store.heartbeat(this.replica, {
      ...(this.opts.host ? { host: this.opts.host } : {}),
      ...(this.opts.pid ? { pid: this.opts.pid } : {}),
    });
    const { replicas } = await this.store.replicas();
    this.live = replicas
      .filter((r) => r.heartbeatAt > now - this.opts.ttlMs || r.id === this.replica)
      .map((r) => r.id);
    this.wantedUnits = new Set(this.wanted());
    const ask = [...new Set([...this.wantedUnits, ...this.held.keys()])];
    const t1 = this.clock();
    const got = await this.store.acquireLeases(this.replica, ask, this.opts.ttlMs);
    this.take(got.held, got.now, t1);
    this.place(got.members, t1);
    // Pulled: what is in a unit of its own is moved between passes, by handOver.
    const pull = this.moves().filter(
      (m) => !this.held.has(this.members.get(m.campaign)?.unit ?? ''),
    );
    if (!pull.length) return;
    const t2 = this.clock();
    this.place(await this.store.placeCampaigns(this.replica, pull), t2);
  }

  /** Campaigns whose unit is not the one this replica would put them in, among units it holds. */
  private moves(): Array<{ campaign: string; unit: string }> {
    const out: Array<{ campaign: string; unit: string }> = [];
    for (const [campaign, unit] of this.universe ?? []) {
      const now = this.members.get(campaign)?.unit;
      if (now !== unit && (this.held.has(unit) || (now !== undefined && this.held.has(now))))
        out.push({ campaign, unit });
    }
    return out;
  }

  private take(leases: readonly Lease[], dbNow: number, sentAt: number): void {
    const mine = new Set(leases.map((l) => l.unit));
    for (const u of [...this.held.keys()])
      if (!mine.has(u)) {
        this.held.delete(u);
        this.opts.log?.warn({ unit: u }, 'lease lost');
      }
    for (const l of leases) {
      // Measured from when the request left: the lease began no earlier on the store's clock.
      const deadline = sentAt + (l.expiresAt - dbNow);
      const was = this.held.get(l.unit);
      if (was?.token === l.token) was.deadline = deadline;
      else {
        this.held.set(l.unit, { token: l.token, since: sentAt, deadline });
        this.opts.log?.info({ unit: l.unit, token: l.token }, 'lease taken');
      }
    }
  }

  private place(members: readonly Membership[], sentAt: number): void {
    const seen = new Set<string>();
    for (const m of members) {
      seen.add(m.campaign);
      const was = this.members.get(m.campaign);
      if (was?.unit === m.unit && was.token === m.token) continue;
      this.members.set(m.campaign, { unit: m.unit, token: m.token, since: sentAt });
      if (this.held.has(m.unit) || (was && this.held.has(was.unit)))
        this.opts.log?.info(
          { campaign: m.campaign, unit: m.unit, from: was?.unit },
          'campaign placed',
        );
    }
    for (const c of [...this.members.keys()]) if (!seen.has(c)) this.members.delete(c);
  }

  /**
   * Between passes, after the action in flight: moves the campaigns of its units that belong
   * in another unit, and releases the units it holds but no longer wants (a replica joined).
   * Returns the units released.
   */
  async handOver(): Promise<string[]> {
    // A renewal in flight would take back what is given.
    await this.renewing?.catch(() => undefined);
    const moves = this.moves();
    if (moves.length)
      this.place(await this.store.placeCampaigns(this.replica, moves), this.clock());
    const wanted = new Set(this.wanted());
    const give = [...this.held.keys()].filter((u) => !wanted.has(u));
    if (!give.length) return [];
    for (const u of give) this.held.delete(u);
    await this.store.releaseLeases(this.replica, give);
    this.opts.log?.info({ units: give }, 'leases handed over');
    return give;
  }

  /**
   * What the timer does: renew, then release the units a replica that joined should have and
   * that have no action under way, so it need not wait for this one's pass to end.
   */
  tick(): Promise<void> {
    this.renewing ??= this.renewNow()
      .then(() => this.handOverIdle())
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async handOverIdle(): Promise<void> {
    const busy = new Set([...this.working.keys()].map((c) => this.members.get(c)?.unit));
    const give = [...this.held.keys()].filter((u) => !this.wantedUnits.has(u) && !busy.has(u));
    if (!give.length) return;
    for (const u of give) this.held.delete(u);
    await this.store.releaseLeases(this.replica, give);
    this.opts.log?.info({ units: give }, 'leases handed over');
  }

  /** Whether it is still assigned `campaign`'s unit (no replica joined that should have it). */
  wants(campaign: string): boolean {
    const unit = this.members.get(campaign)?.unit;
    return unit !== undefined && this.wantedUnits.has(unit);
  }

  /** Marks an action on `campaign` under way until the returned function is called. */
  begin(campaign: string): () => void {
    this.working.set(campaign, (this.working.get(campaign) ?? 0) + 1);
    return () => {
      const n = this.working.get(campaign)! - 1;
      if (n) this.working.set(campaign, n);
      else this.working.delete(campaign);
    };
  }

  /**
   * The campaigns it may act on now and could not at the last call (a lease taken, a replica
   * gone): the loop plans them next rather than at the next resync.
   */
  gained(since: number = this.clock()): string[] {
    const now = this.acting(since);
    const out = now.filter((c) => !this.actingSeen.has(c));
    this.actingSeen = new Set(now);
    return out;
  }

  private holding(campaign: string): { m: Member; h: Held } | undefined {
    const m = this.members.get(campaign);
    const h = m && this.held.get(m.unit);
    return m && h ? { m, h } : undefined;
  }

  /**
   * The replica that leads forgets the fenced writes older than the log keeps, at most once
   * an hour; returns how many went.
   */
  async forgetOldWrites(): Promise<number> {
    const now = this.clock();
    if (!this.leads() || now - this.prunedAt < HOUR) return 0;
    this.prunedAt = now;
    const n = await this.store.pruneFencedWrites(now - (this.opts.actionLogDays ?? 30) * 24 * HOUR);
    if (n) this.opts.log?.info({ writes: n }, 'old fenced writes forgotten');
    return n;
  }

  /** Whether it may act on `campaign` now, having held it since `since` (a pass's start). */
  mayAct(campaign: string, since: number = this.clock()): boolean {
    const x = this.holding(campaign);
    return (
      x !== undefined &&
      Math.max(x.h.since, x.m.since) <= since &&
      this.clock() < x.h.deadline - this.opts.marginMs
    );
  }

  /** The campaigns it may act on in a pass that began at `since`. */
  acting(since: number = this.clock()): string[] {
    return [...this.members.keys()].filter((c) => this.mayAct(c, since));
  }

  /** Whether a launch intent begun at `createdAt` may still have a submit on its way. */
  mayStillSubmit(createdAt: string): boolean {
    const grace = this.opts.submitGraceMs ?? 2 * this.opts.ttlMs + 30_000;
    return this.clock() - Date.parse(createdAt) < grace;
  }

  /** Whether it speaks for all replicas (news of no one campaign): it holds the first unit. */
  leads(): boolean {
    const h = this.held.get(this.units()[0] ?? '');
    return h !== undefined && this.clock() < h.deadline - this.opts.marginMs;
  }

  fenceOf(campaign: string): Fence | undefined {
    const x = this.holding(campaign);
    return x && this.clock() < x.h.deadline
      ? { replica: this.replica, unit: x.m.unit, token: x.h.token }
      : undefined;
  }

  /** Campaigns held, each with its unit and its token (as the store logs its writes). */
  owned(): Array<{ campaign: string; unit: string; token: number }> {
    const out: Array<{ campaign: string; unit: string; token: number }> = [];
    for (const [campaign, m] of this.members) {
      const h = this.held.get(m.unit);
      if (h) out.push({ campaign, unit: m.unit, token: Math.max(h.token, m.token) });
    }
    return out.sort((a, b) => (a.campaign < b.campaign ? -1 : 1));
  }

  /**
   * Renews on a timer, a few times per lease, until stopped: hands over idle units it no
   * longer wants, and tells `onGained` the campaigns it may act on since the last look.
   */
  start(onError: (e: unknown) => void, onGained?: (campaigns: string[]) => void): void {
    const every = Math.max(50, Math.floor(this.opts.ttlMs / 4));
    this.timer = setInterval(
      () =>
        this.tick()
          .then(() => {
            const gained = onGained ? this.gained() : [];
            if (gained.length) onGained!(gained);
          })
          .catch(onError),
      every,
    );
    this.timer.unref();
  }

  /** Stops renewing and gives every lease up at once, for another replica to take. */
  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing?.catch(() => undefined);
    this.held.clear();
    this.members.clear();
    await this.store.leave(this.replica);
  }
}
