import type { ObservedJob } from './job.js';
import type { SliceDef } from './split.js';
import type { RecoveryType } from './submission.js';

export type SplitObservation = { next: SliceDef } | { done: string };

/** Catalog view of one submission's outputs (files matching the stage's output patterns). */
export interface ObservedOutputs {
  /** Files the submission should produce or consume (the denominator of its completion percent). */
  expected: number;
  /** Of those, how many have located outputs. */
  located: number;
  /** True when no more outputs can appear (jobs done, nothing left in flight). */
  final?: boolean;
}

export type ServiceStatus = 'good' | 'warn' | 'failed' | 'unknown';

/** Everything the planner learns from outside: batch system, catalog, service probes. */
export interface Observed {
  jobs: ObservedJob[];
  outputs: Record<string, ObservedOutputs>;
  /** Per submission, how many files each recovery type would select (failed_jobs: how many jobs). */
  recoveryFiles: Record<string, Partial<Record<RecoveryType, number>>>;
  /** Per submission of a stage without input: the process numbers of its jobs that did not succeed. */
  rerun?: Record<string, number[]>;
  /** Per split stage (campaign/stage): its next slice, or why there is none now. */
  splits: Record<string, SplitObservation>;
  services: Record<string, ServiceStatus>;
}
