import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchAction, storeContract } from '../../../../test/contracts/store.js';
import {
  postgresAvailable,
  postgresRequired,
  startPostgres,
  type TestPostgres,
} from '../../../../test/helpers/postgres.js';
import { PostgresStore } from './index.js';

/**
 * The store contract and what only PostgreSQL does, against a real PostgreSQL 15 this file
 * starts (Debian's packages; CI installs them and sets GITPOMS_TEST_POSTGRES=1).
 */
const run = postgresAvailable || postgresRequired;
let server: TestPostgres;

beforeAll(async () => {
  if (run) server = await startPostgres();
}, 60_000);
afterAll(async () => server?.destroy());

const fresh = async (o: { readonly?: boolean; clock?: () => Date; schema?: string } = {}) =>
  new PostgresStore({ url: server.url, schema: o.schema ?? (await server.freshSchema()), ...o });

describe.runIf(run)('postgres', () => {
  storeContract('postgres', () => fresh());

  describe('postgres store', () => {
    it('follows the commits of another store on the same database, reading again only what changed', async () => {
      const schema = await server.freshSchema();
      const a = await fresh({ schema });
      const b = await fresh({ schema });
      const keys = ['c/gen/mc-1#1', 'c/gen/mc-2#1'];
      for (const k of keys)
        await a.finishLaunch(await a.beginLaunch(launchAction(k), undefined, 'local'), {
          ok: true,
        });
      const first = await b.submissions();
      expect(first.map((s) => s.status)).toEqual(['launched', 'launched']);
      await a.setStatus(keys[1]!, 'located', 'test');
      const second = await b.submissions();
      expect(second.map((s) => s.status)).toEqual(['launched', 'located']);
      // The record nobody changed is the one read before.
      expect(second[0]).toBe(first[0]);
      await a.recordJobs([{ id: '1.0@x', submission: keys[0]!, state: 'running' }], 't1');
      expect((await b.jobs()).map((j) => j.state)).toEqual(['running']);
      await a.recordJobs(
        [{ id: '1.0@x', submission: keys[1]!, state: 'completed', exitCode: 0 }],
        't2',
      );
      expect(await b.jobs()).toEqual([
        { id: '1.0@x', submission: keys[1], state: 'completed', exitCode: 0, updatedAt: 't2' },
      ]);
      const id = await b.beginLaunch(launchAction('c/gen/mc-3#1'), undefined, 'local');
      await b.abandonLaunch(id, 'test');
      expect((await a.submissions()).map((s) => s.key)).toEqual(keys);
      await a.close();
      await b.close();
    });

    it('opened read-only: reads, and the server refuses a write', async () => {
      const schema = await server.freshSchema();
      const w = await fresh({ schema });
      await w.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
      const r = await fresh({ schema, readonly: true });
      expect((await r.submissions()).map((s) => s.key)).toEqual(['c/gen/mc-1#1']);
      await expect(r.audit({ actor: 'x', action: 'y', target: 'z' })).rejects.toThrow(
        /read-only transaction/,
      );
      await r.close();
      await w.close();
      const empty = await fresh({ readonly: true });
      await expect(empty.submissions()).rejects.toThrow(
        /has no gitpoms tables; run gitpoms store migrate/,
      );
      await empty.close();
    });

    it('migrates once when several open a new database at the same time', async () => {
      const schema = await server.freshSchema();
      const stores = await Promise.all([1, 2, 3].map(() => fresh({ schema })));
      expect(await Promise.all(stores.map((s) => s.migrations()))).toEqual(
        stores.map(() => ({ applied: 1, known: 1 })),
      );
      for (const s of stores) await s.close();
    });

    it('names the server, never the password, when it cannot reach it', async () => {
      const url = server.url.replace(/:\d+\//, ':1/');
      const s = new PostgresStore({ url });
      const err = await s.submissions().catch((e: Error) => e);
      expect(String(err)).toMatch(
        /postgres-store: the PostgreSQL store postgresql:\/\/gitpoms:\*\*\*@127\.0\.0\.1:1\/gitpoms/,
      );
      expect(String(err)).not.toContain(new URL(server.url).password);
      expect((err as { retryable?: boolean }).retryable).toBe(true);
      await s.close();
    });
  });
});
