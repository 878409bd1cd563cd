import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { AdapterError } from '../../../errors.js';
import { distEntry } from '../../../paths.js';
import { jobsubShim } from '../shim.js';
import type { Batch, BatchJob, JobLogs, SubmitRequest } from '../types.js';
import {
  endJobProcesses,
  isAlive,
  lockOwner,
  jobFiles,
  readJson,
  recordLost,
  writeJsonAtomic,
  type LocalJobSpecFile,
  type LocalJobState,
} from './files.js';

const SUPERVISOR = distEntry('bin/local-supervisor.js');

export interface LocalExecutorOptions {
  /** Where the executor keeps its jobs; it survives restarts of the reconciler. */
  root: string;
  /** Jobs that run at once (the size of the batch pool). */
  slots: number;
}

function fail(message: string, retryable: boolean, cause?: unknown): never {
  throw new AdapterError('local', message, { retryable, cause });
}

/**
 * The embedded batch system: each job is a child process run by a detached supervisor
 * (src/bin/local-supervisor.ts), so jobs outlive the reconciler; all state is files under `root`.
 * Job ids look like HTCondor's: CLUSTER.PROC@local.
 */
export class LocalExecutor implements Batch {
  readonly name = 'local';
  private readonly jobsDir: string;
  private readonly slotsDir: string;
  private readonly stagingDir: string;
  private readonly binDir: string;

  constructor(private readonly opts: LocalExecutorOptions) {
    if (!existsSync(SUPERVISOR))
      fail(`the job supervisor ${SUPERVISOR} is missing; run npm run build`, false);
    this.jobsDir = path.join(opts.root, 'jobs');
    this.slotsDir = path.join(opts.root, 'slots');
    this.stagingDir = path.join(opts.root, 'staging');
    for (const d of [this.jobsDir, this.slotsDir, this.stagingDir])
      mkdirSync(d, { recursive: true });
    this.binDir = path.join(opts.root, 'bin');
  }

  /** A new cluster number: mkdir is atomic, so two submitters never share one. */
  private newCluster(): number {
    const existing = readdirSync(this.jobsDir)
      .concat(readdirSync(this.stagingDir))
      .map(Number)
      .filter(Number.isInteger);
    let n = Math.max(0, ...existing) + 1;
    for (;;) {
      try {
        mkdirSync(path.join(this.stagingDir, String(n)));
        return n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        n++;
      }
    }
  }

  private dirOf(id: string): string {
    const m = /^(\d+)\.(\d+)@local$/.exec(id);
    if (!m) fail(`"${id}" is not a local job id (CLUSTER.PROC@local)`, false);
    return path.join(this.jobsDir, m[1]!, m[2]!);
  }

  private startSupervisor(dir: string): void {
    const child = spawn(
      process.execPath,
      [SUPERVISOR, dir, this.slotsDir, String(this.opts.slots)],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
    child.unref();
  }

  /** All of a submission's jobs appear at once (one rename), so a crash never leaves half a submission. */
  async submit(req: SubmitRequest): Promise<string[]> {
    if (req.jobs.length === 0) fail(`submission ${req.label} has no jobs`, false);
    const cluster = this.newCluster();
    const staging = path.join(this.stagingDir, String(cluster));
    const now = new Date().toISOString();
    const ids = req.jobs.map((job, proc) => {
      const id = `${cluster}.${proc}@local`;
      const dir = path.join(staging, String(proc));
      mkdirSync(dir);
      const spec: LocalJobSpecFile = {
        id,
        label: req.label,
        argv: job.argv,
        env: job.env,
        ...(job.cwd ? { cwd: job.cwd } : {}),
        submittedAt: now,
      };
      writeJsonAtomic(jobFiles(dir).spec, spec);
      return id;
    });
    renameSync(staging, path.join(this.jobsDir, String(cluster)));
    for (let proc = 0; proc < ids.length; proc++)
      this.startSupervisor(path.join(this.jobsDir, String(cluster), String(proc)));
    return ids;
  }

  /**
   * Every job, in one sweep of the job directories. Jobs whose supervisor is gone are
   * looked after here: not yet started → a new supervisor; started → reported removed
   * (the job is lost, never rerun behind the reconciler's back).
   */
  async observe(): Promise<BatchJob[]> {
    let clusters: string[];
    try {
      clusters = readdirSync(this.jobsDir);
    } catch (e) {
      fail(`cannot read ${this.jobsDir}: ${(e as Error).message}`, true, e);
    }
    const out: BatchJob[] = [];
    for (const c of clusters.filter((n) => /^\d+$/.test(n))) {
      for (const p of readdirSync(path.join(this.jobsDir, c)).filter((n) => /^\d+$/.test(n))) {
        const dir = path.join(this.jobsDir, c, p);
        const f = jobFiles(dir);
        const spec = readJson<LocalJobSpecFile>(f.spec);
        if (!spec) continue;
        let st = readJson<LocalJobState>(f.state) ?? { state: 'idle' };
        const live = st.state === 'idle' || st.state === 'held' || st.state === 'running';
        if (live && !isAlive(st.supervisorPid)) {
          if (st.state === 'running' || (st.state === 'held' && st.startedAt)) {
            // Lost only once nothing of it runs; until then it counts as running.
            if (!isAlive(lockOwner(f.lock)) && (await endJobProcesses(dir, st.pid))) {
              st = recordLost(f.state);
            }
          } else if (!isAlive(lockOwner(f.lock))) {
            this.startSupervisor(dir);
          }
        }
        out.push(this.toJob(spec, st, f.stdout));
      }
    }
    return out;
  }

  private toJob(spec: LocalJobSpecFile, st: LocalJobState, logPath: string): BatchJob {
    const j: BatchJob = { id: spec.id, submission: spec.label, state: st.state, logPath };
    if (st.exitCode !== undefined) j.exitCode = st.exitCode;
    if (st.state === 'held' && st.reason) j.heldReason = st.reason;
    if (st.endedAt) j.endedAt = st.endedAt;
    if (st.node) j.node = st.node;
    if (st.startedAt) j.startedAt = st.startedAt;
    if (st.cpuSeconds !== undefined) j.cpuSeconds = st.cpuSeconds;
    if (st.wallSeconds !== undefined) j.wallSeconds = st.wallSeconds;
    return j;
  }

  private control(ids: readonly string[], want: 'hold' | 'release' | 'kill'): void {
    for (const id of ids) {
      const dir = this.dirOf(id);
      if (!existsSync(jobFiles(dir).spec)) fail(`no local job ${id}`, false);
      writeJsonAtomic(jobFiles(dir).control, { want, at: new Date().toISOString() });
    }
  }

  async hold(ids: readonly string[]): Promise<void> {
    this.control(ids, 'hold');
  }

  async release(ids: readonly string[]): Promise<void> {
    this.control(ids, 'release');
  }

  async kill(ids: readonly string[]): Promise<void> {
    this.control(ids, 'kill');
  }

  async logs(id: string): Promise<JobLogs> {
    const f = jobFiles(this.dirOf(id));
    const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
    return { stdout: read(f.stdout), stderr: read(f.stderr) };
  }

  launchEnvironment(): { path: string[]; env: Record<string, string> } {
    return jobsubShim(this.binDir, { kind: 'local', root: this.opts.root, slots: this.opts.slots });
  }

  async close(): Promise<void> {
    // Jobs keep running under their supervisors.
  }
}
