// Replicas on a throwaway PostgreSQL (Debian's packages): how long a SIGKILLed owner's
// campaign waits for a new owner (p50 and max over trials, against the 10 s the design
// promises), and launch throughput of one replica against three on 100 campaigns (the time
// until all 200 gen submissions are launched; ratio one / three):
// - latency-bound, as production is: every submit takes 2 s more (a wrapper around the real
//   sbatch on Slurm; around jobsub_submit on the jobsub_lite and HTCondor fakes, whose jobs
//   run on the local executor);
// - CPU-bound: the local executor and Slurm as they are, on this machine's 2 cores, which the
//   launched jobs share with the replicas;
// - latency alone: on the in-memory batch fake, replicas in this process and no job running,
//   each submit 2 s (the fakes' and Slurm's jobs cannot be kept off these 2 cores; without
//   latency, replicas sharing one thread measure nothing of a deployment).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresStore } from '../dist/adapters/store/postgres/index.js';
import { postgresAvailable, startPostgres } from '../dist/ops/postgres.js';
import { replicaLayout, sleep } from '../dist/ops/replica-cluster.js';
import { slurmUp } from '../dist/ops/slurm.js';
import { launchAllInProcess } from './replicas-memory.mjs';

const LEASE_S = 2;
/** For throughput: the default lease (serve's --lease-seconds), as a deployment runs. */
const THROUGHPUT_LEASE_S = 6;
const SUBMIT_LATENCY_MS = 2000;

const layout = (pg, campaigns, schema, batch = 'local', o = {}) =>
  replicaLayout({
    storeUrl: pg.url,
    campaigns,
    schema,
    leaseSeconds: o.leaseSeconds ?? LEASE_S,
    intervalSeconds: 0.3,
    batch,
    ...(o.env ? { env: o.env } : {}),
  });

const FAKES = ['jobsub', 'condor'].map((f) => path.resolve(`test/fakes/${f}/bin`));

/**
 * The replicas' environment for `batch`, each submit `latencyMs` slower: a directory first on
 * PATH whose sbatch or jobsub_submit sleeps, then runs the real command with its arguments.
 */
function batchEnv(batch, latencyMs) {
  const dirs = [];
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  if (batch === 'jobsub') {
    dirs.push(mkdtempSync(path.join(tmpdir(), 'gitpoms-fake-condor-')));
    env.FAKE_CONDOR_ROOT = dirs[0];
    env.PATH = [...FAKES, env.PATH].join(':');
  }
  if (latencyMs) {
    const bin = batch === 'slurm' ? 'sbatch' : 'jobsub_submit';
    const real = batch === 'slurm' ? '/usr/bin/sbatch' : path.join(FAKES[0], 'jobsub_submit');
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-slow-submit-'));
    dirs.push(dir);
    writeFileSync(
      path.join(dir, bin),
      `#!/bin/sh\nsleep ${latencyMs / 1000}\nexec ${real} "$@"\n`,
      {
        mode: 0o755,
      },
    );
    env.PATH = `${dir}:${env.PATH}`;
  }
  return { env, remove: () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })) };
}

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

/**
 * Milliseconds from the replicas' start until every gen submission of 100 campaigns is
 * launched, each submit `latencyMs` slower.
 */
async function launchAll(pg, replicas, batch = 'local', latencyMs = 0) {
  const schema = `bench_throughput_${batch}_${latencyMs}_${replicas}`;
  const site = batchEnv(batch, latencyMs);
  const { names, cluster, remove, settle } = layout(pg, 100, schema, batch, {
    leaseSeconds: THROUGHPUT_LEASE_S,
    env: site.env,
  });
  const store = new PostgresStore({ url: pg.url, schema });
  const want = names.length * 2;
  // settle() observes the jobs from here, with the replicas' commands.
  const saved = { PATH: process.env.PATH, FAKE_CONDOR_ROOT: process.env.FAKE_CONDOR_ROOT };
  Object.assign(process.env, site.env);
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
    site.remove();
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

/**
 * One throughput case: one replica, then three, on `batch` (`memory`: replicas in this
 * process on the in-memory fake), as a bench row.
 */
async function throughput(pg, batch, latencyMs, what) {
  const run = (n) =>
    batch === 'memory'
      ? launchAllInProcess(pg, n, latencyMs, THROUGHPUT_LEASE_S * 1000)
      : launchAll(pg, n, batch, latencyMs);
  const one = await run(1);
  const three = await run(3);
  return {
    name: `replica throughput: 200 gen launches of 100 campaigns ${what}, three replicas vs one (ratio one / three; lease ${THROUGHPUT_LEASE_S} s, 2 cores)`,
    subjectMs: three,
    baselineMs: one,
    ratio: one / three,
    goal: { min: latencyMs ? 2.5 : 0.9 },
  };
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
      const slow = `each submit ${SUBMIT_LATENCY_MS / 1000} s slower`;
      out.push(
        await throughput(
          pg,
          'memory',
          SUBMIT_LATENCY_MS,
          `on the in-memory fake (replicas in one process, no job runs), ${slow}`,
        ),
        await throughput(
          pg,
          'jobsub',
          SUBMIT_LATENCY_MS,
          `through the jobsub_lite and HTCondor fakes, ${slow}`,
        ),
        await throughput(pg, 'local', 0, 'on the local executor'),
      );
      if (!slurmUp())
        out.push({
          name: 'replica throughput on Slurm',
          skipped: 'Slurm is not up (bash scripts/slurm.sh start)',
        });
      else
        out.push(
          await throughput(pg, 'slurm', SUBMIT_LATENCY_MS, `on Slurm (one node), ${slow}`),
          await throughput(pg, 'slurm', 0, 'on Slurm (one node)'),
        );
    }
    return out;
  } finally {
    await pg.destroy();
  }
}
