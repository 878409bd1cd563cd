import { describe, expect, it } from 'vitest';
import { MemoryLeases } from '../../test/fakes/memory-leases.js';
import { assignUnits, Ownership } from './ownership.js';

const campaigns = Array.from({ length: 100 }, (_, i) => `c${i}`);

describe('rendezvous hashing with bounded loads', () => {
  const shares = (m: Map<string, string>) =>
    [...new Set(m.values())].sort().map((r) => [...m.values()].filter((o) => o === r).length);

  it('gives no replica more than its even share, and moves few campaigns besides those of a replica that leaves or joins', () => {
    const three = assignUnits(campaigns, ['r1', 'r2', 'r3']);
    expect(shares(three).every((n) => n <= 34 && n > 25)).toBe(true);
    expect(shares(three).reduce((a, b) => a + b)).toBe(100);
    const two = assignUnits(campaigns, ['r1', 'r3']);
    expect(shares(two)).toEqual([50, 50]);
    const stayed = campaigns.filter((c) => three.get(c) !== 'r2');
    expect(stayed.filter((c) => two.get(c) !== three.get(c)).length).toBeLessThanOrEqual(5);
    const four = assignUnits(campaigns, ['r1', 'r2', 'r3', 'r4']);
    expect(shares(four)).toEqual([25, 25, 25, 25]);
    const moved = campaigns.filter((c) => four.get(c) !== 'r4' && four.get(c) !== three.get(c));
    expect(moved.length).toBeLessThanOrEqual(5);
    // The same lists in another order: the same answer, so replicas agree.
    expect(assignUnits([...campaigns].reverse(), ['r3', 'r1', 'r2'])).toEqual(three);
    expect(assignUnits(['c'], []).size).toBe(0);
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

  it('hands a joining replica its share during a pass: idle units at the next tick, a busy one once its action ends', async () => {
    const { make, pass } = setup();
    const [a, b] = [make('a'), make('b')];
    await a.tick();
    expect(a.gained()).toHaveLength(100);
    await b.tick();
    expect(b.gained()).toEqual([]);
    // b is live: a no longer wants b's share, and acts on none of it, though it still holds it.
    await a.renew();
    const share = campaigns.filter((c) => !a.wants(c));
    expect(share.length).toBeGreaterThan(20);
    expect(share.every((c) => a.mayAct(c))).toBe(true);
    // An action on one of them is under way in a's pass: that one stays a's until it ends.
    const done = a.begin(share[0]!);
    await a.tick();
    await b.tick();
    pass(1);
    expect(b.gained().sort()).toEqual(share.slice(1).sort());
    expect(a.mayAct(share[0]!)).toBe(true);
    expect(b.mayAct(share[0]!)).toBe(false);
    done();
    await a.tick();
    await b.tick();
    pass(1);
    expect(b.gained()).toEqual([share[0]]);
    const owners = (c: string) => [a, b].filter((o) => o.mayAct(c)).length;
    expect(campaigns.every((c) => owners(c) === 1)).toBe(true);
    // Nothing more to hand over between passes.
    expect(await a.handOver()).toEqual([]);
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

describe('ownership by experiment', () => {
  // 24 campaigns in 6 experiments.
  const named = (move?: { campaign: string; to: string }) =>
    Array.from({ length: 24 }, (_, i) => ({
      name: `c${i}`,
      experiment: move?.campaign === `c${i}` ? move.to : `e${i % 6}`,
    }));
  const setup = () => {
    let t = 1_000_000;
    const leases = new MemoryLeases(() => t);
    const make = (id: string, by: 'campaign' | 'experiment' = 'experiment') => {
      const o = new Ownership(leases, id, { ttlMs: 1000, marginMs: 200, clock: () => t, by });
      o.setCampaigns(named());
      return o;
    };
    /** The replicas whose write about `c` the store takes now. */
    const accepted = (os: Ownership[], c: string) =>
      os.filter((o) => {
        try {
          leases.write(c, 'a write', o.fenceOf(c));
          return true;
        } catch {
          return false;
        }
      });
    const settle = async (os: Ownership[]) => {
      for (let i = 0; i < 3; i++)
        for (const o of os) {
          await o.renew();
          await o.handOver();
        }
      t += 1;
    };
    return { leases, make, accepted, settle, pass: (ms: number) => void (t += ms) };
  };
  const ownerOf = (os: Ownership[], c: string) =>
    os.filter((o) => o.mayAct(c)).map((o) => o.replica);

  it("gives all of an experiment's campaigns to one replica, and moves a campaign that changes experiment without two owners at any step", async () => {
    const { make, accepted, settle } = setup();
    const os = [make('a'), make('b'), make('c')];
    await settle(os);
    const all = named();
    for (const c of all) expect(ownerOf(os, c.name)).toHaveLength(1);
    for (let e = 0; e < 6; e++) {
      const owners = new Set(
        all.filter((c) => c.experiment === `e${e}`).flatMap((c) => ownerOf(os, c.name)),
      );
      expect(owners.size).toBe(1);
    }
    expect(new Set(all.map((c) => ownerOf(os, c.name)[0])).size).toBeGreaterThan(1);
    // c0 moves from e0 to an experiment another replica owns; that replica sees the revision first.
    const from = os.find((o) => o.mayAct('c0'))!;
    const target = all.find((c) => !from.mayAct(c.name))!;
    const to = os.find((o) => o.mayAct(target.name))!;
    const moved = named({ campaign: 'c0', to: target.experiment });
    to.setCampaigns(moved);
    await to.renew();
    await to.handOver();
    // Still in e0, held by its owner, which has not seen the change: it keeps c0.
    expect(ownerOf(os, 'c0')).toEqual([from.replica]);
    expect(accepted(os, 'c0')).toEqual([from]);
    for (const o of os) o.setCampaigns(moved);
    await from.renew();
    await from.handOver();
    // Pushed to the new unit: its holder takes it at its next renewal, never both at once.
    expect(accepted(os, 'c0').length).toBeLessThanOrEqual(1);
    expect(ownerOf(os, 'c0').length).toBeLessThanOrEqual(1);
    expect(from.mayAct('c0')).toBe(false);
    await settle(os);
    expect(ownerOf(os, 'c0')).toEqual([to.replica]);
    expect(accepted(os, 'c0')).toEqual([to]);
    expect(to.owned().find((x) => x.campaign === 'c0')).toMatchObject({
      unit: `experiment:${target.experiment}`,
    });
    for (const c of all) expect(ownerOf(os, c.name)).toHaveLength(1);
  });

  it('switching from ownership by campaign to by experiment one replica at a time never gives a campaign two owners', async () => {
    const { make, accepted, settle, leases } = setup();
    let os = [make('a', 'campaign'), make('b', 'campaign')];
    await settle(os);
    const check = () => {
      for (const c of named()) {
        // Neither the store nor the replicas themselves (a submit carries no fence) let two act.
        expect(accepted(os, c.name).length).toBeLessThanOrEqual(1);
        expect(ownerOf(os, c.name).length).toBeLessThanOrEqual(1);
      }
    };
    check();
    // a restarts reading ownership: experiment; b still reads campaign.
    await os[0]!.leave();
    os = [make('a'), os[1]!];
    for (let i = 0; i < 3; i++) {
      for (const o of os) {
        await o.renew();
        check();
        await o.handOver();
        check();
      }
    }
    // Then b restarts likewise: every campaign ends in its experiment's unit, each owned once.
    await os[1]!.leave();
    os = [os[0]!, make('b')];
    await settle(os);
    check();
    for (const c of named()) expect(ownerOf(os, c.name)).toHaveLength(1);
    const { members } = await leases.leases();
    expect(members.every((m) => m.unit === `experiment:e${Number(m.campaign.slice(1)) % 6}`)).toBe(
      true,
    );
  });

  it('the leading replica forgets fenced writes older than the log keeps, at most once an hour', async () => {
    const { leases, pass } = setup();
    let t = 0;
    const clock = () => 1_000_000 + t;
    const mk = (id: string) => {
      const o = new Ownership(leases, id, {
        ttlMs: 3_600_000 * 24 * 5,
        marginMs: 200,
        clock,
        actionLogDays: 2,
      });
      o.setCampaigns(named());
      return o;
    };
    const a = mk('a');
    await a.renew();
    const day = 24 * 3_600_000;
    leases.write('c1', 'old', a.fenceOf('c1'));
    pass(3 * day);
    t += 3 * day;
    await a.renew();
    leases.write('c1', 'new', a.fenceOf('c1'));
    expect(await a.forgetOldWrites()).toBe(1);
    expect((await leases.fencedWrites()).map((w) => w.what)).toEqual(['new']);
    pass(3 * day);
    t += 30 * 60_000;
    expect(await a.forgetOldWrites()).toBe(0);
    expect(await leases.fencedWrites()).toHaveLength(1);
  });
});
