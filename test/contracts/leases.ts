import { describe, expect, it } from 'vitest';
import type { Fence, LeaseStore } from '../../src/adapters/store/types.js';

/**
 * What every store replicas share must do with leases. `make` returns a fresh store, a way
 * to let time pass on the store's clock (a real server sleeps), and a write of an action about
 * a campaign, as the store makes one under its fences.
 */
export function leaseContract(
  name: string,
  make: () => Promise<{
    store: LeaseStore;
    pass(ms: number): Promise<void>;
    write(campaign: string): Promise<void>;
    close(): Promise<void>;
  }>,
): void {
  describe(`lease contract: ${name}`, () => {
    it('keeps replicas by heartbeat, and forgets one that leaves', async () => {
      const { store, close } = await make();
      const t = await store.heartbeat('a', { host: 'h1', pid: 11 });
      await store.heartbeat('b');
      const r = await store.replicas();
      expect(r.replicas.map((x) => x.id)).toEqual(['a', 'b']);
      expect(r.replicas[0]).toMatchObject({ host: 'h1', pid: 11 });
      expect(r.replicas[0]!.heartbeatAt).toBeGreaterThanOrEqual(t - 1);
      expect(r.now).toBeGreaterThanOrEqual(r.replicas[1]!.heartbeatAt);
      await store.leave('a');
      expect((await store.replicas()).replicas.map((x) => x.id)).toEqual(['b']);
      await close();
    });

    it('gives a unit to one replica at a time, renews it with the same token, and a new larger token to the next holder after it expires', async () => {
      const { store, pass, close } = await make();
      const a = await store.acquireLeases('a', ['c1', 'c2'], 400);
      expect(a.held.map((l) => [l.unit, l.owner])).toEqual([
        ['c1', 'a'],
        ['c2', 'a'],
      ]);
      expect(a.held[0]!.expiresAt - a.now).toBeGreaterThan(300);
      // Held: nobody else gets it.
      expect((await store.acquireLeases('b', ['c1', 'c3'], 400)).held.map((l) => l.unit)).toEqual([
        'c3',
      ]);
      const renewed = await store.acquireLeases('a', ['c1'], 400);
      expect(renewed.held[0]!.token).toBe(a.held[0]!.token);
      expect(renewed.held[0]!.acquiredAt).toBe(a.held[0]!.acquiredAt);
      await pass(600);
      const b = await store.acquireLeases('b', ['c1'], 400);
      expect(b.held.map((l) => l.owner)).toEqual(['b']);
      expect(b.held[0]!.token).toBeGreaterThan(a.held[0]!.token);
      // The old holder cannot renew what it lost.
      expect((await store.acquireLeases('a', ['c1'], 400)).held).toEqual([]);
      expect((await store.leases()).leases.map((l) => `${l.unit}:${l.owner}`)).toEqual([
        'c1:b',
        'c2:a',
        'c3:b',
      ]);
      await store.releaseLeases('b', ['c3']);
      expect((await store.acquireLeases('a', ['c3'], 400)).held.map((l) => l.owner)).toEqual(['a']);
      await store.releaseLeases('a');
      expect((await store.leases()).leases.map((l) => l.unit)).toEqual(['c1']);
      await close();
    });

    it('places a campaign in its own unit when that is first leased, and fences each write by the unit it is in', async () => {
      const { store, write, close } = await make();
      const fences = new Map<string, Fence>();
      store.useFences((c) => fences.get(c));
      const [c1] = (await store.acquireLeases('a', ['c1'], 5000)).held;
      expect((await store.placeCampaigns('a', [])).map((m) => [m.campaign, m.unit])).toEqual([
        ['c1', 'c1'],
      ]);
      await expect(write('c1')).rejects.toThrow(/refused/);
      fences.set('c1', { replica: 'a', unit: 'c1', token: c1!.token });
      await write('c1');
      fences.set('c1', { replica: 'b', unit: 'c1', token: c1!.token });
      await expect(write('c1')).rejects.toThrow(/refused/);
      fences.set('c1', { replica: 'a', unit: 'c1', token: c1!.token + 1 });
      await expect(write('c1')).rejects.toThrow(/refused/);
      expect((await store.fencedWrites('c1')).map((w) => [w.replica, w.unit, w.token])).toEqual([
        ['a', 'c1', c1!.token],
      ]);
      await close();
    });

    it('moves a campaign only out of a unit its holder gives it up from, or one nobody holds; a token that grows at every move', async () => {
      const { store, pass, write, close } = await make();
      const fences = new Map<string, Fence>();
      store.useFences((c) => fences.get(c));
      const unitOf = async (c: string) =>
        (await store.leases()).members.find((m) => m.campaign === c)?.unit;
      const [x] = (await store.acquireLeases('a', ['experiment:x'], 400)).held;
      const [c1] = (await store.acquireLeases('b', ['c1'], 5000)).held;
      fences.set('c1', { replica: 'b', unit: 'c1', token: c1!.token });
      await write('c1');
      // a cannot pull a campaign out of a unit b holds; b can push it to a.
      await store.placeCampaigns('a', [{ campaign: 'c1', unit: 'experiment:x' }]);
      expect(await unitOf('c1')).toBe('c1');
      await store.placeCampaigns('b', [{ campaign: 'c1', unit: 'experiment:x' }]);
      expect(await unitOf('c1')).toBe('experiment:x');
      await expect(write('c1')).rejects.toThrow(/refused/);
      fences.set('c1', { replica: 'a', unit: 'experiment:x', token: x!.token });
      await write('c1');
      // A campaign in no unit goes only where the mover holds the unit.
      await store.placeCampaigns('b', [{ campaign: 'c2', unit: 'experiment:x' }]);
      expect(await unitOf('c2')).toBeUndefined();
      await store.placeCampaigns('a', [{ campaign: 'c2', unit: 'experiment:x' }]);
      expect(await unitOf('c2')).toBe('experiment:x');
      // Once a's lease ran out, b pulls c1 back into the unit it holds.
      await store.placeCampaigns('b', [{ campaign: 'c1', unit: 'c1' }]);
      expect(await unitOf('c1')).toBe('experiment:x');
      await pass(600);
      await store.placeCampaigns('b', [{ campaign: 'c1', unit: 'c1' }]);
      expect(await unitOf('c1')).toBe('c1');
      await expect(write('c1')).rejects.toThrow(/refused/);
      fences.set('c1', { replica: 'b', unit: 'c1', token: c1!.token });
      await write('c1');
      const writes = await store.fencedWrites('c1');
      expect(writes.map((w) => [w.replica, w.unit, w.unitToken])).toEqual([
        ['b', 'c1', c1!.token],
        ['a', 'experiment:x', x!.token],
        ['b', 'c1', c1!.token],
      ]);
      // Each change of hands gives the campaign a larger token, though b's lease is older.
      const tokens = writes.map((w) => w.token);
      expect(tokens[1]).toBeGreaterThan(tokens[0]!);
      expect(tokens[2]).toBeGreaterThan(tokens[1]!);
      await close();
    });

    it('forgets logged writes older than a time, and only those', async () => {
      const { store, pass, write, close } = await make();
      const [c1] = (await store.acquireLeases('a', ['c1'], 60_000)).held;
      store.useFences(() => ({ replica: 'a', unit: 'c1', token: c1!.token }));
      await write('c1');
      await pass(50);
      await write('c1');
      const [first, second] = await store.fencedWrites();
      expect(second!.at).toBeGreaterThan(first!.at);
      expect(await store.pruneFencedWrites(second!.at)).toBe(1);
      expect((await store.fencedWrites()).map((w) => w.id)).toEqual([second!.id]);
      await close();
    });
  });
}
