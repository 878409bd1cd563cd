// The state stores gitpoms can keep its records in, by the name backends.store gives.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Backends } from '../../model/index.js';
import { resolveSecret } from '../../secrets.js';
import { PostgresStore } from './postgres/index.js';
import { SqliteStore } from './sqlite/index.js';
import type { StoreTables } from './tables.js';
import type { Store } from './types.js';

export interface StoreOpenOptions {
  dataDir: string;
  /** gitpoms.yaml's backends (a server store's connection). */
  backends?: Backends;
  /** Where a connection given by reference is read. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Operator commands read the store and never write it. */
  readonly?: boolean;
  /** The time its records carry (the reconciler's clock). */
  clock?: () => Date;
  /** Replicas share it under leases this long: a server store ends a session frozen inside a write by then. */
  leaseMs?: number;
}

export interface StoreBackend {
  title: string;
  open(o: StoreOpenOptions): Store & StoreTables;
  /** Whether there is state to read (operator commands need a run first); a server store says on open. */
  hasState(dataDir: string): boolean;
}

export function sqliteStoreFile(dataDir: string): string {
  return path.join(dataDir, 'state.sqlite');
}

/** The environment variable the PostgreSQL URL is read from when gitpoms.yaml names none. */
export const STORE_URL_ENV = 'GITPOMS_STORE_URL';

export const STORE_BACKENDS = {
  sqlite: {
    title: 'the embedded SQLite store',
    open: (o) =>
      new SqliteStore(sqliteStoreFile(o.dataDir), {
        readonly: o.readonly ?? false,
        ...(o.clock ? { clock: o.clock } : {}),
      }),
    hasState: (dataDir) => existsSync(sqliteStoreFile(dataDir)),
  },
  postgres: {
    title: 'a PostgreSQL server',
    open: (o) => {
      const s = o.backends?.postgres ?? {};
      return new PostgresStore({
        url: resolveSecret(
          s.url ?? { fromEnv: STORE_URL_ENV },
          o.env ?? {},
          'backends.postgres.url',
        ),
        schema: s.schema,
        poolSize: s.poolSize,
        statementTimeoutMs:
          s.statementTimeoutSeconds === undefined ? undefined : s.statementTimeoutSeconds * 1000,
        readonly: o.readonly ?? false,
        idleInTransactionMs: o.leaseMs,
        ...(o.clock ? { clock: o.clock } : {}),
      });
    },
    hasState: () => true,
  },
} as const satisfies Record<string, StoreBackend>;

export type StoreBackendName = keyof typeof STORE_BACKENDS;
export const STORE_BACKEND_NAMES = Object.keys(STORE_BACKENDS) as StoreBackendName[];

export function openStore(name: StoreBackendName, o: StoreOpenOptions): Store & StoreTables {
  return STORE_BACKENDS[name].open(o);
}
