import { existsSync } from 'node:fs';
import path from 'node:path';
import { LocalExecutor } from '../adapters/batch/local/index.js';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { SqliteStore } from '../adapters/store/sqlite/index.js';
import { InvalidInputError } from '../errors.js';
import { dataDirOf } from '../engine/runtime.js';
import type { Catalog } from '../adapters/catalog/types.js';
import type { Config, DesiredState } from '../model/index.js';
import { observeCatalog, observeSplits } from '../engine/observe.js';
import { plan } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';

/** Read access to a data directory for the operator commands; they never write job state. */
export interface StateView {
  dataDir: string;
  store: SqliteStore;
  catalog: EmbeddedCatalog;
  batch: LocalExecutor;
  close(): Promise<void>;
}

export function openState(
  repoRoot: string,
  config: Config | undefined,
  dataDirOpt: string | undefined,
): StateView {
  const dataDir = dataDirOf(repoRoot, config, dataDirOpt);
  const storeFile = path.join(dataDir, 'state.sqlite');
  if (!existsSync(storeFile))
    throw new InvalidInputError(
      `no gitpoms state in ${dataDir}; run gitpoms run (or npm start) first`,
    );
  const store = new SqliteStore(storeFile, { readonly: true });
  const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
  const batch = new LocalExecutor({ root: path.join(dataDir, 'local-batch'), slots: 1 });
  return {
    dataDir,
    store,
    catalog,
    batch,
    close: async () => {
      await store.close();
      await catalog.close();
    },
  };
}

/** The plan a pass would make now, from the live state read only: the store's records and its last observation of the jobs. */
export async function livePlan(
  state: StateView,
  desired: DesiredState,
  now: Date,
  revision: string | undefined,
): Promise<Plan> {
  const records = await state.store.submissions();
  const observed = await observeCatalog(state.catalog, desired, records, await state.store.jobs());
  observed.splits = await observeSplits(
    state.catalog,
    desired,
    await state.store.splitStates(),
    now,
  );
  return plan(desired, observed, records, now, await state.store.activeOverrides(now, revision));
}

/** Whether the catalog has a definition or a project of that name. */
export function catalogHas(catalog: Catalog) {
  return async (kind: 'definition' | 'project', name: string): Promise<boolean> =>
    kind === 'definition'
      ? (await catalog.describeDefinition(name)) !== undefined
      : (await catalog.projectInfo(name)) !== undefined;
}
