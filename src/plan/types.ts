import type { Recovery } from '../spec/types.generated.js';
import type { SliceDef } from './splits.js';

export type SplitObservation = { next: SliceDef } | { done: string };

export type RecoveryType = Recovery['type'];

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
  /** Per submission, how many files each recovery type would select. */
  recoveryFiles: Record<string, Partial<Record<RecoveryType, number>>>;
  /** Per split stage (campaign/stage): its next slice, or why there is none now. */
  splits: Record<string, SplitObservation>;
  services: Record<string, ServiceStatus>;
}

/** 'launching': the intent is recorded, the batch system may or may not have the jobs yet. */
export type SubmissionStatus = 'launching' | 'launched' | 'launch-failed' | 'located' | 'failed';

/** What the store remembers of a submission. */
export interface SubmissionRecord {
  key: string;
  campaign: string;
  stage: string;
  slice: string;
  attempt: number;
  parent?: string;
  recovery?: { of: string; type: RecoveryType; index: number };
  launchedAt: string;
  status: SubmissionStatus;
  /** Set when gitpoms held the jobs (so only those holds are released by gitpoms). */
  heldByGitpoms?: boolean;
  revision?: string;
}

export type InputSpec =
  | { kind: 'none' }
  | { kind: 'dataset'; definition: string; dimensions?: string }
  | { kind: 'split'; slice: SliceDef }
  | {
      kind: 'parent';
      parent: string;
      /** Submissions whose outputs the dependent consumes: the parent, and failed ones before it in its recovery chain. */
      sources: string[];
      definition: string;
      filePatterns: string[];
    }
  | { kind: 'recovery'; of: string; type: RecoveryType; definition: string };

interface ActionBase {
  campaign: string;
  stage: string;
  /** Submission key the action concerns. */
  key: string;
  /** Why, in the words an operator would use. */
  reason: string;
}

export interface LaunchAction extends ActionBase {
  kind: 'launch';
  slice: string;
  attempt: number;
  parent?: string;
  recovery?: { of: string; type: RecoveryType; index: number };
  input: InputSpec;
  /** The launch command as an argument vector. */
  command: string[];
  jobType: string;
  launchTemplate: string;
}

export interface JobAction extends ActionBase {
  kind: 'hold' | 'release' | 'kill';
  jobs: string[];
  /** True for kills of jobs whose stage left the spec. */
  prune?: boolean;
}

export interface MarkAction extends ActionBase {
  kind: 'mark-located' | 'mark-failed';
}

export type Action = LaunchAction | JobAction | MarkAction;
export type ActionKind = Action['kind'];

/**
 * An operator's hold, kill, launch-now or prune confirmation, in force until cleared, expired
 * or a new revision.
 */
export interface OperatorOverride {
  id: number;
  action: 'hold' | 'kill' | 'launch-now' | 'prune';
  campaign: string;
  stage?: string;
  actor: string;
  reason: string;
  createdAt: string;
  revision?: string;
  expiresAt?: string;
}

export type NoteKind =
  | 'override'
  | 'waiting'
  | 'gated'
  | 'schedule'
  | 'orphaned'
  | 'prune-guard'
  | 'prune-confirm'
  | 'drift'
  | 'unknown-label'
  | 'exhausted';

export interface Note {
  kind: NoteKind;
  campaign?: string;
  stage?: string;
  key?: string;
  message: string;
}

export type DerivedStatus =
  | 'idle'
  | 'running'
  | 'held'
  | 'completed'
  | 'located'
  | 'failed'
  | 'launch-failed'
  | 'unknown';

export interface StageSummary {
  campaign: string;
  stage: string;
  state: string;
  submissions: Partial<Record<DerivedStatus, number>>;
  jobs: Partial<Record<JobState, number>>;
  nextLaunch?: string;
}

export interface Plan {
  now: string;
  actions: Action[];
  notes: Note[];
  stages: StageSummary[];
  counts: Record<ActionKind, number>;
}
