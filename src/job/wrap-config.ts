import type { CatalogSpec } from '../adapters/catalog/index.js';
import type { OutputSpec } from './job-plan.js';

/** Everything a job's wrapper needs, written once per submission. */
export interface WrapConfig {
  submission: string;
  campaign: string;
  stage: string;
  /** The catalog the job takes input from and declares outputs in. */
  catalog: CatalogSpec;
  /** Project the jobs consume input files from. */
  project?: string;
  filesPerJob: number;
  executable: string[];
  outputs: OutputSpec[];
  /** Logical destinations such as /pnfs/sbnd/… live under this directory on this machine. */
  storageRoot: string;
  application: { family: string; name: string; version: string };
  /** SAM parameter categories the experiment defines. */
  categories: string[];
  setup: string[];
}
