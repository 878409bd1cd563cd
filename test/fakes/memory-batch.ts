import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type {
  Batch,
  BatchJob,
  JobLogs,
  JobSpec,
  SubmitRequest,
} from '../../src/adapters/batch/types.js';
import { AdapterError } from '../../src/errors.js';

interface MemoryJob {
  job: BatchJob;
  spec: JobSpec;
  logs: JobLogs;
  child?: ChildProcess;
  /** Held before it started: it starts when released. */
  heldIdle?: boolean;
}

function signal(j: MemoryJob, sig: NodeJS.Signals): void {
  if (j.child?.pid === undefined) return;
  try {
    process.kill(-j.child.pid, sig);
  } catch (e) {
    // The job ended between the state check and the signal.
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * A batch system in this process's memory, for engine tests.
 * - `processes` (the default) runs each job as a child of this process, with no supervisor,
 *   no state files and no polling: `settled()` resolves when every job has ended.
 * - `manual` runs nothing: jobs stay idle until the test says how they end (`finish`), so
 *   a test of the reconciler's bookkeeping launches without running the demo's jobs.
 * `submitted` keeps every request, in order, for tests that check what was sent.
 */
export class MemoryBatch implements Batch {
  readonly name: string;
  readonly submitted: SubmitRequest[] = [];
  private readonly jobs = new Map<string, MemoryJob>();
  private readonly events = new EventEmitter();
  private next = 1;

  constructor(
    private readonly opts: {
      mode?: 'processes' | 'manual';
      name?: string;
      clock?: () => Date;
    } = {},
  ) {
    this.name = opts.name ?? 'memory';
  }

  private now(): string {
    return (this.opts.clock ?? (() => new Date()))().toISOString();
  }

  private get(id: string): MemoryJob {
    const j = this.jobs.get(id);
    if (!j)
      throw new AdapterError(this.name, `no job ${id} in this batch system`, { retryable: false });
    return j;
  }

  async submit(req: SubmitRequest): Promise<string[]> {
    this.submitted.push(structuredClone(req));
    return req.jobs.map((spec) => {
      const id = `${this.next++}.0@memory`;
      this.jobs.set(id, {
        job: { id, submission: req.label, state: 'idle' },
        spec,
        logs: { stdout: '', stderr: '' },
      });
      if ((this.opts.mode ?? 'processes') === 'processes') this.start(id);
      return id;
    });
  }

  private start(id: string): void {
    const j = this.get(id);
    j.job = { ...j.job, state: 'running', node: 'memory', startedAt: this.now() };
    const child = spawn(j.spec.argv[0]!, j.spec.argv.slice(1), {
      env: j.spec.env,
      ...(j.spec.cwd ? { cwd: j.spec.cwd } : {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so a hold stops and a kill ends the job's children too.
      detached: true,
    });
    j.child = child;
    child.stdout.on('data', (d: Buffer) => (j.logs.stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (j.logs.stderr += d.toString()));
    child.on('error', (e) => {
      j.logs.stderr += `${j.spec.argv[0]}: ${e.message}\n`;
      this.end(id, 127);
    });
    child.on('close', (code, signal) => {
      if (j.job.state !== 'removed') this.end(id, code ?? 128 + (signal === 'SIGKILL' ? 9 : 15));
    });
  }

  private end(id: string, exitCode: number | null, state: 'completed' | 'removed' = 'completed') {
    const j = this.get(id);
    if (j.job.state === 'completed' || j.job.state === 'removed') return;
    j.job = { ...j.job, state, exitCode, endedAt: this.now() };
    delete j.job.heldReason;
    this.events.emit('ended');
  }

  /** What a job was submitted to run (its argument vector and environment). */
  spec(id: string): SubmitRequest['jobs'][number] {
    return structuredClone(this.get(id).spec);
  }

  /** Manual mode: a job ends with this exit code. */
  finish(id: string, exitCode: number): void {
    this.end(id, exitCode);
  }

  /** Resolves when no job is idle, running or held on a running process. */
  settled(): Promise<void> {
    const open = () =>
      [...this.jobs.values()].some(
        (j) => j.child && !['completed', 'removed'].includes(j.job.state),
      );
    if (!open()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (open()) return;
        this.events.off('ended', check);
        resolve();
      };
      this.events.on('ended', check);
    });
  }

  async observe(): Promise<BatchJob[]> {
    return [...this.jobs.values()].map((j) => ({ ...j.job }));
  }

  async hold(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const j = this.get(id);
      if (j.job.state === 'running') signal(j, 'SIGSTOP');
      else if (j.job.state === 'idle') j.heldIdle = true;
      else continue;
      j.job = { ...j.job, state: 'held', heldReason: 'held by gitpoms' };
    }
  }

  async release(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const j = this.get(id);
      if (j.job.state !== 'held') continue;
      delete j.job.heldReason;
      if (j.heldIdle) {
        j.heldIdle = false;
        j.job = { ...j.job, state: 'idle' };
        if ((this.opts.mode ?? 'processes') === 'processes') this.start(id);
      } else {
        j.job = { ...j.job, state: 'running' };
        signal(j, 'SIGCONT');
      }
    }
  }

  async kill(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      const j = this.get(id);
      if (j.job.state === 'completed' || j.job.state === 'removed') continue;
      this.end(id, null, 'removed');
      signal(j, 'SIGKILL');
    }
  }

  async logs(id: string): Promise<JobLogs> {
    return { ...this.get(id).logs };
  }

  launchEnvironment(): { path: string[]; env: Record<string, string> } {
    // No jobsub_submit: a submission script cannot reach this batch system.
    return { path: [], env: {} };
  }

  async close(): Promise<void> {
    for (const j of this.jobs.values()) {
      if (!j.child || ['completed', 'removed'].includes(j.job.state)) continue;
      signal(j, 'SIGKILL');
    }
  }
}
