import type { SliceDef } from './split.js';
import type { Recovery } from './types.generated.js';

export type RecoveryType = Recovery['type'];

/** The recovery types that launch over files of a submission's project. */
export type FileRecoveryType = Exclude<RecoveryType, 'failed_jobs'>;

/** 'launching': the intent is recorded, the batch system may or may not have the jobs yet. */
export type SubmissionStatus = 'launching' | 'launched' | 'launch-failed' | 'located' | 'failed';

/** POMS's submission states, derived from the record and its jobs. */
export type DerivedStatus =
  | 'idle'
  | 'running'
  | 'held'
  | 'completed'
  | 'located'
  | 'failed'
  | 'launch-failed'
  | 'unknown';

export interface RecoveryOf {
  of: string;
  type: RecoveryType;
  index: number;
}

/** What the store remembers of a submission. */
export interface SubmissionRecord {
  key: string;
  campaign: string;
  stage: string;
  slice: string;
  attempt: number;
  parent?: string;
  recovery?: RecoveryOf;
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
  | { kind: 'recovery'; of: string; type: FileRecoveryType; definition: string }
  /** A Monte Carlo recovery: the jobs of `of` that did not succeed, run again under their process numbers. */
  | { kind: 'rerun'; of: string; processes: number[] };

/** A submission about to be launched: what the store records with the launch intent. */
export interface NewSubmission {
  campaign: string;
  stage: string;
  key: string;
  slice: string;
  attempt: number;
  parent?: string;
  recovery?: RecoveryOf;
  input: InputSpec;
  /** The launch command as an argument vector. */
  command: string[];
  jobType: string;
  launchTemplate: string;
  /** Why it is launched: the first entry of its status history. */
  reason: string;
}

/** What a reconciler does to a submission; the intent journal records each by kind. */
export type ActionKind = 'mark-located' | 'mark-failed' | 'kill' | 'hold' | 'release' | 'launch';
