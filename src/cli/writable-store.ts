import { mkdirSync } from 'node:fs';
import type { Store } from '../adapters/store/types.js';
import { configuredStore, dataDirOf } from '../engine/open-deps.js';
import type { DesiredState } from '../model/index.js';
import { EXIT, dataDirFlag, loadOrReport, repoContext, type Io } from './io.js';

/** Where a command that writes the store finds it: the repository and the data directory. */
export interface StoreFlags {
  dataDir?: string;
  repo: string;
}

/**
 * Runs `fn` on the store of a valid repository's data directory, opened to write, with the
 * revision the reconciler applied last (overrides hold until the next one, which may come
 * from a git source, not this working directory). An invalid repository is reported and
 * nothing is opened.
 */
export async function withWritableStore(
  io: Io,
  setCode: (n: number) => void,
  flags: StoreFlags,
  fn: (s: Store, revision: string | undefined, desired: DesiredState) => Promise<void>,
): Promise<void> {
  const ctx = repoContext(io, flags.repo);
  const spec = await loadOrReport(io, ctx.repo);
  if (!spec?.desired) {
    setCode(EXIT.error);
    return;
  }
  const config = spec.docs.config?.value;
  const dir = dataDirOf(ctx.root, config, dataDirFlag(io, flags.dataDir));
  mkdirSync(dir, { recursive: true });
  const store = configuredStore(config, dir, io.env);
  try {
    const revision = (await store.appliedRevision())?.revision ?? ctx.revision;
    await fn(store, revision, spec.desired);
    setCode(EXIT.ok);
  } finally {
    await store.close();
  }
}
