import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../../src/adapters/batch/local/index.js';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';
import { PostgresStore } from '../../src/adapters/store/postgres/index.js';
import {
  postgresAvailable,
  postgresRequired,
  startPostgres,
  type TestPostgres,
} from '../helpers/postgres.js';
import { ReplicaCluster, replicaRepo, sleep } from '../helpers/replica-cluster.js';

/**
 * Three replicas of `gitpoms serve` on a real PostgreSQL, acting on nine campaigns while the
 * faults of a production site happen at random instants: the owner of a campaign SIGKILLed,
 * a replica SIGSTOPped past its lease and woken, every database connection cut, PostgreSQL
 * restarted, a replica leaving and joining. Then: no campaign was acted on by two replicas
 * at once, no submission launched twice, none lost, and every orphan found an owner within
 * 10 s. GITPOMS_REPLICA_TRIALS sets the number of trials (default 2). A pause lands at a
 * random instant, seldom inside a write; src/engine/ownership-fencing.test.ts pins that one.
 */
const run = postgresAvailable || postgresRequired;
const TRIALS = Number(process.env.GITPOMS_REPLICA_TRIALS ?? 2);
const CAMPAIGNS = 9;
const LEASE_S = 2;

let server: TestPostgres | undefined;
const temps: string[] = [];
beforeAll(async () => {
  if (run) server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.destroy();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A small seeded generator: a failing trial can be run again as it was. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

async function until<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

describe.runIf(run)('three replicas under faults', () => {
  it.each(Array.from({ length: TRIALS }, (_, i) => 1000 + i))(
    'trial with seed %i: one actor per campaign, nothing twice, nothing lost, orphans owned within 10 s',
    async (seed) => {
      const rnd = random(seed);
      const pause = () => sleep(300 + rnd() * 1500);
      const repo = mkdtempSync(path.join(tmpdir(), 'gitpoms-rep-repo-'));
      const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-rep-data-'));
      temps.push(repo, dataDir);
      const schema = `rep_${seed}`;
      const campaigns = replicaRepo(repo, CAMPAIGNS, schema);
      const cluster = new ReplicaCluster({
        repo,
        dataDir,
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: tmpdir(),
          DEMO_EVENT_MS: '0',
          GITPOMS_STORE_URL: server!.url,
        },
        leaseSeconds: LEASE_S,
        intervalSeconds: 0.3,
      });
      const failovers: number[] = [];
      /** How long until a campaign `from` held is held by another replica. */
      const failover = async (from: string, campaign: string, t0: number) => {
        await until(`a new owner of ${campaign}`, 10_000, async () => {
          const owners = await cluster.ownerOf(campaign);
          return owners.length && !owners.includes(from) ? owners : undefined;
        });
        failovers.push(Date.now() - t0);
      };
      const someOwned = async () =>
        until('a campaign with an owner', 10_000, async () => {
          const held = [...(await cluster.holdings())].filter(([, cs]) => cs.length);
          if (!held.length) return undefined;
          const [id, cs] = held[Math.floor(rnd() * held.length)]!;
          return { id, campaign: cs[Math.floor(rnd() * cs.length)]! };
        });
      try {
        for (const id of ['r1', 'r2', 'r3']) await cluster.start(id);
        await pause();

        // The owner of a campaign, SIGKILLed in the middle of whatever it does; it comes back.
        const killed = await someOwned();
        const t0 = Date.now();
        cluster.signal(killed.id, 'SIGKILL');
        await failover(killed.id, killed.campaign, t0);
        await cluster.start(killed.id);
        await pause();

        // A replica paused past its lease, then woken: its late writes must be refused.
        const paused = await someOwned();
        const t1 = Date.now();
        cluster.signal(paused.id, 'SIGSTOP');
        await failover(paused.id, paused.campaign, t1);
        await sleep(LEASE_S * 1000 * (0.5 + rnd()));
        cluster.signal(paused.id, 'SIGCONT');
        await pause();

        // Every connection of the replicas cut, then PostgreSQL restarted.
        const admin = await server!.admin();
        await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'gitpoms'",
        );
        await admin.end();
        await pause();
        await server!.stop();
        await sleep(500 + rnd() * 1000);
        await server!.start();
        await pause();

        // A replica leaves (SIGTERM: its leases are released at once) and joins again.
        const leaving = await someOwned();
        const t2 = Date.now();
        cluster.signal(leaving.id, 'SIGTERM');
        await cluster.exited(leaving.id);
        await failover(leaving.id, leaving.campaign, t2);
        await cluster.start(leaving.id);

        // Converged: every campaign's g4 files located.
        const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
        try {
          await until('every campaign done', 180_000, async () =>
            (await catalog.countFiles('gitpoms.stage g4 and availability physical')) >=
            4 * CAMPAIGNS
              ? true
              : undefined,
          );
          // Nothing twice, nothing lost: 4 gen files a campaign, each with exactly one g4 child.
          expect(await catalog.countFiles('gitpoms.stage gen')).toBe(4 * CAMPAIGNS);
          expect(await catalog.countFiles('gitpoms.stage g4')).toBe(4 * CAMPAIGNS);
          for (const f of await catalog.listFiles('gitpoms.stage gen'))
            expect((await catalog.getFile(f))?.children, f).toHaveLength(1);
        } finally {
          await catalog.close();
        }
        await cluster.stopAll();

        // No submission launched twice: each key's jobs are one cluster of the local executor.
        const batch = new LocalExecutor({ root: path.join(dataDir, 'local-batch'), slots: 1 });
        const clusters = new Map<string, Set<string>>();
        for (const j of await batch.observe()) {
          const set = clusters.get(j.submission) ?? new Set<string>();
          set.add(j.id.split('.')[0]!);
          clusters.set(j.submission, set);
        }
        await batch.close();
        expect([...clusters].filter(([, s]) => s.size > 1)).toEqual([]);
        const store = new PostgresStore({ url: server!.url, schema, readonly: true });
        const subs = await store.submissions();
        for (const c of campaigns)
          expect(
            subs.filter((s) => s.campaign === c && s.status === 'located').length,
            c,
          ).toBeGreaterThanOrEqual(4);
        expect(subs.filter((s) => s.status === 'launching')).toEqual([]);

        // One actor per campaign at a time: in the order writes were made, a campaign's
        // fencing token never goes back, and each token is one replica's.
        const writes = await store.fencedWrites();
        await store.close();
        expect(writes.length).toBeGreaterThan(0);
        const last = new Map<string, number>();
        const holder = new Map<number, string>();
        for (const w of writes) {
          expect(w.token, `${w.campaign}: ${w.what}`).toBeGreaterThanOrEqual(
            last.get(w.campaign) ?? 0,
          );
          last.set(w.campaign, w.token);
          expect(holder.get(w.token) ?? w.replica).toBe(w.replica);
          holder.set(w.token, w.replica);
        }
        // Each orphan (killed, paused, leaving) had a new owner within 10 s.
        expect(failovers).toHaveLength(3);
        expect(Math.max(...failovers)).toBeLessThan(10_000);
        console.log(
          `seed ${seed}: failover ms ${failovers.join(', ')}; ${writes.length} fenced writes`,
        );
      } catch (e) {
        for (const r of cluster.replicas.values())
          console.error(`--- ${r.id}\n${r.out.slice(-3000)}`);
        throw e;
      } finally {
        await cluster.stopAll();
      }
    },
    300_000,
  );
});
