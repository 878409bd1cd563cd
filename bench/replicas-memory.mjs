// Replica launch throughput where only the submit's latency counts: replicas in this process,
// each with its own store connection, leases and action queues on the throwaway PostgreSQL,
// sharing the in-memory batch fake (jobs stay idle, so no job takes CPU), whose submit takes
// `latencyMs` as jobsub_submit's seconds do in production.
import { loadSpec } from '../dist/desired/index.js';
import { BatchSet } from '../dist/engine/batches.js';
import { Reconciler } from '../dist/engine/loop.js';
import { closeDeps, openDeps } from '../dist/engine/open-deps.js';
import { PostgresStore } from '../dist/adapters/store/postgres/index.js';
import { replicaLayout, sleep } from '../dist/ops/replica-cluster.js';
import { fsRepo } from '../dist/source/fs-repo.js';
// Compiled by tsconfig.bench.json (npm run bench).
import { MemoryBatch } from '../dist-bench/test/fakes/memory-batch.js';

/** The memory fake, each submit `latencyMs` slower; shared by every replica, as one pool is. */
class SlowBatch extends MemoryBatch {
  constructor(latencyMs) {
    super({ mode: 'manual', name: 'local' });
    this.latencyMs = latencyMs;
  }

  async submit(req) {
    await sleep(this.latencyMs);
    return super.submit(req);
  }

  // Shared: a replica that stops does not end the others' batch system.
  async close() {}
}

let runs = 0;

/** One replica as serve --replica-id wires it: its deps, its leases' timer, its loop. */
function startReplica(repo, dataDir, config, id, batch, env, leaseMs) {
  const deps = openDeps(repo, config, {
    dataDir,
    revision: undefined,
    env,
    replica: { id, ttlMs: leaseMs, marginMs: Math.min(2000, leaseMs / 4) },
  });
  const opened = deps.batch;
  deps.batch = new BatchSet(new Map([['local', batch]]));
  const source = {
    description: repo,
    latest: async () => ({ revision: 'bench', id: 'bench', repo: fsRepo(repo) }),
    checkout: async () => repo,
    byId: async () => undefined,
    watch: async () => async () => {},
    prune: async () => {},
  };
  const reconciler = new Reconciler(deps, source, { intervalMs: 300, pollMs: 60_000 });
  deps.ownership.start(
    () => {},
    (campaigns) => reconciler.trigger('leases taken', campaigns),
  );
  const running = reconciler.run();
  return {
    async stop() {
      reconciler.stop();
      await running;
      await deps.ownership.leave();
      await opened.close();
      await closeDeps(deps);
    },
  };
}

/**
 * Milliseconds from the replicas' start until every gen submission of 100 campaigns is
 * launched, `replicas` of them in this process, each submit `latencyMs` long.
 */
export async function launchAllInProcess(pg, replicas, latencyMs, leaseMs) {
  const schema = `bench_memory_${latencyMs}_${replicas}_${++runs}`;
  const { repo, dataDir, names, remove } = replicaLayout({
    storeUrl: pg.url,
    campaigns: 100,
    schema,
    leaseSeconds: leaseMs / 1000,
    intervalSeconds: 0.3,
  });
  const loaded = loadSpec(fsRepo(repo));
  if (!loaded.desired) throw new Error('the generated repository does not validate');
  const config = loaded.docs.config?.value;
  const env = { ...process.env, GITPOMS_STORE_URL: pg.url };
  const batch = new SlowBatch(latencyMs);
  const store = new PostgresStore({ url: pg.url, schema });
  const want = names.length * 2;
  const started = [];
  const t0 = Date.now();
  let ms;
  try {
    for (let i = 0; i < replicas; i++)
      started.push(startReplica(repo, dataDir, config, `m${i + 1}`, batch, env, leaseMs));
    for (;;) {
      const subs = await store.submissions().catch(() => []);
      if (subs.filter((s) => s.stage === 'gen' && s.status !== 'launching').length >= want) {
        ms = Date.now() - t0;
        break;
      }
      if (Date.now() - t0 > 600_000) throw new Error('not every gen submission launched in 10 min');
      await sleep(25);
    }
  } finally {
    await store.close();
    for (const r of started) await r.stop();
    remove();
  }
  const labels = batch.submitted.map((r) => r.label);
  if (new Set(labels).size !== labels.length)
    throw new Error(`${labels.length - new Set(labels).size} submission(s) launched twice`);
  return ms;
}
