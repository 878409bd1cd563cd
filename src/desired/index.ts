import { formatDiagnostic, type Diagnostic } from './diagnostic.js';
import type { DesiredState } from '../model/index.js';
import { loadDocuments, type LoadedDocs } from './load.js';
import type { RepoFiles } from './repo.js';
import { checkAndResolve } from './rules/index.js';
import { scanSecrets } from './scan-secrets.js';

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

/**
 * loadSpec, then every file it read scanned for literal credentials (secretlint): what
 * every command that acts on, plans from or reports on a revision runs.
 */
export async function checkSpec(
  repo: RepoFiles,
  opts: { paths?: readonly string[]; extraPaths?: readonly string[] } = {},
): Promise<SpecResult> {
  const read = new Map<string, string>();
  const result = loadSpec(
    {
      ...repo,
      read: (p) => {
        const text = repo.read(p);
        if (text !== undefined) read.set(p, text);
        return text;
      },
    },
    opts,
  );
  return withSecretScan(result, read);
}

/** A load's result with the files it read scanned for literal credentials (an error each). */
export async function withSecretScan(
  result: SpecResult,
  read: ReadonlyMap<string, string>,
): Promise<SpecResult> {
  const secrets = await scanSecrets(
    [...read].map(([file, text]) => ({ file, text })),
    result.diagnostics,
  );
  if (secrets.length === 0) return result;
  return { ...result, desired: undefined, diagnostics: [...result.diagnostics, ...secrets] };
}

export type { Diagnostic } from './diagnostic.js';
export { formatDiagnostic, hasErrors } from './diagnostic.js';
export type { DesiredState, ResolvedCampaign, ResolvedStage } from '../model/index.js';
export type { RepoFiles } from './repo.js';
export { memoryRepo } from './repo.js';
