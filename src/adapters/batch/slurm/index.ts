import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AdapterError } from '../../../errors.js';
import { distEntry } from '../../../paths.js';
import { batchCommand, confirm, ownJobs } from '../command.js';
import { jobsubShim } from '../shim.js';
import type { Batch, BatchJob, JobLogs, SubmitRequest } from '../types.js';
import {
  jobState,
  parseJobcomp,
  parseSacct,
  parseSqueueJson,
  SACCT_FORMAT,
  type SlurmRecord,
} from './parse.js';

export interface SlurmOptions {
  /** Where submissions' task files and logs live (a shared filesystem on a real cluster). */
  root: string;
  /** Jobs carry `gitpoms:<namespace>:<label>` as their comment; observe() sees only this namespace's. */
  namespace: string;
  partition?: string;
  /**
   * Where the end of a job slurmctld no longer remembers is read: `sacct` (slurmdbd) or the
   * jobcomp/filetxt log. Default: the log.
   */
  finishedFrom?: 'sacct' | 'jobcomp';
  /** jobcomp/filetxt log, read for jobs slurmctld no longer remembers. */
  jobcompLog?: string;
  /** Seconds a Slurm command may take (slurmctld down: sbatch and squeue retry ~9 s first). */
  timeoutSeconds?: number;
}

interface Submitted {
  label: string;
  arrayId: string;
  dir: string;
  tasks: number;
}

/**
 * Slurm through its commands, as argument vectors: one `sbatch --array` per submission
 * (each task runs its own argument vector), one `squeue --json` per observation (plus one
 * `sacct` or a read of the jobcomp log for tasks slurmctld has forgotten), holds as
 * `scontrol hold`/`suspend`, releases as `release`/`resume`, kills as `scancel` — each
 * checked afterwards, since Slurm answers 0 to a cancel of an unknown id.
 */
export class SlurmBatch implements Batch {
  readonly name = 'slurm';
  private readonly index: string;

  constructor(private readonly opts: SlurmOptions) {
    mkdirSync(opts.root, { recursive: true });
    this.index = path.join(opts.root, 'submissions.jsonl');
  }

  private cmd(bin: string, args: string[]): Promise<string> {
    return batchCommand('slurm', bin, args, this.opts.timeoutSeconds ?? 60);
  }

  /** One line per submission, appended: a submit never rewrites what came before. */
  private submitted(): Submitted[] {
    if (!existsSync(this.index)) return [];
    return readFileSync(this.index, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Submitted);
  }

  private comment(label: string): string {
    return `gitpoms:${this.opts.namespace}:${label}`;
  }

  async submit(req: SubmitRequest): Promise<string[]> {
    if (req.jobs.length === 0) return [];
    const dir = path.join(
      this.opts.root,
      'jobs',
      `${req.label.replace(/[^A-Za-z0-9]+/g, '_')}_${Date.now().toString(36)}`,
    );
    mkdirSync(dir, { recursive: true });
    req.jobs.forEach((j, i) => writeFileSync(path.join(dir, `task-${i}.json`), JSON.stringify(j)));
    const script = path.join(dir, 'run.sh');
    // The same two lines for every submission: nothing from the job specs reaches a shell.
    writeFileSync(
      script,
      `#!/bin/sh\nexec "${process.execPath}" "${distEntry('bin/task.js')}" "$1"\n`,
      {
        mode: 0o755,
      },
    );
    const out = await this.cmd('sbatch', [
      '--parsable',
      `--array=0-${req.jobs.length - 1}`,
      '--job-name=gitpoms',
      `--comment=${this.comment(req.label)}`,
      `--chdir=${dir}`,
      `--output=${dir}/%a.out`,
      `--error=${dir}/%a.err`,
      ...(this.opts.partition ? [`--partition=${this.opts.partition}`] : []),
      script,
      dir,
    ]);
    const arrayId = out.trim().split(';')[0]!;
    if (!/^\d+$/.test(arrayId))
      throw new AdapterError('slurm', `sbatch printed "${out.trim()}", not a job id`, {
        retryable: false,
      });
    appendFileSync(
      this.index,
      `${JSON.stringify({ label: req.label, arrayId, dir, tasks: req.jobs.length })}\n`,
    );
    return req.jobs.map((_, i) => `${arrayId}_${i}`);
  }

  private toJob(r: SlurmRecord, label: string, dir: string | undefined): BatchJob {
    const s = jobState(r);
    const task = r.id.split('_')[1];
    return {
      id: r.id,
      submission: label,
      state: s.state,
      ...(s.exitCode !== undefined && (s.state === 'completed' || s.state === 'removed')
        ? { exitCode: s.exitCode }
        : {}),
      ...(s.heldReason ? { heldReason: s.heldReason } : {}),
      ...(r.node ? { node: r.node } : {}),
      ...(r.start ? { startedAt: new Date(r.start * 1000).toISOString() } : {}),
      ...(r.end && (s.state === 'completed' || s.state === 'removed')
        ? { endedAt: new Date(r.end * 1000).toISOString() }
        : {}),
      // sacct's Elapsed and TotalCPU where accounting has them (TotalCPU is 0 where the site
      // gathers no job accounting, JobAcctGatherType=jobacct_gather/none); else the wall time from the
      // start and end the jobcomp log gives (it has no CPU time).
      ...(s.state === 'completed' && r.elapsed !== undefined
        ? { wallSeconds: r.elapsed }
        : r.start && r.end && r.end >= r.start && s.state === 'completed'
          ? { wallSeconds: r.end - r.start }
          : {}),
      ...(s.state === 'completed' && r.cpu !== undefined ? { cpuSeconds: r.cpu } : {}),
      ...(dir && task !== undefined ? { logPath: path.join(dir, `${task}.out`) } : {}),
    };
  }

  async observe(): Promise<BatchJob[]> {
    let records: SlurmRecord[];
    try {
      records = parseSqueueJson(await this.cmd('squeue', ['--json']));
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      throw new AdapterError('slurm', (e as Error).message, { retryable: true, cause: e });
    }
    const subs = this.submitted();
    const dirOf = new Map(subs.map((s) => [s.arrayId, s]));
    const prefix = `gitpoms:${this.opts.namespace}:`;
    const out: BatchJob[] = [];
    const seen = new Set<string>();
    for (const r of records) {
      if (!r.comment.startsWith(prefix)) continue;
      seen.add(r.id);
      out.push(this.toJob(r, r.comment.slice(prefix.length), dirOf.get(r.id.split('_')[0]!)?.dir));
    }
    // Tasks slurmctld has forgotten (MinJobAge passed): their end from the jobcomp log.
    const missing = subs.flatMap((s) =>
      Array.from({ length: s.tasks }, (_, i) => ({ s, id: `${s.arrayId}_${i}` })).filter(
        (x) => !seen.has(x.id),
      ),
    );
    if (missing.length) {
      const done = new Map(
        (await this.finished([...new Set(missing.map((x) => x.s.arrayId))])).map((r) => [r.id, r]),
      );
      for (const { s, id } of missing) {
        const r = done.get(id);
        out.push(
          r
            ? this.toJob(r, s.label, s.dir)
            : {
                id,
                submission: s.label,
                state: 'removed',
                heldReason: 'Slurm no longer knows this job',
              },
        );
      }
    }
    return out;
  }

  /** Records of jobs slurmctld has forgotten: sacct, one call for all of them, or the jobcomp log. */
  private async finished(arrayIds: string[]): Promise<SlurmRecord[]> {
    if (this.opts.finishedFrom === 'sacct') {
      const out = await this.cmd('sacct', [
        '-P',
        '-n',
        `--format=${SACCT_FORMAT}`,
        '-j',
        arrayIds.join(','),
      ]);
      try {
        return parseSacct(out);
      } catch (e) {
        throw new AdapterError('slurm', (e as Error).message, { retryable: true, cause: e });
      }
    }
    const log = this.opts.jobcompLog;
    return log && existsSync(log) ? parseJobcomp(readFileSync(log, 'utf8')) : [];
  }

  private states(ids: readonly string[]): Promise<Map<string, BatchJob>> {
    return ownJobs('slurm', () => this.observe(), ids);
  }

  private verify(ids: readonly string[], ok: (j: BatchJob) => boolean, what: string) {
    return confirm('slurm', () => this.observe(), ids, ok, what);
  }

  async hold(ids: readonly string[]): Promise<void> {
    const all = await this.states(ids);
    const pending = ids.filter((id) => all.get(id)!.state === 'idle');
    const running = ids.filter((id) => all.get(id)!.state === 'running');
    // A hold does nothing to a running job in Slurm: suspend it instead.
    if (pending.length) await this.cmd('scontrol', ['hold', pending.join(',')]);
    for (const id of running) await this.cmd('scontrol', ['suspend', id]);
    await this.verify(ids, (j) => j.state !== 'idle' && j.state !== 'running', 'hold');
  }

  async release(ids: readonly string[]): Promise<void> {
    const all = await this.states(ids);
    const suspended = ids.filter((id) => all.get(id)!.heldReason === 'suspended');
    const held = ids.filter((id) => all.get(id)!.state === 'held' && !suspended.includes(id));
    if (held.length) await this.cmd('scontrol', ['release', held.join(',')]);
    for (const id of suspended) await this.cmd('scontrol', ['resume', id]);
    await this.verify(ids, (j) => j.state !== 'held', 'release');
  }

  async kill(ids: readonly string[]): Promise<void> {
    await this.states(ids);
    await this.cmd('scancel', [...ids]);
    await this.verify(ids, (j) => j.state === 'removed' || j.state === 'completed', 'kill');
  }

  async logs(id: string): Promise<JobLogs> {
    const [arrayId, task] = id.split('_');
    const s = this.submitted().find((x) => x.arrayId === arrayId);
    if (!s || task === undefined)
      throw new AdapterError('slurm', `no job ${id} of this reconciler`, { retryable: false });
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return {
      stdout: read(path.join(s.dir, `${task}.out`)),
      stderr: read(path.join(s.dir, `${task}.err`)),
    };
  }

  /** A submission script's jobsub_submit submits here, as array tasks labelled like any other. */
  launchEnvironment(): { path: string[]; env: Record<string, string> } {
    return jobsubShim(path.join(this.opts.root, 'bin'), {
      kind: 'slurm',
      root: this.opts.root,
      namespace: this.opts.namespace,
      ...(this.opts.partition ? { partition: this.opts.partition } : {}),
    });
  }

  async close(): Promise<void> {}
}
