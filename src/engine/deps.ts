import type PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Batch } from '../adapters/batch/types.js';
import type { CatalogSpec } from '../adapters/catalog/index.js';
import type { Catalog } from '../adapters/catalog/types.js';
import type { Store } from '../adapters/store/types.js';
import type { LaunchLimits } from './launch-limits.js';
import type { Ownership } from './ownership.js';

/** The ports a reconcile pass works through, built once by the entry point. */
export interface Deps {
  batch: Batch;
  catalog: Catalog;
  store: Store;
  log: Logger;
  clock: () => Date;
  /** The reconciler's environment: jobs get the variables local.passEnv names, and PATH. */
  env: Readonly<Record<string, string | undefined>>;
  /** Repository root: fife_launch configs and launch scripts are read from here. */
  repoRoot: string;
  revision: string | undefined;
  dataDir: string;
  /** How jobs reach the catalog (references to credentials, never their values). */
  catalogSpec: CatalogSpec;
  local: {
    path: string[];
    passEnv: string[];
    categories: string[];
  };
  /** How long a launch command may run (gitpoms.yaml backends.deadlines.launchSeconds). */
  launchTimeoutMs: number;
  /**
   * Actions in flight at once, launches rate-limited and bounded per experiment and batch
   * backend; they live as long as the reconciler.
   */
  queues: { actions: PQueue; launches: PQueue; limits: LaunchLimits };
  /** One of several replicas: it acts only on the campaigns whose leases it holds. */
  ownership?: Ownership;
  /** Releases the data directory's reconciler lock. */
  unlock(): void;
}
