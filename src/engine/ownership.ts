// Which replica acts on which campaign: rendezvous hashing over the live replicas, each
// campaign under a lease in the shared store. A replica acts only while its lease has time
// left on its own clock, with a margin for drift; the store refuses its writes after that.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Fence, Lease, LeaseStore } from '../adapters/store/types.js';

/** The replica a campaign belongs to: the highest hash of (campaign, replica); a replica leaving moves only its own. */
export function rendezvousOwner(campaign: string, replicas: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = '';
  for (const r of replicas) {
    const score = createHash('sha256').update(`${campaign}\0${r}`).digest('hex');
    if (best === undefined || score > bestScore || (score === bestScore && r < best)) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}

export interface OwnershipOptions {
  /** How long a lease lasts unrenewed; a replica dead this long loses its campaigns. */
  ttlMs: number;
  /** Acting stops this long before the lease's deadline (clock drift, a slow write). */
  marginMs: number;
  /** The replica's clock (ms). */
  clock?: () => number;
  /**
   * How long after a launch intent began a submit of it may still reach the batch system (a
   * replica paused past its lease, a slow scheduler). Default: two leases and 30 s.
   */
  submitGraceMs?: number;
  host?: string;
  pid?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

interface Held {
  token: number;
  /** Local time from which this holding counts (the request that took it began then). */
  since: number;
  /** Local time the lease ends at, at the latest. */
  deadline: number;
}

/** Which campaigns this replica owns now, and the fences its writes carry. */
export class Ownership {
  private readonly held = new Map<string, Held>();
  /**
   * Unset until it has a desired state: a replica without one takes no part, or the campaigns
   * rendezvous gave it would be nobody's.
   */
  private universe: string[] | undefined;
  private live: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private readonly clock: () => number;

  constructor(
    private readonly store: LeaseStore,
    readonly replica: string,
    private readonly opts: OwnershipOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    store.useFences((c) => this.fenceOf(c));
  }

  /** The campaigns there are to own (those of the desired state and of the store's records). */
  setCampaigns(campaigns: Iterable<string>): void {
    this.universe = [...new Set(campaigns)].sort();
  }

  /** Those of the campaigns that rendezvous hashing gives this replica among the live ones. */
  wanted(): string[] {
    return (this.universe ?? []).filter((c) => rendezvousOwner(c, this.live) === this.replica);
  }

  /**
   * Heartbeat, then renew what it holds and take what it wants and nobody holds. Holdings it
   * no longer wants are kept until handOver (between passes, after the action in flight).
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
    const ask = [...new Set([...this.wanted(), ...this.held.keys()])];
    const t1 = this.clock();
    const got = await this.store.acquireLeases(this.replica, ask, this.opts.ttlMs);
    this.take(got.held, got.now, t1);
  }

  private take(leases: readonly Lease[], dbNow: number, sentAt: number): void {
    const mine = new Set(leases.map((l) => l.campaign));
    for (const c of [...this.held.keys()])
      if (!mine.has(c)) {
        this.held.delete(c);
        this.opts.log?.warn({ campaign: c }, 'lease lost');
      }
    for (const l of leases) {
      // Measured from when the request left: the lease began no earlier on the store's clock.
      const deadline = sentAt + (l.expiresAt - dbNow);
      const was = this.held.get(l.campaign);
      if (was?.token === l.token) was.deadline = deadline;
      else {
        this.held.set(l.campaign, { token: l.token, since: sentAt, deadline });
        this.opts.log?.info({ campaign: l.campaign, token: l.token }, 'lease taken');
      }
    }
  }

  /** Releases what it holds but no longer wants (a replica joined); call between passes. */
  async handOver(): Promise<string[]> {
    // A renewal in flight would take back what is given.
    await this.renewing?.catch(() => undefined);
    const wanted = new Set(this.wanted());
    const give = [...this.held.keys()].filter((c) => !wanted.has(c));
    if (!give.length) return [];
    for (const c of give) this.held.delete(c);
    await this.store.releaseLeases(this.replica, give);
    this.opts.log?.info({ campaigns: give }, 'leases handed over');
    return give;
  }

  /** Whether it may act on `campaign` now, having held it since `since` (a pass's start). */
  mayAct(campaign: string, since: number = this.clock()): boolean {
    const h = this.held.get(campaign);
    return h !== undefined && h.since <= since && this.clock() < h.deadline - this.opts.marginMs;
  }

  /** Whether a launch intent begun at `createdAt` may still have a submit on its way. */
  mayStillSubmit(createdAt: string): boolean {
    const grace = this.opts.submitGraceMs ?? 2 * this.opts.ttlMs + 30_000;
    return this.clock() - Date.parse(createdAt) < grace;
  }

  /** Whether it speaks for all replicas (news of no one campaign): it holds the first campaign. */
  leads(): boolean {
    const first = this.universe?.[0];
    return first !== undefined && this.mayAct(first, Infinity);
  }

  fenceOf(campaign: string): Fence | undefined {
    const h = this.held.get(campaign);
    return h && this.clock() < h.deadline ? { replica: this.replica, token: h.token } : undefined;
  }

  /** Campaigns held, with their tokens. */
  owned(): Array<{ campaign: string; token: number }> {
    return [...this.held]
      .map(([campaign, h]) => ({ campaign, token: h.token }))
      .sort((a, b) => (a.campaign < b.campaign ? -1 : 1));
  }

  /** Renews on a timer, a few times per lease, until stopped. */
  start(onError: (e: unknown) => void): void {
    const every = Math.max(50, Math.floor(this.opts.ttlMs / 4));
    this.timer = setInterval(() => this.renew().catch(onError), every);
    this.timer.unref();
  }

  /** Stops renewing and gives every lease up at once, for another replica to take. */
  async leave(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing?.catch(() => undefined);
    this.held.clear();
    await this.store.leave(this.replica);
  }
}
