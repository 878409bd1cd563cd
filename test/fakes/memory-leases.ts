import type {
  Fence,
  FencedWrite,
  Lease,
  LeaseStore,
  Membership,
  ReplicaRecord,
} from '../../src/adapters/store/types.js';

/** Leases in memory, on a clock the test moves: the fake the lease contract holds to. */
export class MemoryLeases implements LeaseStore {
  private readonly reps = new Map<string, ReplicaRecord>();
  private readonly held = new Map<string, Lease>();
  private readonly members = new Map<string, Membership>();
  private token = 0;
  private readonly writes: FencedWrite[] = [];
  fenceOf: ((campaign: string) => Fence | undefined) | undefined;

  constructor(readonly clock: () => number = Date.now) {}

  async heartbeat(replica: string, info: { host?: string; pid?: number } = {}): Promise<number> {
    const now = this.clock();
    const was = this.reps.get(replica);
    this.reps.set(replica, {
      id: replica,
      startedAt: was?.startedAt ?? now,
      heartbeatAt: now,
      ...info,
    });
    return now;
  }

  async replicas(): Promise<{ now: number; replicas: ReplicaRecord[] }> {
    const replicas = [...this.reps.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    return { now: this.clock(), replicas: structuredClone(replicas) };
  }

  private holder(unit: string): string | undefined {
    const l = this.held.get(unit);
    return l && l.expiresAt > this.clock() ? l.owner : undefined;
  }

  async acquireLeases(
    replica: string,
    units: readonly string[],
    ttlMs: number,
  ): Promise<{ now: number; held: Lease[]; members: Membership[] }> {
    const now = this.clock();
    const out: Lease[] = [];
    for (const unit of [...new Set(units)].sort()) {
      const l = this.held.get(unit);
      const owner = this.holder(unit);
      if (owner !== undefined && owner !== replica) continue;
      const next: Lease =
        l && owner === replica
          ? { ...l, expiresAt: now + ttlMs }
          : { unit, owner: replica, token: ++this.token, acquiredAt: now, expiresAt: now + ttlMs };
      this.held.set(unit, next);
      if (!unit.includes(':') && !this.members.has(unit))
        this.members.set(unit, { campaign: unit, unit, token: next.token });
      out.push({ ...next });
    }
    return { now, held: out, members: await this.placeCampaigns(replica, []) };
  }

  async placeCampaigns(
    replica: string,
    moves: ReadonlyArray<{ campaign: string; unit: string }>,
  ): Promise<Membership[]> {
    for (const { campaign, unit } of moves) {
      const m = this.members.get(campaign);
      const mine = this.holder(unit) === replica;
      if (!m) {
        if (mine) this.members.set(campaign, { campaign, unit, token: ++this.token });
        continue;
      }
      const from = this.holder(m.unit);
      if (m.unit !== unit && (from === replica || (mine && from === undefined)))
        this.members.set(campaign, { campaign, unit, token: ++this.token });
    }
    return [...this.members.values()]
      .sort((a, b) => (a.campaign < b.campaign ? -1 : 1))
      .map((m) => ({ ...m }));
  }

  async releaseLeases(replica: string, units?: readonly string[]): Promise<void> {
    for (const [u, l] of this.held)
      if (l.owner === replica && (!units || units.includes(u))) this.held.delete(u);
  }

  async leave(replica: string): Promise<void> {
    await this.releaseLeases(replica);
    this.reps.delete(replica);
  }

  async leases(): Promise<{ now: number; leases: Lease[]; members: Membership[] }> {
    const leases = [...this.held.values()].sort((a, b) => (a.unit < b.unit ? -1 : 1));
    return {
      now: this.clock(),
      leases: structuredClone(leases),
      members: await this.placeCampaigns('', []),
    };
  }

  useFences(fenceOf: (campaign: string) => Fence | undefined): void {
    this.fenceOf = fenceOf;
  }

  /** A write about `campaign` as a store makes it (under `f`, or the fence set): refused unless the fence holds. */
  write(campaign: string, what: string, ...given: [Fence | undefined] | []): void {
    const f = given.length ? given[0] : this.fenceOf?.(campaign);
    const m = this.members.get(campaign);
    const l = f && this.held.get(f.unit);
    const ok = m?.unit === f?.unit && l?.owner === f?.replica && l?.token === f?.token;
    if (!f || !m || !l || !ok || l.expiresAt <= this.clock())
      throw new Error(`write about campaign ${campaign} refused`);
    this.writes.push({
      id: this.writes.length + 1,
      at: this.clock(),
      campaign,
      what,
      replica: f.replica,
      unit: f.unit,
      unitToken: f.token,
      token: Math.max(f.token, m.token),
    });
  }

  async fencedWrites(campaign?: string): Promise<FencedWrite[]> {
    return this.writes.filter((w) => campaign === undefined || w.campaign === campaign);
  }

  async pruneFencedWrites(beforeMs: number): Promise<number> {
    const keep = this.writes.filter((w) => w.at >= beforeMs);
    const gone = this.writes.length - keep.length;
    this.writes.splice(0, this.writes.length, ...keep);
    return gone;
  }
}
