import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { pino } from 'pino';
import {
  openBatch,
  type BatchBackendName,
  type BatchOpenOptions,
} from '../adapters/batch/index.js';
import { createPidLock, isAlive, lockOwner } from '../adapters/batch/local/files.js';
import {
  catalogSpecOf,
  openCatalogSpec,
  type CatalogBackendName,
} from '../adapters/catalog/index.js';
import { openStore, type StoreBackendName } from '../adapters/store/index.js';
import type { StoreTables } from '../adapters/store/tables.js';
import type { Store } from '../adapters/store/types.js';
import type { Backends, Config } from '../model/index.js';
import { DEFAULTS, reachableBatches } from '../desired/desired.js';
import { BatchSet } from './batches.js';
import { GitpomsError } from '../errors.js';
import type { Deps } from './deps.js';

export const DEFAULT_DATA_DIR = '.gitpoms-data';

export function dataDirOf(repoRoot: string, config: Config | undefined, override?: string): string {
  return path.resolve(repoRoot, override ?? config?.spec.dataDir ?? DEFAULT_DATA_DIR);
}

/** gitpoms.yaml's backends with their defaults: the batch backends it reaches, its catalog and store. */
export function backendsOf(config: Config | undefined): {
  batch: BatchBackendName[];
  catalog: CatalogBackendName;
  store: StoreBackendName;
  settings: Backends;
} {
  const settings = config?.spec.backends ?? {};
  return {
    batch: reachableBatches(settings),
    catalog: settings.catalog ?? 'embedded',
    store: settings.store ?? 'sqlite',
    settings,
  };
}

/** The store gitpoms.yaml names, opened through its registry. */
export function configuredStore(
  config: Config | undefined,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
  o: { readonly?: boolean; clock?: () => Date } = {},
): Store & StoreTables {
  const b = backendsOf(config);
  return openStore(b.store, { dataDir, backends: b.settings, env, ...o });
}

/** What every batch backend of this deployment is opened with (its settings, the local slots). */
export function batchOpenOptions(
  config: Config | undefined,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
): BatchOpenOptions {
  const slots = config?.spec.local?.slots;
  return { dataDir, backends: backendsOf(config).settings, env, ...(slots ? { slots } : {}) };
}

/** Opens the backends gitpoms.yaml names (the embedded ones by default), each through its registry. */
export function openDeps(
  repoRoot: string,
  config: Config | undefined,
  opts: {
    dataDir?: string;
    revision: string | undefined;
    env: Readonly<Record<string, string | undefined>>;
    /** Batch backend, over gitpoms.yaml's backends.batch. */
    batch?: BatchBackendName;
  },
): Deps {
  const backends = backendsOf(config);
  const dataDir = dataDirOf(repoRoot, config, opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  const local = config?.spec.local ?? {};
  // The one clock the passes, the store's and the catalog's records read.
  const clock = () => new Date();
  const opened: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => (opened.push(x), x);
  try {
    const common = { dataDir, backends: backends.settings, env: opts.env };
    const catalogSpec = catalogSpecOf(backends.catalog, common);
    const batches = new Map(
      (opts.batch ? [opts.batch] : backends.batch).map((name) => [
        name,
        track(openBatch(name, batchOpenOptions(config, dataDir, opts.env))),
      ]),
    );
    return {
      batch: new BatchSet(batches, opts.batch),
      catalog: track(openCatalogSpec(catalogSpec, { env: opts.env, clock })),
      store: track(configuredStore(config, dataDir, opts.env, { clock })),
      log: pino(
        { level: 'info', redact: ['env', '*.env'] },
        pino.destination({ dest: path.join(dataDir, 'reconciler.log'), sync: true }),
      ),
      clock,
      env: opts.env,
      repoRoot,
      revision: opts.revision,
      dataDir,
      catalogSpec,
      local: {
        path: local.path ?? [],
        passEnv: local.passEnv ?? [],
        categories: local.categories ?? [],
      },
      queues: actionQueues(
        config?.spec.defaults?.concurrency ?? DEFAULTS.concurrency,
        config?.spec.defaults?.maxLaunchesPerMinute,
      ),
      unlock,
    };
  } catch (e) {
    for (const x of opened) void x.close();
    unlock();
    throw e;
  }
}

/**
 * One reconciler acts on a data directory at a time: two would race on the same jobs. The
 * lock holds the owner's pid; a lock left by a process that died is taken over.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, 'reconciler.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createPidLock(file)) return () => rmSync(file, { force: true });
    const owner = lockOwner(file);
    if (owner !== undefined && isAlive(owner))
      throw new GitpomsError(
        'data-dir-locked',
        `another reconciler (pid ${owner}) is acting on ${dataDir}; stop it first, or plan with --dry-run, which only reads`,
      );
    rmSync(file, { force: true });
  }
  throw new GitpomsError('data-dir-locked', `cannot take the reconciler lock ${file}`);
}

/** Bounded concurrency for all actions; launches also at most `perMinute` a minute when set. */
export function actionQueues(concurrency: number, perMinute: number | undefined): Deps['queues'] {
  return {
    actions: new PQueue({ concurrency }),
    launches: new PQueue({
      concurrency,
      ...(perMinute ? { intervalCap: perMinute, interval: 60_000 } : {}),
    }),
  };
}

export async function closeDeps(deps: Deps): Promise<void> {
  try {
    await deps.batch.close();
    await deps.catalog.close();
    await deps.store.close();
  } finally {
    deps.unlock();
  }
}
