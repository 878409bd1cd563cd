import type { Catalog } from '../adapters/catalog/types.js';
import type { StoredSubmission } from '../adapters/store/types.js';
import type { DesiredState } from '../model/index.js';
import { catalogStageCounts } from './converge.js';

export interface FigureSnapshot {
  /** Per stage (campaign/stage): input files not yet consumed, and located output files. */
  counts: ReadonlyMap<string, { pending: number; files: number }>;
  /** When the counts were read; undefined before the first read. */
  at?: string;
  /** Why the last read failed; the counts are then those of the read before. */
  error?: string;
}

/**
 * The catalog's per-stage figures (Pending, Files) for pages, read after a pass at most once
 * per `minIntervalMs`, one read at a time. Pages read the last snapshot: readers add no query.
 */
export class CatalogFigures {
  private snap: FigureSnapshot = { counts: new Map() };
  private inFlight: Promise<void> | undefined;
  private lastStart = -Infinity;

  constructor(
    private readonly catalog: Pick<Catalog, 'projectInfo' | 'countFiles'>,
    private readonly minIntervalMs = 60_000,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  snapshot(): FigureSnapshot {
    return this.snap;
  }

  /** Reads the figures again unless a read is running or the last began under the interval ago. */
  refresh(desired: DesiredState, records: readonly StoredSubmission[]): Promise<void> {
    const now = this.clock().getTime();
    if (this.inFlight) return this.inFlight;
    if (now - this.lastStart < this.minIntervalMs) return Promise.resolve();
    this.lastStart = now;
    this.inFlight = catalogStageCounts(this.catalog, desired, records)
      .then(
        (counts) => {
          this.snap = { counts, at: this.clock().toISOString() };
        },
        (e: unknown) => {
          this.snap = {
            ...this.snap,
            error: e instanceof Error ? e.message : String(e),
          };
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
