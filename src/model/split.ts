/** A split type with its parameters checked and defaulted (POMS cs_split_type). */
export type SplitSpec =
  | { type: 'none' }
  | { type: 'list' }
  | { type: 'multiparam' }
  | { type: 'byexistingruns' }
  | { type: 'draining' }
  | { type: 'mod' | 'nfiles' | 'limitn' | 'drainingn' | 'stagedfiles'; n: number }
  | { type: 'byrun'; low: number; high: number }
  | {
      type: 'new';
      windowSeconds: number;
      roundSeconds?: number;
      ftsSeconds: number;
      localtime: boolean;
      /** The zone localtime means (gitpoms.yaml spec.timeZone), set by resolution when localtime is. */
      timeZone?: string;
      firsttime?: string;
      lasttime?: string;
    };

export type SplitType = SplitSpec['type'];

/**
 * Where a stage's split stands (POMS's cs_last_split): the next position, and for the
 * snapshot and time based types what the earlier slices covered. Kept in the store, so a
 * restart or a new commit continues where the split was; a reset starts a new generation.
 */
export interface SplitState {
  position: number;
  /** Accumulated snapshot of the slices taken (drainingn, byexistingruns, stagedfiles), or the end of the last window (new, epoch seconds). */
  last?: number;
  generation: number;
}

export const FRESH_SPLIT: SplitState = { position: 0, generation: 0 };

/** One slice: what a submission of a split stage consumes. */
export interface SliceDef {
  type: SplitType;
  position: number;
  generation: number;
  /** The catalog definition the submission consumes (created by gitpoms when `dimensions` is set). */
  definition?: string;
  dimensions?: string;
  /** multiparam: the parameter combination, passed to the launch instead of a dataset. */
  value?: string;
  /** The slice ends the split when it selects no files (counted before it is launched). */
  countToEnd: boolean;
  /** The slice's files join the accumulated snapshot once it is launched. */
  accumulates: boolean;
  /** The state after this slice is launched (`last` is recomputed at launch when it accumulates). */
  next: { position: number; last?: number };
}
