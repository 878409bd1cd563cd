import { describe, expect, it } from 'vitest';
import { sbndDesired } from '../../test/helpers/build.js';
import { memoryDeps } from '../../test/helpers/memory-deps.js';
import { wrapBatch } from '../../test/helpers/wrap-batch.js';
import { usePostgres, withPostgres } from '../../test/helpers/postgres.js';
import { PostgresStore } from '../adapters/store/postgres/index.js';
import { Ownership } from './ownership.js';
import { reconcileOnce } from './pass.js';

const pg = usePostgres();

/**
 * The worst instant of a paused replica, made exact: replica a is stopped inside its submit,
 * past its lease; b takes the campaign; a wakes and finishes. Its late write must be refused by
 * PostgreSQL, and b must adopt the launch rather than make it again.
 */

const t0 = Date.now();
const cases = [
  // Its own clock tells it the lease ran out: it refuses itself.
  { clock: 'a true clock', refusal: 'this replica holds no lease on it' },
  // A clock running ten times slow still believes in the lease: PostgreSQL refuses.
  {
    clock: 'a clock running slow',
    slow: () => t0 + (Date.now() - t0) / 10,
    refusal: "its lease on [^ ]+ is no longer a's",
  },
  // Stopped before its submit reached the batch system: b must not forget the launch while a
  // submit may still be on its way (with it forgotten, b would launch it again).
  {
    clock: 'a submit still on its way',
    before: true,
    refusal: 'this replica holds no lease on it',
  },
];

describe.runIf(withPostgres)('a replica paused past its lease', () => {
  it.each(cases)(
    'with $clock: its late writes are refused; the new owner adopts its launch, nothing twice',
    async (c) => {
      const d = sbndDesired();
      d.campaigns[0]!.stages = d.campaigns[0]!.stages.filter((s) => s.name === 'gen');
      const campaign = d.campaigns[0]!.name;
      const schema = await pg().freshSchema();
      const base = memoryDeps();
      const real = base.batch;
      const submits: string[] = [];
      const submit = real.submit.bind(real);
      real.submit = (req) => (submits.push(req.label), submit(req));
      let wake!: () => void;
      let inSubmit!: () => void;
      const entered = new Promise<void>((r) => (inSubmit = r));
      const paused = new Promise<void>((r) => (wake = r));
      // a's submit reaches the batch system, then a stops before it can say so (or a stops
      // first, and its submit arrives when it wakes).
      const stalled = wrapBatch(real, {
        submit: async (req) => {
          if (c.before) {
            inSubmit();
            await paused;
            return real.submit(req);
          }
          const ids = await real.submit(req);
          inSubmit();
          await paused;
          return ids;
        },
      });
      const replica = (id: string, clock?: () => number) => {
        const store = new PostgresStore({ url: pg().url, schema });
        const ownership = new Ownership(store, id, {
          ttlMs: 600,
          marginMs: 100,
          ...(clock ? { clock } : {}),
        });
        ownership.setCampaigns([campaign]);
        return { store, ownership };
      };
      const a = replica('a', c.slow);
      const b = replica('b');
      await a.ownership.renew();
      expect(a.ownership.owned().map((o) => o.campaign)).toEqual([campaign]);
      const aPass = reconcileOnce(
        { ...base, store: a.store, batch: stalled, ownership: a.ownership },
        d,
      );
      await entered;
      // a is "stopped": no renewals. Its lease runs out and b, alone alive, takes the campaign.
      await new Promise((r) => setTimeout(r, 900));
      await b.ownership.renew();
      expect(b.ownership.owned().map((o) => o.campaign)).toEqual([campaign]);
      if (c.before) {
        // No jobs yet, and a submit may be on its way: b leaves the launches as they are.
        const early = await reconcileOnce({ ...base, store: b.store, ownership: b.ownership }, d);
        expect(early.plan.actions.filter((x) => x.kind === 'launch')).toEqual([]);
        expect((await b.store.submissions()).map((s) => s.status)).toEqual([
          'launching',
          'launching',
        ]);
        expect(submits).toEqual([]);
      }
      wake();
      const aResult = await aPass;
      expect(aResult.results.filter((r) => r.ok)).toEqual([]);
      expect(aResult.results.map((r) => r.error).join('\n')).toMatch(
        new RegExp(`write about campaign ${campaign} refused: ${c.refusal}`),
      );
      // b sees the launch a began, finds its jobs in the batch system and adopts them.
      const bResult = await reconcileOnce({ ...base, store: b.store, ownership: b.ownership }, d);
      expect(bResult.plan.actions.filter((x) => x.kind === 'launch')).toEqual([]);
      const subs = await b.store.submissions();
      expect(subs.map((s) => s.status)).toEqual(subs.map(() => 'launched'));
      // One submit per submission, none made again.
      expect([...submits].sort()).toEqual(subs.map((s) => s.key).sort());
      const writes = await b.store.fencedWrites(campaign);
      const tokens = writes.map((w) => w.token);
      expect(tokens).toEqual([...tokens].sort((x, y) => x - y));
      expect(new Set(writes.filter((w) => w.replica === 'a').map((w) => w.what))).toEqual(
        new Set(subs.map((s) => `launch ${s.key}`)),
      );
      for (const s of [a.store, b.store]) await s.close();
      await base.dispose();
    },
  );
});
