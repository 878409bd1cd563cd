// Replicas on a throwaway PostgreSQL (Debian's packages): how long a SIGKILLed owner's
// campaign waits for a new owner (p50 and max over trials, against the 10 s the design
// promises), and launch throughput of one replica against three on 100 campaigns on the local
// executor and on Slurm (the time until all 200 gen submissions are launched; ratio one /
// three).
import { PostgresStore } from '../dist/adapters/store/postgres/index.js';
import { postgresAvailable, startPostgres } from '../dist/ops/postgres.js';
import { replicaLayout, sleep } from '../dist/ops/replica-cluster.js';
import { slurmUp } from '../dist/ops/slurm.js';

const LEASE_S = 2;

const layout = (pg, campaigns, schema, batch = 'local') =>
  replicaLayout({
    storeUrl: pg.url,
    campaigns,
    schema,
    leaseSeconds: LEASE_S,
    intervalSeconds: 0.3,
    batch,
  });

async function failover(pg, trials) {
  const { cluster, remove, settle } = layout(pg, 9, 'bench_failover');
  const times = [];
  try {
    for (const id of ['r1', 'r2', 'r3']) await cluster.start(id);
    for (let t = 0; t < trials; t++) {
      let victim;
      while (!victim) {
        const held = [...(await cluster.holdings())].filter(([, cs]) => cs.length);
        if (held.length)
          victim = { id: held[t % held.length][0], campaign: held[t % held.length][1][0] };
        else await sleep(100);
      }
      const t0 = Date.now();
      cluster.signal(victim.id, 'SIGKILL');
      for (;;) {
        const owners = await cluster.ownerOf(victim.campaign);
        if (owners.length && !owners.includes(victim.id)) break;
        if (Date.now() - t0 > 30_000) throw new Error(`no new owner of ${victim.campaign} in 30 s`);
        await sleep(50);
      }
      times.push(Date.now() - t0);
      await cluster.exited(victim.id);
      await cluster.start(victim.id);
      await sleep(1000);
    }
  } finally {
    await cluster.stopAll();
    await settle();
    remove();
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], max: times.at(-1), n: times.length };
}

/** Milliseconds from the replicas' start until every gen submission of 100 campaigns is launched. */
async function launchAll(pg, replicas, batch = 'local') {
  const schema = `bench_throughput_${batch}_${replicas}`;
  const { names, cluster, remove, settle } = layout(pg, 100, schema, batch);
  const store = new PostgresStore({ url: pg.url, schema });
  const want = names.length * 2;
  try {
    const t0 = Date.now();
    // Started together, so none gets a head start on the campaigns.
    await Promise.all(Array.from({ length: replicas }, (_, i) => cluster.start(`r${i + 1}`)));
    for (;;) {
      const subs = await store.submissions().catch(() => []);
      if (subs.filter((s) => s.stage === 'gen' && s.status !== 'launching').length >= want)
        return Date.now() - t0;
      if (Date.now() - t0 > 600_000) throw new Error('not every gen submission launched in 10 min');
      await sleep(200);
    }
  } finally {
    await store.close();
    await cluster.stopAll();
    await settle();
    remove();
  }
}

export async function replicaBench({ short = false } = {}) {
  if (!postgresAvailable)
    return [
      { name: 'replica failover', skipped: "PostgreSQL 15 (Debian's postgresql) is not installed" },
    ];
  const pg = await startPostgres();
  try {
    const f = await failover(pg, short ? 3 : 10);
    const out = [
      {
        name: `replica failover: a SIGKILLed owner's campaign has a new owner, p50 of ${f.n} (lease ${LEASE_S} s) vs the 10 s promised`,
        subjectMs: f.p50,
        baselineMs: 10_000,
        ratio: f.p50 / 10_000,
        goal: { max: 1 },
      },
      {
        name: `replica failover: the longest of ${f.n} vs the 10 s promised`,
        subjectMs: f.max,
        baselineMs: 10_000,
        ratio: f.max / 10_000,
        goal: { max: 1 },
      },
    ];
    if (short)
      out.push({
        name: 'replica throughput',
        skipped: 'not in the short profile (npm run bench runs it)',
      });
    else {
      const one = await launchAll(pg, 1);
      const three = await launchAll(pg, 3);
      out.push({
        name: 'replica throughput: 200 gen launches of 100 campaigns on the local executor, three replicas vs one (ratio one / three; 2 cores)',
        subjectMs: three,
        baselineMs: one,
        ratio: one / three,
      });
      if (!slurmUp())
        out.push({
          name: 'replica throughput on Slurm',
          skipped: 'Slurm is not up (bash scripts/slurm.sh start)',
        });
      else {
        const one = await launchAll(pg, 1, 'slurm');
        const three = await launchAll(pg, 3, 'slurm');
        out.push({
          name: 'replica throughput: 200 gen launches of 100 campaigns on Slurm (one node), three replicas vs one (ratio one / three; 2 cores)',
          subjectMs: three,
          baselineMs: one,
          ratio: one / three,
        });
      }
    }
    return out;
  } finally {
    await pg.destroy();
  }
}
