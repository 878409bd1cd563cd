import type { FileRecoveryType } from '../model/index.js';

/** Values in a dimension query are quoted: submission keys contain '/', '#' and '+'. */
export function quote(v: string): string {
  if (v.includes("'")) throw new Error(`a quote in ${v} cannot be put in a dimension query`);
  return `'${v}'`;
}

/** A catalog project name from a submission key (deterministic, so a restarted reconciler finds it). */
export function projectName(key: string): string {
  return `gitpoms_${key.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

function patterns(filePatterns: readonly string[]): string {
  return filePatterns.length
    ? `(${filePatterns.map((p) => `file_name like ${quote(p)}`).join(' or ')})`
    : `file_name like '%'`;
}

/** Outputs of some submissions that match file patterns. */
export function outputsOf(submissions: readonly string[], filePatterns: readonly string[]): string {
  return `gitpoms.submission ${submissions.map(quote).join(',')} and ${patterns(filePatterns)}`;
}

/** Located outputs of one process of a submission (its PROCESS number, as the wrapper declares it). */
export function processOutputs(submission: string, process: number): string {
  return `gitpoms.submission ${quote(submission)} and gitpoms.process ${quote(String(process))} and availability physical`;
}

/** Files of a project's snapshot that have located outputs of the submission (the located-completion numerator). */
export function inputsWithLocatedOutputs(
  project: string,
  submission: string,
  filePatterns: readonly string[],
): string {
  return `snapshot_for_project_name ${quote(project)} and isparentof: (${outputsOf([submission], filePatterns)} and availability physical)`;
}

/** POMS's recovery queries, over the project a submission consumed. */
export function recoveryDimensions(
  type: FileRecoveryType,
  p: { project: string; definition: string; campaign: string; stage: string },
): string {
  const proj = quote(p.project);
  switch (type) {
    case 'added_files':
      return `defname: ${quote(p.definition)} minus snapshot_for_project_name ${proj}`;
    case 'consumed_status':
      return `snapshot_for_project_name ${proj} minus (project_name ${proj} and consumed_status co%)`;
    case 'process_status':
      // Also the files a process consumed before its job failed.
      return `snapshot_for_project_name ${proj} minus (project_name ${proj} and consumed_status co% and process_status completed)`;
    case 'delivered_not_consumed':
      return `project_name ${proj} and consumed_status skipped,unknown,delivered,transferred,unconsumed,cancelled`;
    case 'pending_files':
      return `snapshot_for_project_name ${proj} minus isparentof: (gitpoms.campaign ${quote(p.campaign)} and gitpoms.stage ${quote(p.stage)} and availability physical)`;
  }
}
