// Launch throughput and observe time on a real Slurm (scripts/slurm.sh start), side by side
// with bare commands: 1,000 jobs submitted by gitpoms one submission per job, and as one
// submission (a job array), against a bare `sbatch` loop of the same jobs; one gitpoms
// observation against a bare `squeue --json` of the same queue. Jobs go to a partition that
// is down, so nothing runs while measuring; they are cancelled afterwards. Then one full
// reconcile pass over the 7,000 of them that are submissions of 100 SBND campaigns (the
// store holds their launches), against the observation alone.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { SlurmBatch } from '../dist/adapters/batch/slurm/index.js';
import { SqliteStore } from '../dist/adapters/store/sqlite/index.js';
import { loadSpec } from '../dist/desired/index.js';
import { openDeps } from '../dist/engine/open-deps.js';
import { reconcileOnce } from '../dist/engine/pass.js';
import { fsRepo } from '../dist/source/fs-repo.js';
import { STAGES, submission } from './local-scale.mjs';
import { writeScaleRepo } from './scale.mjs';
import { timed as median } from './timing.mjs';

const run = promisify(execFile);
const N = 1000;
const PARTITION = 'gitpomsbench';
/** The 7,000 jobs of their own: 100 SBND campaigns, 14 submissions of one job per stage. */
const CAMPAIGNS = 100;
const PER_STAGE = 14;

/** `gitpoms` campaigns whose submissions the 7,000 jobs are, and their keys in submit order. */
function passRepo(dir) {
  const names = writeScaleRepo(dir, CAMPAIGNS);
  for (const n of names) {
    const f = path.join(dir, 'campaigns/sbnd', `${n}.yaml`);
    writeFileSync(
      f,
      readFileSync(f, 'utf8').replace('submissions: 2', `submissions: ${PER_STAGE}`),
    );
  }
  return names.flatMap((c) =>
    STAGES.flatMap((stage) =>
      Array.from({ length: PER_STAGE }, (_, i) => submission(c, stage, i + 1)),
    ),
  );
}

/**
 * One reconcile pass against the observation alone, on Slurm's queue: the store holds every
 * submission as launched, their jobs wait in the down partition, so the pass has nothing to
 * do but must observe, read and plan them all.
 */
async function slurmPass(dir, subs, b) {
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const seed = new SqliteStore(path.join(dataDir, 'state.sqlite'));
  await Promise.all(
    subs.map(async (sub) =>
      seed.finishLaunch(await seed.beginLaunch(sub, 'bench', 'slurm'), { ok: true }),
    ),
  );
  await seed.close();
  const loaded = loadSpec(fsRepo(dir));
  if (!loaded.desired) throw new Error('the generated repository does not validate');
  const deps = openDeps(dir, loaded.config, {
    dataDir,
    revision: 'bench',
    env: { PATH: process.env.PATH },
  });
  // The jobs were submitted to the bench's partition under the bench's namespace.
  deps.batch = b;
  try {
    let actions = 0;
    const subjectMs = await median(async () => {
      actions = (await reconcileOnce(deps, loaded.desired)).plan.actions.length;
    });
    if (actions !== 0) throw new Error(`the steady-state pass planned ${actions} actions`);
    const baselineMs = await median(() => b.observe());
    return { subjectMs, baselineMs };
  } finally {
    await deps.store.close();
    await deps.catalog.close();
    deps.unlock();
  }
}

function slurmUp() {
  try {
    return execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8' }).includes('idle');
  } catch {
    return false;
  }
}

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function slurmThroughput() {
  if (!slurmUp())
    return [{ name: 'slurm throughput', skipped: 'no Slurm here (sudo scripts/slurm.sh start)' }];
  execFileSync('scontrol', ['create', `PartitionName=${PARTITION}`, 'Nodes=ALL', 'State=DOWN']);
  const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-bench-slurm-'));
  const job = { argv: ['/bin/true'], env: { PATH: '/usr/bin:/bin' } };
  // A namespace of this run's own: jobs of an earlier run, finished, stay in Slurm's records.
  const b = new SlurmBatch({ root, namespace: `bench-${process.pid}`, partition: PARTITION });
  try {
    const bare = await timed(async () => {
      for (let i = 0; i < N; i++)
        await run('sbatch', [
          '--parsable',
          `--partition=${PARTITION}`,
          '-o',
          '/dev/null',
          '--comment=bare',
          '--wrap',
          'true',
        ]);
    });
    const oneIds = [];
    const perJob = await timed(async () => {
      for (let i = 0; i < N; i++)
        oneIds.push(...(await b.submit({ label: `bench/one/mc-${i}#1`, jobs: [job] })));
    });
    let arrayIds = [];
    const array = await timed(
      async () =>
        (arrayIds = await b.submit({ label: 'bench/array/all#1', jobs: Array(N).fill(job) })),
    );
    const squeue = await timed(() => run('squeue', ['--json'], { maxBuffer: 1 << 30 }));
    let seen = 0;
    const observe = await timed(async () => {
      seen = (await b.observe()).length;
    });
    if (seen !== 2 * N) throw new Error(`observe saw ${seen} jobs, not ${2 * N}`);
    // Grow the queue to 10,000 jobs with 7,000 more of their own: squeue lists a pending
    // array as one record, and a job of its own as one record.
    const passDir = path.join(root, 'pass');
    const subs = passRepo(passDir);
    for (const sub of subs) await b.submit({ label: sub.key, jobs: [job] });
    const squeue10k = await timed(() => run('squeue', ['--json'], { maxBuffer: 1 << 30 }));
    const observe10k = await timed(async () => {
      seen = (await b.observe()).length;
    });
    if (seen !== 9 * N) throw new Error(`observe saw ${seen} jobs, not ${9 * N}`);
    const records = JSON.parse((await run('squeue', ['--json'], { maxBuffer: 1 << 30 })).stdout)
      .jobs.length;
    // The full pass sees only the campaigns' jobs: the others are cancelled first.
    execFileSync('scancel', [...new Set([...oneIds, ...arrayIds].map((id) => id.split('_')[0]))]);
    const waiting = async () =>
      (await b.observe()).filter((j) => j.state === 'idle' || j.state === 'running').length;
    for (let t = 0; t < 100 && (await waiting()) !== subs.length; t++)
      await new Promise((r) => setTimeout(r, 200));
    const pass = await slurmPass(passDir, subs, b);
    return [
      {
        name: `slurm: ${N} jobs, one gitpoms submission each, vs a bare sbatch loop (throughput ratio)`,
        subjectMs: perJob,
        baselineMs: bare,
        ratio: bare / perJob,
        goal: { min: 0.8 },
      },
      {
        name: `slurm: ${N} jobs as one gitpoms submission (an array) vs a bare sbatch loop (throughput ratio)`,
        subjectMs: array,
        baselineMs: bare,
        ratio: bare / array,
        goal: { min: 5 },
      },
      {
        name: `slurm: one gitpoms observation of ${3 * N} queued jobs vs bare squeue --json (time ratio)`,
        subjectMs: observe,
        baselineMs: squeue,
        ratio: observe / squeue,
        goal: { max: 1.5 },
      },
      {
        name: `slurm: one gitpoms observation of ${10 * N} queued jobs (${records} squeue records: one array of ${N}, the rest one job each) vs bare squeue --json (time ratio)`,
        subjectMs: observe10k,
        baselineMs: squeue10k,
        ratio: observe10k / squeue10k,
        goal: { max: 1.5 },
      },
      {
        name: `slurm: one full reconcile pass, ${CAMPAIGNS} campaigns, ${subs.length} submissions of one queued job each, vs the observation alone (time ratio)`,
        ...pass,
        ratio: pass.subjectMs / pass.baselineMs,
        goal: { max: 1.5 },
      },
    ];
  } finally {
    execFileSync('scancel', ['--partition', PARTITION]);
    // The cancelled jobs leave the partition within a moment.
    for (let i = 0; i < 50; i++) {
      try {
        execFileSync('scontrol', ['delete', `PartitionName=${PARTITION}`], { stdio: 'ignore' });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    rmSync(root, { recursive: true, force: true });
  }
}
