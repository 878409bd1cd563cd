import { cpus } from 'node:os';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import PQueue from 'p-queue';
import { pino } from 'pino';
import { DEFAULTS } from '../spec/desired.js';
import { LocalExecutor } from '../adapters/batch/local/index.js';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { SqliteStore } from '../adapters/store/sqlite/index.js';
import { GitpomsError } from '../errors.js';
import type { Config } from '../spec/types.generated.js';
import type { Deps } from './deps.js';

export const DEFAULT_DATA_DIR = '.gitpoms-data';

export function dataDirOf(repoRoot: string, config: Config | undefined, override?: string): string {
  return path.resolve(repoRoot, override ?? config?.spec.dataDir ?? DEFAULT_DATA_DIR);
}

/** Opens the embedded backends: local executor, embedded catalog, SQLite store, a log file. */
export function openEmbedded(
  repoRoot: string,
  config: Config | undefined,
  opts: {
    dataDir?: string;
    revision: string | undefined;
    env: Readonly<Record<string, string | undefined>>;
  },
): Deps {
  const backends = config?.spec.backends ?? {};
  for (const [kind, name, want] of [
    ['batch', backends.batch, 'local'],
    ['catalog', backends.catalog, 'embedded'],
    ['store', backends.store, 'sqlite'],
  ] as const) {
    if (name !== undefined && name !== want) {
      throw new GitpomsError(
        'backend-unavailable',
        `gitpoms.yaml asks for ${kind} backend ${name}; this version runs only the embedded ones (${kind}: ${want})`,
      );
    }
  }
  const dataDir = dataDirOf(repoRoot, config, opts.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const local = config?.spec.local ?? {};
  const catalogPath = path.join(dataDir, 'catalog.sqlite');
  return {
    batch: new LocalExecutor({
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
  };
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
  await deps.batch.close();
  await deps.catalog.close();
  await deps.store.close();
}
