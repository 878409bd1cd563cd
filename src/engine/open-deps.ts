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
import { isLeaseStore, type LeaseStore, type Store } from '../adapters/store/types.js';
import { hostname } from 'node:os';
import { Ownership } from './ownership.js';
import type { Backends, Config, LaunchesInFlight } from '../model/index.js';
import { DEFAULTS, reachableBatches } from '../desired/desired.js';
import { LaunchLimits } from './launch-limits.js';
import { BatchSet } from './batches.js';
import { batchWithDeadlines, catalogWithDeadlines, deadlinesOf } from './deadlines.js';
import { GitpomsError } from '../errors.js';
import type { Deps } from './deps.js';

export const DEFAULT_DATA_DIR = '.gitpoms-data';

const REPLICA_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

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

function leaseStore<S extends object>(s: S): S & LeaseStore {
  if (!isLeaseStore(s))
    throw new GitpomsError(
      'replicas-need-a-shared-store',
      'this store keeps no leases for replicas',
    );
  return s;
}

/** The store gitpoms.yaml names, opened through its registry. */
export function configuredStore(
  config: Config | undefined,
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
  o: { readonly?: boolean; clock?: () => Date; leaseMs?: number } = {},
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
    /** One of several replicas sharing the store (and, on one machine, the data directory). */
    replica?: { id: string; ttlMs: number; marginMs: number };
    /**
     * Reads only (serve --no-reconcile): the store and the catalog opened read-only, beside the
     * reconciler that acts on the same data directory or store.
     */
    viewOnly?: boolean;
  },
): Deps {
  const backends = backendsOf(config);
  const dataDir = dataDirOf(repoRoot, config, opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const replica = opts.replica;
  if (replica && !REPLICA_ID.test(replica.id))
    throw new GitpomsError(
      'invalid-replica-id',
      `--replica-id ${JSON.stringify(replica.id)}: letters, digits, '_', '.' and '-', at most 64`,
    );
  if (replica && backends.store !== 'postgres')
    throw new GitpomsError(
      'replicas-need-a-shared-store',
      `--replica-id: replicas share their store; gitpoms.yaml's backends.store is ${backends.store}, and replicas need postgres`,
    );
  if (replica && opts.viewOnly)
    throw new GitpomsError(
      'view-only-replica',
      '--replica-id and --no-reconcile: a server that only shows holds no campaigns',
    );
  // Replicas on one machine share the data directory (the local executor's jobs, the catalog):
  // each takes a lock and keeps a log of its own; so does the one server that only shows.
  const role = opts.viewOnly ? 'viewer' : replica ? `reconciler-${replica.id}` : 'reconciler';
  const unlock = lockDataDir(dataDir, role);
  const local = config?.spec.local ?? {};
  // The one clock the passes, the store's and the catalog's records read.
  const clock = () => new Date();
  const opened: Array<{ close(): Promise<void> }> = [];
  const track = <T extends { close(): Promise<void> }>(x: T): T => (opened.push(x), x);
  try {
    const common = { dataDir, backends: backends.settings, env: opts.env };
    const catalogSpec = catalogSpecOf(backends.catalog, common);
    const store = track(
      configuredStore(config, dataDir, opts.env, {
        clock,
        ...(replica ? { leaseMs: replica.ttlMs } : {}),
        ...(opts.viewOnly ? { readonly: true } : {}),
      }),
    );
    const log = pino(
      {
        level: 'info',
        redact: ['env', '*.env'],
        ...(replica ? { base: { replica: replica.id } } : {}),
      },
      pino.destination({
        dest: path.join(dataDir, `${role}.log`),
        sync: true,
      }),
    );
    const deadlines = deadlinesOf(backends.settings);
    const batches = new Map(
      (opts.batch ? [opts.batch] : backends.batch).map((name) => [
        name,
        batchWithDeadlines(
          track(openBatch(name, batchOpenOptions(config, dataDir, opts.env))),
          deadlines,
        ),
      ]),
    );
    return {
      batch: new BatchSet(batches, opts.batch),
      catalog: catalogWithDeadlines(
        track(
          openCatalogSpec(catalogSpec, {
            env: opts.env,
            clock,
            ...(opts.viewOnly ? { readonly: true } : {}),
          }),
        ),
        deadlines,
      ),
      launchTimeoutMs: deadlines.launchSeconds * 1000,
      store,
      ...(replica
        ? {
            ownership: new Ownership(leaseStore(store), replica.id, {
              ttlMs: replica.ttlMs,
              marginMs: replica.marginMs,
              by: config?.spec.replicas?.ownership ?? 'campaign',
              ...(config?.spec.replicas?.actionLogDays
                ? { actionLogDays: config.spec.replicas.actionLogDays }
                : {}),
              host: hostname(),
              pid: process.pid,
              log,
            }),
          }
        : {}),
      log,
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
        config?.spec.defaults?.launchesInFlight,
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
 * lock holds the owner's pid; a lock left by a process that died is taken over. `role` names
 * the lock: `reconciler`, `reconciler-REPLICA`, or `viewer`.
 */
export function lockDataDir(dataDir: string, role = 'reconciler'): () => void {
  const file = path.join(dataDir, `${role}.lock`);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (createPidLock(file)) return () => rmSync(file, { force: true });
    const owner = lockOwner(file);
    if (owner !== undefined && isAlive(owner))
      throw new GitpomsError(
        'data-dir-locked',
        role === 'viewer'
          ? `another gitpoms serve --no-reconcile (pid ${owner}) shows ${dataDir}; one per data directory`
          : `another reconciler (pid ${owner}) is acting on ${dataDir}; stop it first, or plan with --dry-run, which only reads`,
      );
    rmSync(file, { force: true });
  }
  throw new GitpomsError('data-dir-locked', `cannot take the reconciler lock ${file}`);
}

/**
 * Bounded concurrency for all actions; launches also at most `perMinute` a minute when set, and
 * at most `inFlight` at once per experiment and per batch backend.
 */
export function actionQueues(
  concurrency: number,
  perMinute: number | undefined,
  inFlight: LaunchesInFlight = {},
): Deps['queues'] {
  return {
    limits: new LaunchLimits(inFlight),
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
