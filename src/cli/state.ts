import { isBatchBackend, openBatch } from '../adapters/batch/index.js';
import type { Batch } from '../adapters/batch/types.js';
import { openCatalog } from '../adapters/catalog/index.js';
import type { Catalog } from '../adapters/catalog/types.js';
import { STORE_BACKENDS } from '../adapters/store/index.js';
import type { Store } from '../adapters/store/types.js';
import { InvalidInputError } from '../errors.js';
import { backendsOf, batchOpenOptions, configuredStore, dataDirOf } from '../engine/open-deps.js';
import type { Config, DesiredState } from '../model/index.js';
import { planFromStore } from '../engine/pass.js';
import type { Plan } from '../plan/types.js';

/**
 * Access to a data directory for the operator commands, through the backends gitpoms.yaml
 * names: they read job state and never write it.
 */
export interface StateView {
  dataDir: string;
  store: Store;
  catalog: Catalog;
  /** The batch system a job went to (the one its submission was launched on). */
  batchOf(jobId: string): Promise<Batch>;
  close(): Promise<void>;
}

export function openState(
  repoRoot: string,
  config: Config | undefined,
  dataDirOpt: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  /** The catalog is opened to read only, unless a command exists to write it (define). */
  catalogAccess: 'read' | 'write' = 'read',
): StateView {
  const dataDir = dataDirOf(repoRoot, config, dataDirOpt);
  const backends = backendsOf(config);
  const storeBackend = STORE_BACKENDS[backends.store];
  if (!storeBackend.hasState(dataDir))
    throw new InvalidInputError(
      `no gitpoms state in ${dataDir}; run gitpoms run (or npm start) first`,
    );
  const store = configuredStore(config, dataDir, env, { readonly: true });
  const catalog = openCatalog(backends.catalog, {
    dataDir,
    backends: backends.settings,
    env,
    readonly: catalogAccess === 'read',
  });
  const batches = new Map<string, Batch>();
  return {
    dataDir,
    store,
    catalog,
    async batchOf(jobId) {
      const job = (await store.jobs()).find((j) => j.id === jobId);
      const recorded = job && (await store.submission(job.submission))?.batch;
      const name = recorded && isBatchBackend(recorded) ? recorded : backends.batch[0]!;
      let batch = batches.get(name);
      if (!batch) {
        batch = openBatch(name, batchOpenOptions(config, dataDir, env));
        batches.set(name, batch);
      }
      return batch;
    },
    close: async () => {
      for (const b of batches.values()) await b.close();
      await store.close();
      await catalog.close();
    },
  };
}

/** The plan a pass would make now, from the live state read only: the store's records and its last observation of the jobs. */
export function livePlan(
  state: StateView,
  desired: DesiredState,
  now: Date,
  revision: string | undefined,
): Promise<Plan> {
  return planFromStore(state.store, state.catalog, desired, now, revision);
}

/** Whether the catalog has a definition or a project of that name. */
export function catalogHas(catalog: Catalog) {
  return async (kind: 'definition' | 'project', name: string): Promise<boolean> =>
    kind === 'definition'
      ? (await catalog.describeDefinition(name)) !== undefined
      : (await catalog.projectInfo(name)) !== undefined;
}
