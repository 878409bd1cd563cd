import pg_ from 'pg';
import type { PoolClient, QueryResult } from 'pg';
import { describe, expect, it } from 'vitest';
import { leaseContract } from '../../../../test/contracts/leases.js';
import { launchAction, storeContract } from '../../../../test/contracts/store.js';
import { usePostgres, withPostgres } from '../../../../test/helpers/postgres.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { copyStore } from '../../../engine/store-copy.js';
import { SqliteStore } from '../sqlite/index.js';
import { PostgresStore } from './index.js';
import { MIGRATIONS } from './migrations.js';

const pg = usePostgres();
const { Client } = pg_;

/**
 * The store contract and what only PostgreSQL does, against a real PostgreSQL 15 this file
 * starts (Debian's packages; CI installs them and sets GITPOMS_TEST_POSTGRES=1).
 */

const fresh = async (o: { readonly?: boolean; clock?: () => Date; schema?: string } = {}) =>
  new PostgresStore({ url: pg().url, schema: o.schema ?? (await pg().freshSchema()), ...o });

describe.runIf(withPostgres)('postgres', () => {
  storeContract('postgres', () => fresh());
  leaseContract('postgres', async () => {
    const store = await fresh();
    let n = 0;
    return {
      store,
      pass: (ms) => new Promise((r) => setTimeout(r, ms)),
      write: async (campaign) => {
        await store.beginLaunch(launchAction(`${campaign}/gen/mc-${++n}#1`), undefined, 'local');
      },
      close: () => store.close(),
    };
  });

  describe('postgres store', () => {
    it('follows the commits of another store on the same database, reading again only what changed', async () => {
      const schema = await pg().freshSchema();
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
      const schema = await pg().freshSchema();
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
      const schema = await pg().freshSchema();
      const stores = await Promise.all([1, 2, 3].map(() => fresh({ schema })));
      expect(await Promise.all(stores.map((s) => s.migrations()))).toEqual(
        stores.map(() => ({ applied: MIGRATIONS.length, known: MIGRATIONS.length })),
      );
      for (const s of stores) await s.close();
    });

    it('takes a copy of an SQLite store, every table equal, and goes on from it (and back)', async () => {
      let t = Date.parse('2026-11-25T12:00:00Z');
      const clock = () => new Date(t++);
      const file = path.join(mkdtempSync(path.join(tmpdir(), 'store-copy-')), 'state.sqlite');
      const lite = new SqliteStore(file, { clock });
      const key = (i: number) => `c/gen/mc-${i}#1`;
      for (let i = 1; i <= 3; i++) {
        const id = await lite.beginLaunch(launchAction(key(i)), 'r1', 'local');
        await lite.finishLaunch(id, {
          ok: true,
          split: {
            campaign: 'c',
            stage: 'gen',
            from: { position: i - 1, generation: 0 },
            to: { position: i },
          },
        });
      }
      await lite.setHeld(key(2), true);
      await lite.setStatus(key(3), 'located', '10/10 files located');
      const pending = await lite.beginLaunch(launchAction(key(4)), 'r1', 'local');
      await lite.recordJobs(
        [
          {
            id: '1.0@local',
            submission: key(1),
            state: 'completed',
            exitCode: 0,
            cpuSeconds: 1.25,
          },
          { id: '1.1@local', submission: key(1), state: 'held', heldReason: 'memory' },
        ],
        '2026-11-25T12:30:00.000Z',
      );
      await lite.addOverride({
        action: 'hold',
        campaign: 'c',
        stage: 'gen',
        actor: 'alice',
        reason: 'dCache',
      });
      await lite.recordRevision({ revision: 'r1', valid: true, errors: [] });
      await lite.markApplied('r1');
      await lite.recordRevision({ revision: 'r2', valid: false, errors: ['x.yaml:1:1: bad'] });
      await lite.addToken({
        id: '0000000000000001',
        name: 'bob',
        role: 'shifter',
        experiments: ['sbnd'],
        salt: 'aa',
        hash: 'bb',
        createdBy: 'root',
      });
      await lite.audit({ actor: 'reconciler', action: 'launch', target: key(1) });

      const pgStore = await fresh({ clock });
      const report = await copyStore(lite, pgStore);
      expect(Object.fromEntries(report.tables.map((r) => [r.table, r.rows]))).toMatchObject({
        submissions: 4,
        intents: 4,
        jobs: 2,
        overrides: 1,
        revisions: 2,
        splits: 1,
        tokens: 1,
      });
      // What the roles read is the same in both.
      const now = new Date('2026-11-25T13:00:00Z');
      for (const read of [
        (s: SqliteStore | PostgresStore) => s.submissions(),
        (s: SqliteStore | PostgresStore) => s.jobs(),
        (s: SqliteStore | PostgresStore) => s.pendingIntents(),
        (s: SqliteStore | PostgresStore) => s.splitStates(),
        (s: SqliteStore | PostgresStore) => s.activeOverrides(now, 'r1'),
        (s: SqliteStore | PostgresStore) => s.revisions(),
        (s: SqliteStore | PostgresStore) => s.appliedRevision(),
        (s: SqliteStore | PostgresStore) => s.tokens(),
        (s: SqliteStore | PostgresStore) => s.auditLog(),
      ])
        expect(await read(pgStore)).toEqual(await read(lite));
      // It goes on from there: the pending launch ends, new ids follow the copied ones, the
      // split moves on from where the copy left it.
      await pgStore.finishLaunch(pending, { ok: true });
      expect(await pgStore.pendingIntents()).toEqual([]);
      const next = await pgStore.beginLaunch(launchAction(key(5)), 'r1', 'local');
      expect(next).toBe(pending + 1);
      await pgStore.finishLaunch(next, {
        ok: true,
        split: {
          campaign: 'c',
          stage: 'gen',
          from: { position: 3, generation: 0 },
          to: { position: 4 },
        },
      });
      expect((await pgStore.splitStates())['c/gen']?.position).toBe(4);
      await pgStore.recordRevision({ revision: 'r3', valid: true, errors: [] });
      expect((await pgStore.revisions(1))[0]?.revision).toBe('r3');
      // Copied into a store that has records: refused, nothing written.
      await expect(copyStore(lite, pgStore)).rejects.toThrow(
        /has rows; copy only into an empty store/,
      );
      expect(await pgStore.submissions()).toHaveLength(5);
      // And back into a new SQLite file.
      const back = new SqliteStore(path.join(path.dirname(file), 'back.sqlite'));
      await copyStore(pgStore, back);
      expect(await back.submissions()).toEqual(await pgStore.submissions());
      for (const s of [lite, pgStore, back]) await s.close();
    });

    it("refuses a replica's write once its lease is lost or was never its, and logs each write it takes", async () => {
      const schema = await pg().freshSchema();
      const a = await fresh({ schema });
      const b = await fresh({ schema });
      const tokens = new Map<string, number>();
      a.useFences((c) =>
        tokens.has(c) ? { replica: 'a', unit: c, token: tokens.get(c)! } : undefined,
      );
      const [lease] = (await a.acquireLeases('a', ['c'], 300)).held;
      tokens.set('c', lease!.token);
      const id = await a.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
      await expect(a.beginLaunch(launchAction('d/gen/mc-1#1'), undefined, 'local')).rejects.toThrow(
        /write about campaign d refused: this replica holds no lease on it/,
      );
      await new Promise((r) => setTimeout(r, 400));
      // Expired and taken by b: a paused a's late write is refused by the database.
      const [taken] = (await b.acquireLeases('b', ['c'], 5000)).held;
      expect(taken!.token).toBeGreaterThan(lease!.token);
      const late = await a.finishLaunch(id, { ok: true }).catch((e: Error) => e);
      expect(String(late)).toMatch(
        new RegExp(
          `write about campaign c refused: its lease on c is no longer a's with token ${lease!.token}`,
        ),
      );
      expect((late as { code?: string }).code).toBe('lease-lost');
      expect((await a.submission('c/gen/mc-1#1'))?.status).toBe('launching');
      await expect(
        a.recordJobs([{ id: '1.0@x', submission: 'c/gen/mc-1#1', state: 'running' }], 't'),
      ).rejects.toThrow(/refused/);
      expect(await a.jobs()).toEqual([]);
      b.useFences((c) => (c === 'c' ? { replica: 'b', unit: c, token: taken!.token } : undefined));
      await b.finishLaunch(id, { ok: true });
      expect((await b.fencedWrites('c')).map((w) => [w.replica, w.token, w.what])).toEqual([
        ['a', lease!.token, 'launch c/gen/mc-1#1'],
        ['b', taken!.token, 'launch c/gen/mc-1#1 done'],
      ]);
      await a.close();
      await b.close();
    });

    it('a replica frozen inside a write blocks no other: its renewals and takings go on, and the server ends the frozen session', async () => {
      const schema = await pg().freshSchema();
      const a = new PostgresStore({ url: pg().url, schema, idleInTransactionMs: 1500 });
      const b = await fresh({ schema });
      const [lease] = (await a.acquireLeases('a', ['c'], 300)).held;
      a.useFences((c) => (c === 'c' ? { replica: 'a', unit: c, token: lease!.token } : undefined));
      const [e0] = (await b.acquireLeases('b', ['e'], 5000)).held;
      // a freezes inside its write, right after it locked its lease there (as a process
      // stopped or cut off would): its session sits in the transaction, holding the locks.
      const { write, pid, wake } = await frozenWrite(a, 'c/gen/mc-1#1');
      const admin = await pg().admin();
      const stateOf = async () =>
        (await admin.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]
          ?.state as string | undefined;
      // a's lease ran out. b renews its own and takes a free one without waiting for a's
      // session; the campaign a froze on stays a's until the server ends that session.
      const got = await b.acquireLeases('b', ['c', 'd', 'e'], 800);
      expect(await stateOf()).toBe('idle in transaction');
      expect(got.held.map((l) => l.unit)).toEqual(['d', 'e']);
      expect(got.held.find((l) => l.unit === 'e')!.token).toBe(e0!.token);
      let taken: number | undefined;
      for (let i = 0; i < 50 && taken === undefined; i++) {
        await new Promise((r) => setTimeout(r, 100));
        taken = (await b.acquireLeases('b', ['c'], 5000)).held[0]?.token;
      }
      expect(taken).toBeGreaterThan(lease!.token);
      expect(await stateOf()).toBeUndefined();
      await admin.end();
      // Woken, a finds its session gone: nothing it began was written.
      wake();
      expect(String(await write)).toMatch(/postgres-store: .*connection error/);
      expect(await b.submission('c/gen/mc-1#1')).toBeUndefined();
      expect((await b.fencedWrites('c')).map((w) => w.replica)).toEqual([]);
      await a.close();
      await b.close();
    });

    it('an owner renews its lease while a write under it is under way, and the write then lands', async () => {
      const schema = await pg().freshSchema();
      const a = new PostgresStore({ url: pg().url, schema, statementTimeoutMs: 2000 });
      const [lease] = (await a.acquireLeases('a', ['c'], 5000)).held;
      a.useFences((c) => (c === 'c' ? { replica: 'a', unit: c, token: lease!.token } : undefined));
      const { write, wake } = await frozenWrite(a, 'c/gen/mc-1#1');
      // The renewal (a plain UPDATE of the deadline) does not wait for the write's lock.
      const renewed = await a.acquireLeases('a', ['c'], 5000);
      expect(renewed.held.map((l) => [l.unit, l.token])).toEqual([['c', lease!.token]]);
      expect(renewed.held[0]!.expiresAt).toBeGreaterThan(lease!.expiresAt);
      wake();
      expect(await write).toBeGreaterThan(0);
      expect((await a.submission('c/gen/mc-1#1'))?.status).toBe('launching');
      await a.close();
    });

    it('moves no campaign while a write about it is under way, and moves it once the write ends', async () => {
      const schema = await pg().freshSchema();
      const a = await fresh({ schema });
      const mover = await fresh({ schema });
      const held = (await a.acquireLeases('a', ['c', 'experiment:x'], 60_000)).held;
      const [c, x] = [held.find((l) => l.unit === 'c')!, held.find((l) => l.unit !== 'c')!];
      a.useFences((k) => (k === 'c' ? { replica: 'a', unit: 'c', token: c.token } : undefined));
      const { write, wake } = await frozenWrite(a, 'c/gen/mc-1#1');
      const unitOf = async () =>
        (await mover.placeCampaigns('a', [])).find((m) => m.campaign === 'c')?.unit;
      await mover.placeCampaigns('a', [{ campaign: 'c', unit: 'experiment:x' }]);
      expect(await unitOf()).toBe('c');
      wake();
      expect(await write).toBeGreaterThan(0);
      await mover.placeCampaigns('a', [{ campaign: 'c', unit: 'experiment:x' }]);
      expect(await unitOf()).toBe('experiment:x');
      const late = await a.setHeld('c/gen/mc-1#1', true).catch((e: Error) => e);
      expect(String(late)).toMatch(/its lease on c is no longer a's .*or it was moved out of c/);
      a.useFences(() => ({ replica: 'a', unit: 'experiment:x', token: x.token }));
      await a.setHeld('c/gen/mc-1#1', true);
      expect((await a.fencedWrites('c')).map((w) => w.unit)).toEqual(['c', 'experiment:x']);
      await a.close();
      await mover.close();
    });

    it('upgrades a store of leases by campaign: each lease keeps its campaign and its writes their token', async () => {
      const schema = await pg().freshSchema();
      const old = new Client({ connectionString: pg().url });
      await old.connect();
      await old.query(`SET search_path TO ${schema}`);
      await old.query(
        'CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)',
      );
      for (const [i, m] of MIGRATIONS.slice(0, 2).entries()) {
        await old.query(m);
        await old.query("INSERT INTO schema_migrations VALUES ($1, 'then')", [i + 1]);
      }
      await old.query(
        `INSERT INTO leases VALUES ('c', 'a', 7, now(), now() + interval '1 minute');
         INSERT INTO action_log (replica, campaign, token, what) VALUES ('a', 'c', 7, 'launch c/gen/mc-1#1')`,
      );
      await old.end();
      const s = await fresh({ schema });
      expect(await s.migrations()).toEqual({
        applied: MIGRATIONS.length,
        known: MIGRATIONS.length,
      });
      const l = await s.leases();
      expect(l.leases.map((x) => [x.unit, x.owner, x.token])).toEqual([['c', 'a', 7]]);
      expect(l.members).toEqual([{ campaign: 'c', unit: 'c', token: 7 }]);
      expect(await s.fencedWrites()).toMatchObject([
        { campaign: 'c', unit: 'c', token: 7, unitToken: 7, what: 'launch c/gen/mc-1#1' },
      ]);
      // The holder goes on writing under the lease it held.
      s.useFences(() => ({ replica: 'a', unit: 'c', token: 7 }));
      await s.beginLaunch(launchAction('c/gen/mc-2#1'), undefined, 'local');
      await s.close();
    });

    it('opened while the server is down, it fails each call retryably, and works once the server is back', async () => {
      const schema = await pg().freshSchema();
      await pg().stop();
      const s = new PostgresStore({ url: pg().url, schema });
      try {
        for (let i = 0; i < 2; i++) {
          const err = await s.submissions().catch((e: Error) => e);
          expect(String(err)).toMatch(/postgres-store: .*ECONNREFUSED/);
          expect((err as { retryable?: boolean }).retryable).toBe(true);
        }
      } finally {
        await pg().start();
      }
      expect(await s.submissions()).toEqual([]);
      expect(await s.migrations()).toEqual({
        applied: MIGRATIONS.length,
        known: MIGRATIONS.length,
      });
      await s.close();
    });

    it('names the server, never the password, when it cannot reach it', async () => {
      const url = pg().url.replace(/:\d+\//, ':1/');
      const s = new PostgresStore({ url });
      const err = await s.submissions().catch((e: Error) => e);
      expect(String(err)).toMatch(
        /postgres-store: the PostgreSQL store postgresql:\/\/gitpoms:\*\*\*@127\.0\.0\.1:1\/gitpoms/,
      );
      expect(String(err)).not.toContain(new URL(pg().url).password);
      expect((err as { retryable?: boolean }).retryable).toBe(true);
      await s.close();
    });
  });
});

/**
 * Starts a write of `store` about `key` that freezes right after its fence locked the lease
 * and the campaign's unit (as a process stopped or cut off would): its session sits in the
 * transaction, holding the locks, until woken. Resolves once it is frozen.
 */
async function frozenWrite(
  store: PostgresStore,
  key: string,
): Promise<{ write: Promise<number | Error>; pid: number; wake: () => void }> {
  let wake!: () => void;
  const frozen = new Promise<void>((r) => (wake = r));
  const pool = (store as unknown as { pool: { connect: () => Promise<PoolClient> } }).pool;
  const connect = pool.connect;
  let pid = 0;
  pool.connect = async () => {
    const c = await connect.call(pool);
    const original = c.query;
    const query = c.query.bind(c) as (sql: string, p?: unknown[]) => Promise<QueryResult>;
    (c as { query: unknown }).query = async (sql: string, p?: unknown[]) => {
      const r = await query(sql, p);
      if (/FOR KEY SHARE/.test(sql) && !pid) {
        // One write freezes; the pool and this connection are then as they were (the pool's
        // query() passes callbacks).
        pool.connect = connect;
        pid = (await query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        await frozen;
        c.query = original;
      }
      return r;
    };
    return c;
  };
  const write = store.beginLaunch(launchAction(key), undefined, 'local').catch((e: Error) => e);
  for (let i = 0; i < 100 && !pid; i++) await new Promise((r) => setTimeout(r, 20));
  if (!pid) throw new Error('the write never reached its fence');
  return { write, pid, wake };
}
