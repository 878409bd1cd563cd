// Launch throughput and observe time on a real Slurm (scripts/slurm.sh start), side by side
// with bare commands: 1,000 jobs submitted by gitpoms one submission per job, and as one
// submission (a job array), against a bare `sbatch` loop of the same jobs; one gitpoms
// observation against a bare `squeue --json` of the same queue. Jobs go to a partition that
// is down, so nothing runs while measuring; they are cancelled afterwards.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { SlurmBatch } from '../dist/adapters/batch/slurm/index.js';

const run = promisify(execFile);
const N = 1000;
const PARTITION = 'gitpomsbench';

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
  const b = new SlurmBatch({ root, namespace: 'bench', partition: PARTITION });
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
    const perJob = await timed(async () => {
      for (let i = 0; i < N; i++) await b.submit({ label: `bench/one/mc-${i}#1`, jobs: [job] });
    });
    const array = await timed(() =>
      b.submit({ label: 'bench/array/all#1', jobs: Array(N).fill(job) }),
    );
    const squeue = await timed(() => run('squeue', ['--json'], { maxBuffer: 1 << 30 }));
    let seen = 0;
    const observe = await timed(async () => {
      seen = (await b.observe()).length;
    });
    if (seen !== 2 * N) throw new Error(`observe saw ${seen} jobs, not ${2 * N}`);
    // Grow the queue to 10,000 jobs with 7,000 more of their own: squeue lists a pending
    // array as one record, and a job of its own as one record.
    for (let i = 0; i < 7 * N; i++) await b.submit({ label: `bench/many/mc-${i}#1`, jobs: [job] });
    const squeue10k = await timed(() => run('squeue', ['--json'], { maxBuffer: 1 << 30 }));
    const observe10k = await timed(async () => {
      seen = (await b.observe()).length;
    });
    if (seen !== 9 * N) throw new Error(`observe saw ${seen} jobs, not ${9 * N}`);
    const records = JSON.parse((await run('squeue', ['--json'], { maxBuffer: 1 << 30 })).stdout)
      .jobs.length;
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
