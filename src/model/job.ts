/** A batch job as the batch system reports it. */
export type JobState = 'idle' | 'running' | 'held' | 'completed' | 'removed';

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
