import { cpus } from 'node:os';
import { mkdirSync, rmSync } from 'node:fs';
import { createPidLock, isAlive, lockOwner } from '../adapters/batch/local/files.js';
import path from 'node:path';
import PQueue from 'p-queue';
import { pino } from 'pino';
import type { Config } from '../model/index.js';
import { DEFAULTS } from '../spec/desired.js';
import { createHash } from 'node:crypto';
import { LocalExecutor } from '../adapters/batch/local/index.js';
import { SlurmBatch } from '../adapters/batch/slurm/index.js';
import { CondorBatch } from '../adapters/batch/condor/index.js';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { SqliteStore } from '../adapters/store/sqlite/index.js';
import { GitpomsError } from '../errors.js';
import type { Deps } from './deps.js';

export const DEFAULT_DATA_DIR = '.gitpoms-data';

export function dataDirOf(repoRoot: string, config: Config | undefined, override?: string): string {
  return path.resolve(repoRoot, override ?? config?.spec.dataDir ?? DEFAULT_DATA_DIR);
}

export const BATCH_BACKENDS = ['local', 'slurm', 'condor', 'jobsub'] as const;
export type BatchBackend = (typeof BATCH_BACKENDS)[number];

/** Opens the embedded backends: local executor, embedded catalog, SQLite store, a log file. */
export function openEmbedded(
  repoRoot: string,
  config: Config | undefined,
  opts: {
    dataDir?: string;
    revision: string | undefined;
    env: Readonly<Record<string, string | undefined>>;
    /** Batch backend, over gitpoms.yaml's backends.batch. */
    batch?: BatchBackend;
  },
): Deps {
  const backends = {
    ...(config?.spec.backends ?? {}),
    ...(opts.batch ? { batch: opts.batch } : {}),
  };
  for (const [kind, name, want] of [
    ['batch', backends.batch, BATCH_BACKENDS],
    ['catalog', backends.catalog, ['embedded']],
    ['store', backends.store, ['sqlite']],
  ] as const) {
    if (name !== undefined && !(want as readonly string[]).includes(name)) {
      throw new GitpomsError(
        'backend-unavailable',
        `gitpoms.yaml asks for ${kind} backend ${name}; this version runs ${kind}: ${want.join(' or ')}`,
      );
    }
  }
  const dataDir = dataDirOf(repoRoot, config, opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  // Jobs of this data directory only: another reconciler's are not ours.
  const namespace = createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
  const local = config?.spec.local ?? {};
  const catalogPath = path.join(dataDir, 'catalog.sqlite');
  try {
    return {
      batch:
        backends.batch === 'slurm'
          ? new SlurmBatch({
              root: path.join(dataDir, 'slurm'),
              namespace,
              finishedFrom: backends.slurm?.finishedFrom ?? 'jobcomp',
              jobcompLog: backends.slurm?.jobcompLog ?? '/var/log/slurm/jobcomp.log',
            })
          : backends.batch === 'condor' || backends.batch === 'jobsub'
            ? new CondorBatch({
                root: path.join(dataDir, backends.batch),
                namespace,
                ...(backends.batch === 'jobsub'
                  ? { jobsub: jobsubIdentity(backends.jobsub, opts.env) }
                  : {}),
              })
            : new LocalExecutor({
                root: path.join(dataDir, 'local-batch'),
                slots: local.slots ?? cpus().length,
              }),
      catalog: new EmbeddedCatalog(catalogPath),
      store: new SqliteStore(path.join(dataDir, 'state.sqlite')),
      log: pino(
        { level: 'info', redact: ['env', '*.env'] },
        pino.destination({ dest: path.join(dataDir, 'reconciler.log'), sync: true }),
      ),
      clock: () => new Date(),
      env: opts.env,
      repoRoot,
      revision: opts.revision,
      dataDir,
      catalogPath,
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
    unlock();
    throw e;
  }
}

/** The jobsub_lite group (gitpoms.yaml, else $GROUP as jobsub_lite itself reads it) and role. */
function jobsubIdentity(
  settings: { group: string; role?: string } | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { group: string; role?: string } {
  const group = settings?.group ?? env.GROUP;
  if (!group)
    throw new GitpomsError(
      'backend-unavailable',
      'batch backend jobsub needs a group: set backends.jobsub.group in gitpoms.yaml, or GROUP in the environment',
    );
  return { group, ...(settings?.role ? { role: settings.role } : {}) };
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
