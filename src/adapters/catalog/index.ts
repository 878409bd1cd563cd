// The file catalogs gitpoms can use, by the name gitpoms.yaml's backends.catalog gives.
import path from 'node:path';
import { GitpomsError } from '../../errors.js';
import type { Backends } from '../../model/index.js';
import { EmbeddedCatalog } from './embedded/index.js';
import type { Catalog } from './types.js';

export interface CatalogOpenOptions {
  dataDir: string;
  backends: Backends;
  env: Readonly<Record<string, string | undefined>>;
}

export interface CatalogBackend {
  title: string;
  open(o: CatalogOpenOptions): Catalog;
}

/** The embedded catalog's database in a data directory. */
export function embeddedCatalogFile(dataDir: string): string {
  return path.join(dataDir, 'catalog.sqlite');
}

export const CATALOG_BACKENDS = {
  embedded: {
    title: 'the embedded SAM-like catalog',
    open: (o) => new EmbeddedCatalog(embeddedCatalogFile(o.dataDir)),
  },
  samweb: {
    title: 'SAM web',
    open: () => {
      // The adapter exists (src/adapters/catalog/samweb); jobs cannot reach it yet.
      throw new GitpomsError(
        'backend-unavailable',
        'gitpoms.yaml asks for catalog backend samweb; this version runs catalog: embedded (the samweb adapter is not yet wired to the job wrapper)',
      );
    },
  },
} as const satisfies Record<string, CatalogBackend>;

export type CatalogBackendName = keyof typeof CATALOG_BACKENDS;
export const CATALOG_BACKEND_NAMES = Object.keys(CATALOG_BACKENDS) as CatalogBackendName[];

export function openCatalog(name: CatalogBackendName, o: CatalogOpenOptions): Catalog {
  return CATALOG_BACKENDS[name].open(o);
}
