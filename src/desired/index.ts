import { formatDiagnostic, type Diagnostic } from './diagnostic.js';
import type { DesiredState } from '../model/index.js';
import { loadDocuments, type LoadedDocs } from './load.js';
import type { RepoFiles } from './repo.js';
import { checkAndResolve } from './rules/index.js';

export interface SpecResult {
  docs: LoadedDocs;
  /** Present only when there are no errors. */
  desired: DesiredState | undefined;
  diagnostics: Diagnostic[];
}

/** Several stages inheriting one bad campaign field report it once. */
function unique(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = formatDiagnostic(d);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Loads, validates and resolves the declarations of one repository revision. */
export function loadSpec(
  repo: RepoFiles,
  opts: { paths?: readonly string[]; extraPaths?: readonly string[] } = {},
): SpecResult {
  const loaded = loadDocuments(repo, opts);
  if (loaded.diagnostics.some((d) => d.severity === 'error')) {
    return { docs: loaded.docs, desired: undefined, diagnostics: loaded.diagnostics };
  }
  const checked = checkAndResolve(loaded.docs, repo);
  return {
    docs: loaded.docs,
    desired: checked.desired,
    diagnostics: unique([...loaded.diagnostics, ...checked.diagnostics]),
  };
}

export type { Diagnostic } from './diagnostic.js';
export { formatDiagnostic, hasErrors } from './diagnostic.js';
export type { DesiredState, ResolvedCampaign, ResolvedStage } from '../model/index.js';
export type { RepoFiles } from './repo.js';
export { memoryRepo } from './repo.js';
