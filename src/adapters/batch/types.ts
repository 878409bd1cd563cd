import type { ObservedJob } from '../../model/index.js';

/** One job to run: an argument vector, its environment and working directory. */
export interface JobSpec {
  argv: string[];
  env: Record<string, string>;
  /** Working directory; default: a fresh directory per job. */
  cwd?: string;
}

export interface SubmitRequest {
  /** The submission key; every job carries it so it maps back to its submission. */
  label: string;
  jobs: JobSpec[];
}

/** A job as the batch system reports it, with what triage needs. */
export interface BatchJob extends ObservedJob {
  node?: string;
  startedAt?: string;
  cpuSeconds?: number;
  wallSeconds?: number;
  logPath?: string;
}

export interface JobLogs {
  stdout: string;
  stderr: string;
}

/**
 * A batch system. observe() returns every job gitpoms submitted, in one bulk query, or
 * throws: a failure to observe is never an empty list.
 */
export interface Batch {
  readonly name: string;
  submit(req: SubmitRequest): Promise<string[]>;
  observe(): Promise<BatchJob[]>;
  hold(ids: readonly string[]): Promise<void>;
  release(ids: readonly string[]): Promise<void>;
  kill(ids: readonly string[]): Promise<void>;
  logs(id: string): Promise<JobLogs>;
  /** What a submission script needs to submit here: PATH entries first (its jobsub_submit) and variables. */
  launchEnvironment(label: string): { path: string[]; env: Record<string, string> };
  /** What a submission script printed, for the job ids it names (jobsub_submit's "Use job id …"). */
  noteLaunchOutput?(stdout: string): void;
  close(): Promise<void>;
}
