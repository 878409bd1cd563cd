/** A batch job's states, as the batch system reports them. */
export const JOB_STATES = ['idle', 'running', 'held', 'completed', 'removed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** The states of a job that has not ended: it may still run, write and be held or killed. */
export const LIVE_JOB_STATES: readonly JobState[] = ['idle', 'running', 'held'];

export interface ObservedJob {
  /** Batch system id, e.g. 12345.0@jobsub01.fnal.gov or a Slurm job id. */
  id: string;
  /** The submission key the job carries as its label. */
  submission: string;
  state: JobState;
  exitCode?: number | null;
  heldReason?: string;
  /** ISO time the job finished, when it has. */
  endedAt?: string;
}

/** A job that ended with an exit code other than 0 (or none): it failed, whatever the batch system calls it. */
export function jobFailed(j: Pick<ObservedJob, 'state' | 'exitCode'>): boolean {
  return j.state === 'completed' && j.exitCode !== 0;
}

/** A job's state as people read it: a completed job that failed is `failed`. */
export function shownJobState(j: Pick<ObservedJob, 'state' | 'exitCode'>): JobState | 'failed' {
  return jobFailed(j) ? 'failed' : j.state;
}
