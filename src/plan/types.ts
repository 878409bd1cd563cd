import type { ActionKind, DerivedStatus, JobState, NewSubmission } from '../model/index.js';

interface ActionBase {
  campaign: string;
  stage: string;
  /** Submission key the action concerns. */
  key: string;
  /** Why, in the words an operator would use. */
  reason: string;
}

export interface LaunchAction extends ActionBase, NewSubmission {
  kind: 'launch';
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

/** The notes that say why a launch is not made (yet): what holds it, or what it waits for. */
export const WAITING_NOTES: ReadonlySet<NoteKind> = new Set([
  'gated',
  'waiting',
  'schedule',
  'override',
]);

export interface Note {
  kind: NoteKind;
  campaign?: string;
  stage?: string;
  key?: string;
  message: string;
}

export interface StageSummary {
  campaign: string;
  stage: string;
  state: string;
  submissions: Partial<Record<DerivedStatus, number>>;
  /** Jobs by state, a completed job that failed counted as `failed`. */
  jobs: Partial<Record<JobState | 'failed', number>>;
  nextLaunch?: string;
}

export interface Plan {
  now: string;
  actions: Action[];
  notes: Note[];
  stages: StageSummary[];
  counts: Record<ActionKind, number>;
}
