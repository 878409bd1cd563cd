import type {
  Fence,
  FencedWrite,
  Lease,
  LeaseStore,
  ReplicaRecord,
} from '../../src/adapters/store/types.js';

/** Leases in memory, on a clock the test moves: the fake the lease contract holds to. */
export class MemoryLeases implements LeaseStore {
  private readonly reps = new Map<string, ReplicaRecord>();
  private readonly held = new Map<string, Lease>();
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

  async acquireLeases(
    replica: string,
    campaigns: readonly string[],
    ttlMs: number,
  ): Promise<{ now: number; held: Lease[] }> {
    const now = this.clock();
    const out: Lease[] = [];
    for (const campaign of [...new Set(campaigns)].sort()) {
      const l = this.held.get(campaign);
      const live = l !== undefined && l.expiresAt > now;
      if (live && l.owner !== replica) continue;
      const next: Lease =
        live && l.owner === replica
          ? { ...l, expiresAt: now + ttlMs }
          : {
              campaign,
              owner: replica,
              token: ++this.token,
              acquiredAt: now,
              expiresAt: now + ttlMs,
            };
      this.held.set(campaign, next);
      out.push({ ...next });
    }
    return { now, held: out };
  }

  async releaseLeases(replica: string, campaigns?: readonly string[]): Promise<void> {
    for (const [c, l] of this.held)
      if (l.owner === replica && (!campaigns || campaigns.includes(c))) this.held.delete(c);
  }

  async leave(replica: string): Promise<void> {
    await this.releaseLeases(replica);
    this.reps.delete(replica);
  }

  async leases(): Promise<{ now: number; leases: Lease[] }> {
    const leases = [...this.held.values()].sort((a, b) => (a.campaign < b.campaign ? -1 : 1));
    return { now: this.clock(), leases: structuredClone(leases) };
  }

  useFences(fenceOf: (campaign: string) => Fence | undefined): void {
    this.fenceOf = fenceOf;
  }

  /** A write about `campaign` as a store makes it: refused unless its fence holds. */
  write(campaign: string, what: string): void {
    const f = this.fenceOf?.(campaign);
    const l = this.held.get(campaign);
    if (!f || !l || l.owner !== f.replica || l.token !== f.token || l.expiresAt <= this.clock())
      throw new Error(`write about campaign ${campaign} refused`);
    this.writes.push({ id: this.writes.length + 1, at: this.clock(), campaign, what, ...f });
  }

  async fencedWrites(campaign?: string): Promise<FencedWrite[]> {
    return this.writes.filter((w) => campaign === undefined || w.campaign === campaign);
  }
}
