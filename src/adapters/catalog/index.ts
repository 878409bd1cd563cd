// The file catalogs gitpoms can use, by the name gitpoms.yaml's backends.catalog gives. A
// catalog is described by a CatalogSpec (references to credentials, never their values), so
// the reconciler, the operator commands and every job's wrapper open the same one.
import path from 'node:path';
import { GitpomsError } from '../../errors.js';
import type { Backends, SamwebSettings } from '../../model/index.js';
import { resolveSecret } from '../../secrets.js';
import { EmbeddedCatalog } from './embedded/index.js';
import { SamwebCatalog } from './samweb/index.js';
import type { Catalog } from './types.js';

export interface CatalogOpenOptions {
  dataDir: string;
  backends: Backends;
  env: Readonly<Record<string, string | undefined>>;
  clock?: () => Date;
  /** Operator commands and dry runs read the catalog and never write it. */
  readonly?: boolean;
}

/** How to reach a catalog, from any process: written into each job's wrapper config. */
export type CatalogSpec =
  | { kind: 'embedded'; file: string }
  | { kind: 'samweb'; settings: SamwebSettings };

export interface CatalogBackend {
  title: string;
  spec(o: CatalogOpenOptions): CatalogSpec;
}

/** The embedded catalog's database in a data directory. */
export function embeddedCatalogFile(dataDir: string): string {
  return path.join(dataDir, 'catalog.sqlite');
}

export const CATALOG_BACKENDS = {
  embedded: {
    title: 'the embedded SAM-like catalog',
    spec: (o) => ({ kind: 'embedded', file: embeddedCatalogFile(o.dataDir) }),
  },
  samweb: {
    title: 'SAM web',
    spec: (o) => {
      if (!o.backends.samweb)
        throw new GitpomsError(
          'backend-unavailable',
          'catalog backend samweb needs backends.samweb in gitpoms.yaml: baseUrl, station and group',
        );
      return { kind: 'samweb', settings: o.backends.samweb };
    },
  },
} as const satisfies Record<string, CatalogBackend>;

export type CatalogBackendName = keyof typeof CATALOG_BACKENDS;
export const CATALOG_BACKEND_NAMES = Object.keys(CATALOG_BACKENDS) as CatalogBackendName[];

export function catalogSpecOf(name: CatalogBackendName, o: CatalogOpenOptions): CatalogSpec {
  return CATALOG_BACKENDS[name].spec(o);
}

/**
 * Opens the catalog a spec describes. Credentials are resolved here, in the environment of
 * the process that opens it (a job reads its own token), and never written anywhere.
 */
export function openCatalogSpec(
  spec: CatalogSpec,
  o: {
    env: Readonly<Record<string, string | undefined>>;
    /** The application a job's consumer processes announce. */
    app?: { name: string; version: string; family: string };
    /** The time the embedded catalog's records carry. */
    clock?: () => Date;
    readonly?: boolean;
  },
): Catalog {
  const { env, app } = o;
  if (spec.kind === 'embedded')
    return new EmbeddedCatalog(spec.file, {
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.readonly ? { readonly: true } : {}),
    });
  const s = spec.settings;
  return new SamwebCatalog({
    baseUrl: s.baseUrl,
    station: s.station,
    group: s.group,
    ...(s.token ? { token: resolveSecret(s.token, env, 'backends.samweb.token') } : {}),
    ...(s.cert
      ? {
          cert: {
            certFile: s.cert.certFile,
            ...(s.cert.keyFile ? { keyFile: s.cert.keyFile } : {}),
            ...(s.cert.caFile ? { caFile: s.cert.caFile } : {}),
          },
        }
      : {}),
    ...(s.timeoutSeconds ? { timeoutMs: s.timeoutSeconds * 1000 } : {}),
    ...(app ? { app } : {}),
  });
}

export function openCatalog(name: CatalogBackendName, o: CatalogOpenOptions): Catalog {
  return openCatalogSpec(catalogSpecOf(name, o), o);
}
