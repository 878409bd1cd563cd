import type { Catalog } from '../adapters/catalog/types.js';
import type { StoredSubmission } from '../adapters/store/types.js';
import type { DesiredState, ResolvedCampaign } from '../model/index.js';
import { catalogStageCounts } from './converge.js';

export interface FigureSnapshot {
  /** Per stage (campaign/stage): input files not yet consumed, and located output files. */
  counts: ReadonlyMap<string, { pending: number; files: number }>;
  /** When the counts were read; undefined before the first read. */
  at?: string;
  /** Why the last read failed; the counts are then those of the read before. */
  error?: string;
}

const EMPTY: FigureSnapshot = { counts: new Map() };

/**
 * The catalog's per-stage figures (Pending, Files) of a campaign, for pages: read in the
 * background when a page shows them, at most once per `minIntervalMs` per campaign and one
 * read at a time; a page shows the last read. Nobody looking, nothing asked; the projects of
 * finished submissions are asked once.
 */
export class CatalogFigures {
  private readonly snaps = new Map<string, FigureSnapshot>();
  private readonly started = new Map<string, number>();
  private readonly settled = new Map<string, number>();
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly catalog: Pick<Catalog, 'projectInfo' | 'countFiles'>,
    private readonly minIntervalMs = 60_000,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  snapshot(campaign: string): FigureSnapshot {
    return this.snaps.get(campaign) ?? EMPTY;
  }

  /** The last error of any campaign's read, for the banner. */
  lastError(): string | undefined {
    for (const s of this.snaps.values()) if (s.error) return s.error;
    return undefined;
  }

  /**
   * Reads the campaign's figures again unless one is being read or this one was read under
   * the interval ago. Resolves when the read ends (pages do not wait for it).
   */
  refresh(
    desired: DesiredState,
    campaign: ResolvedCampaign,
    records: readonly StoredSubmission[],
  ): Promise<void> {
    const now = this.clock().getTime();
    if (this.inFlight) return this.inFlight;
    if (now - (this.started.get(campaign.name) ?? -Infinity) < this.minIntervalMs)
      return Promise.resolve();
    this.started.set(campaign.name, now);
    const mine = records.filter((r) => r.campaign === campaign.name);
    this.inFlight = catalogStageCounts(
      this.catalog,
      { ...desired, campaigns: [campaign] },
      mine,
      this.settled,
    )
      .then(
        (counts) => {
          this.snaps.set(campaign.name, { counts, at: this.clock().toISOString() });
        },
        (e: unknown) => {
          this.snaps.set(campaign.name, {
            ...this.snapshot(campaign.name),
            error: e instanceof Error ? e.message : String(e),
          });
        },
      )
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }
}
