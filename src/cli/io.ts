import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { fsRepo } from '../source/fs-repo.js';
import { resolveRevision } from '../source/git-repo.js';
import { byPosition, formatDiagnostic, type Diagnostic } from '../desired/diagnostic.js';
import { checkSpec, type SpecResult } from '../desired/index.js';
import { CONFIG_FILE } from '../desired/load.js';
import type { RepoFiles } from '../desired/repo.js';

import type { Io } from './process-io.js';

export { EXIT, processIo, type Io } from './process-io.js';

/** --data-dir, resolved against the directory the command runs in. */
export function dataDirFlag(io: Io, dataDir: string | undefined): string | undefined {
  return dataDir === undefined ? undefined : path.resolve(io.cwd, dataDir);
}

/** A flag that must be a positive number; anything else is refused with the flag's name. */
export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidInputError(`${flag} ${value}: must be a positive number`);
  return n;
}

export function printDiagnostics(io: Io, diags: readonly Diagnostic[]): void {
  const sorted = [...diags].sort(byPosition);
  for (const d of sorted) io.stderr(`${formatDiagnostic(d)}\n`);
  const errors = sorted.filter((d) => d.severity === 'error').length;
  const warnings = sorted.length - errors;
  if (errors)
    io.stderr(
      `${errors} error(s)${warnings ? `, ${warnings} warning(s)` : ''}; nothing was changed.\n`,
    );
}

export interface RepoContext {
  root: string;
  repo: RepoFiles;
  revision: string | undefined;
}

/**
 * The repository a path is in, as git finds it: the nearest directory at or above it holding
 * gitpoms.yaml or .git; undefined when there is none.
 */
export function repoRootOf(start: string): string | undefined {
  let dir = existsSync(start) && !statSync(start).isDirectory() ? path.dirname(start) : start;
  for (;;) {
    if (existsSync(path.join(dir, CONFIG_FILE)) || existsSync(path.join(dir, '.git'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

export function repoContext(io: Io, repoOpt: string | undefined): RepoContext {
  const root = path.resolve(io.cwd, repoOpt ?? '.');
  return { root, repo: fsRepo(root), revision: resolveRevision(root) };
}

/** Loads and validates (secret scan included); prints diagnostics; undefined when there are errors. */
export async function loadOrReport(io: Io, repo: RepoFiles): Promise<SpecResult | undefined> {
  const result = await checkSpec(repo);
  printDiagnostics(io, result.diagnostics);
  return result.desired ? result : undefined;
}

/** The campaign document of that name, or an error listing the campaigns there are. */
export function campaignDoc(
  spec: SpecResult,
  name: string,
): SpecResult['docs']['campaigns'][number] {
  const found = spec.docs.campaigns.find((c) => c.value.metadata.name === name);
  if (found) return found;
  const names = spec.docs.campaigns.map((c) => c.value.metadata.name);
  throw new InvalidInputError(`no campaign ${name}; the campaigns are ${names.join(', ')}`);
}
