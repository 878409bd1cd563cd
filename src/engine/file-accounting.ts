// POMS's file accounting of a submission (submission_details, FilesPOMS.campaign_task_files):
// each count a dimension query, so each count is also the list of its files.
import type { Catalog } from '../adapters/catalog/types.js';
import type { DesiredState } from '../model/index.js';
import { quote } from '../job/dimensions.js';

export const FILE_CATEGORIES = [
  'submitted',
  'delivered',
  'consumed',
  'failed',
  'skipped',
  'with children declared',
  'with children located',
  'pending',
  'outputs declared',
  'outputs located',
] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

export interface FileCount {
  category: FileCategory;
  dims: string;
  count: number;
}

/**
 * The query of each category: the input files of the submission's project (its snapshot, and
 * their consumption status), and the files its jobs declared. A submission without input (a
 * Monte Carlo one) has outputs only.
 */
export function fileQueries(key: string, project: string | undefined): Map<FileCategory, string> {
  const mine = `gitpoms.submission ${quote(key)}`;
  const q = new Map<FileCategory, string>();
  if (project) {
    const p = quote(project);
    const snapshot = `snapshot_for_project_name ${p}`;
    q.set('submitted', snapshot);
    q.set('delivered', `project_name ${p} and consumed_status delivered`);
    q.set('consumed', `project_name ${p} and consumed_status consumed`);
    q.set('failed', `project_name ${p} and consumed_status % and process_status bad`);
    q.set('skipped', `project_name ${p} and consumed_status skipped`);
    q.set('with children declared', `${snapshot} and isparentof: ( ${mine} )`);
    q.set(
      'with children located',
      `${snapshot} and isparentof: ( ${mine} and availability physical )`,
    );
    q.set('pending', `${snapshot} minus project_name ${p}`);
  }
  q.set('outputs declared', mine);
  q.set('outputs located', `${mine} and availability physical`);
  return q;
}

export async function fileAccounting(
  catalog: Pick<Catalog, 'countFiles'>,
  key: string,
  project: string | undefined,
): Promise<FileCount[]> {
  const out: FileCount[] = [];
  for (const [category, dims] of fileQueries(key, project))
    out.push({ category, dims, count: await catalog.countFiles(dims) });
  return out;
}

/** A file is its campaign's (the gitpoms.campaign its job declared): that campaign's experiment. */
export function fileExperiment(
  desired: DesiredState | undefined,
  metadata: Record<string, unknown>,
): string | undefined {
  const c = metadata['gitpoms.campaign'];
  return typeof c === 'string'
    ? desired?.campaigns.find((x) => x.name === c)?.experiment
    : undefined;
}
