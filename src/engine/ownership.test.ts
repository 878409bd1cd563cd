import { describe, expect, it } from 'vitest';
import { MemoryLeases } from '../../test/fakes/memory-leases.js';
import { Ownership, rendezvousOwner } from './ownership.js';

const campaigns = Array.from({ length: 100 }, (_, i) => `c${i}`);

describe('rendezvous hashing', () => {
  it('spreads campaigns over replicas and moves only those of a replica that leaves', () => {
    const three = ['r1', 'r2', 'r3'];
    const owner = new Map(campaigns.map((c) => [c, rendezvousOwner(c, three)!]));
    const counts = three.map((r) => [...owner.values()].filter((o) => o === r).length);
    expect(Math.min(...counts)).toBeGreaterThan(20);
    const two = ['r1', 'r3'];
    for (const c of campaigns) {
      const now = rendezvousOwner(c, two)!;
      if (owner.get(c) !== 'r2') expect(now).toBe(owner.get(c));
      else expect(two).toContain(now);
    }
    expect(rendezvousOwner('c', [])).toBeUndefined();
  });
});

describe('ownership', () => {
  const setup = () => {
    let t = 1_000_000;
    const leases = new MemoryLeases(() => t);
    const make = (id: string) => {
      const o = new Ownership(leases, id, { ttlMs: 1000, marginMs: 200, clock: () => t });
      o.setCampaigns(campaigns);
      return o;
    };
    return { leases, make, pass: (ms: number) => void (t += ms), now: () => t };
  };

  it('gives each campaign to exactly one replica, and an orphan to a live one once its lease expires', async () => {
    const { make, pass, now } = setup();
    const [a, b] = [make('a'), make('b')];
    await a.renew();
    // Alone, a takes them all; b joins, a hands its share over between passes.
    expect(a.owned()).toHaveLength(100);
    await b.renew();
    expect(b.owned()).toHaveLength(0);
    await a.renew();
    const given = await a.handOver();
    await b.renew();
    expect(given.length).toBeGreaterThan(20);
    expect(b.owned().map((o) => o.campaign)).toEqual(given.sort());
    const owners = (c: string) => [a, b].filter((o) => o.mayAct(c)).length;
    expect(campaigns.every((c) => owners(c) === 1)).toBe(true);
    // News of no one campaign (an invalid revision) is told by one replica.
    expect([a, b].filter((o) => o.leads())).toHaveLength(1);
    // b took its campaigns after a pass that began earlier: not for that pass.
    expect(b.mayAct(given[0]!, now() - 1)).toBe(false);
    // b stops renewing (dead, or paused): it stops acting before its lease ends...
    pass(850);
    expect(b.mayAct(given[0]!)).toBe(false);
    expect(b.fenceOf(given[0]!)).toBeDefined();
    pass(200);
    expect(b.fenceOf(given[0]!)).toBeUndefined();
    // ...and a, still renewing, takes them once b's heartbeat is older than a lease.
    await a.renew();
    expect(a.owned()).toHaveLength(100);
    const tokenOf = (o: Ownership, c: string) => o.owned().find((x) => x.campaign === c)!.token;
    expect(tokenOf(a, given[0]!)).toBeGreaterThan(b.owned()[0]!.token);
    // b wakes: it sees its leases gone and acts on none.
    await b.renew();
    expect(b.owned().filter((o) => given.includes(o.campaign))).toEqual([]);
  });

  it('a replica that leaves releases its campaigns at once', async () => {
    const { make, leases } = setup();
    const [a, b] = [make('a'), make('b')];
    await a.renew();
    await b.renew();
    await a.renew();
    await a.handOver();
    await b.renew();
    await b.leave();
    expect((await leases.leases()).leases.every((l) => l.owner === 'a')).toBe(true);
    expect((await leases.replicas()).replicas.map((r) => r.id)).toEqual(['a']);
    await a.renew();
    expect(a.owned()).toHaveLength(100);
  });

  it('a replica with no desired state yet takes no part: no heartbeat, nothing held, nothing left to it', async () => {
    const { make, leases, now } = setup();
    const a = make('a');
    const b = new Ownership(leases, 'b', { ttlMs: 1000, marginMs: 200, clock: now });
    await a.renew();
    // b cannot read its repository yet: the campaigns it would get stay a's, all acted on.
    await b.renew();
    await a.renew();
    expect(await a.handOver()).toEqual([]);
    expect(a.owned()).toHaveLength(100);
    expect(b.owned()).toEqual([]);
    expect((await leases.replicas()).replicas.map((r) => r.id)).toEqual(['a']);
    // Once it has one, it joins.
    b.setCampaigns(campaigns);
    await b.renew();
    await a.renew();
    expect((await a.handOver()).length).toBeGreaterThan(20);
  });
});
