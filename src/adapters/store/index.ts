// The state stores gitpoms can keep its records in, by the name backends.store gives.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SqliteStore } from './sqlite/index.js';
import type { Store } from './types.js';

export interface StoreOpenOptions {
  dataDir: string;
  /** Operator commands read the store and never write it. */
  readonly?: boolean;
  /** The time its records carry (the reconciler's clock). */
  clock?: () => Date;
}

export interface StoreBackend {
  title: string;
  open(o: StoreOpenOptions): Store;
  /** Whether a data directory has state to read (operator commands need a run first). */
  hasState(dataDir: string): boolean;
}

export function sqliteStoreFile(dataDir: string): string {
  return path.join(dataDir, 'state.sqlite');
}

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
} as const satisfies Record<string, StoreBackend>;

export type StoreBackendName = keyof typeof STORE_BACKENDS;
export const STORE_BACKEND_NAMES = Object.keys(STORE_BACKENDS) as StoreBackendName[];

export function openStore(name: StoreBackendName, o: StoreOpenOptions): Store {
  return STORE_BACKENDS[name].open(o);
}
