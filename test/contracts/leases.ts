import { describe, expect, it } from 'vitest';
import type { LeaseStore } from '../../src/adapters/store/types.js';

/**
 * What every store replicas share must do with leases. `make` returns a fresh store and a way
 * to let time pass on the store's clock (a real server sleeps).
 */
export function leaseContract(
  name: string,
  make: () => Promise<{
    store: LeaseStore;
    pass(ms: number): Promise<void>;
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

    it('gives a campaign to one replica at a time, renews it with the same token, and a new larger token to the next holder after it expires', async () => {
      const { store, pass, close } = await make();
      const a = await store.acquireLeases('a', ['c1', 'c2'], 400);
      expect(a.held.map((l) => [l.campaign, l.owner])).toEqual([
        ['c1', 'a'],
        ['c2', 'a'],
      ]);
      expect(a.held[0]!.expiresAt - a.now).toBeGreaterThan(300);
      // Held: nobody else gets it.
      expect(
        (await store.acquireLeases('b', ['c1', 'c3'], 400)).held.map((l) => l.campaign),
      ).toEqual(['c3']);
      const renewed = await store.acquireLeases('a', ['c1'], 400);
      expect(renewed.held[0]!.token).toBe(a.held[0]!.token);
      expect(renewed.held[0]!.acquiredAt).toBe(a.held[0]!.acquiredAt);
      await pass(600);
      const b = await store.acquireLeases('b', ['c1'], 400);
      expect(b.held.map((l) => l.owner)).toEqual(['b']);
      expect(b.held[0]!.token).toBeGreaterThan(a.held[0]!.token);
      // The old holder cannot renew what it lost.
      expect((await store.acquireLeases('a', ['c1'], 400)).held).toEqual([]);
      expect((await store.leases()).leases.map((l) => `${l.campaign}:${l.owner}`)).toEqual([
        'c1:b',
        'c2:a',
        'c3:b',
      ]);
      await store.releaseLeases('b', ['c3']);
      expect((await store.acquireLeases('a', ['c3'], 400)).held.map((l) => l.owner)).toEqual(['a']);
      await store.releaseLeases('a');
      expect((await store.leases()).leases.map((l) => l.campaign)).toEqual(['c1']);
      await close();
    });
  });
}
