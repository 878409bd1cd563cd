import type { SplitSpec } from './split.js';
import type {
  Defaults,
  JobTypeSpec,
  LaunchTemplateSpec,
  ServiceSpec,
  State,
} from './types.generated.js';

export type DatasetSpec =
  | { kind: 'none' }
  | { kind: 'fromParent' }
  | { kind: 'definition'; name: string }
  | { kind: 'query'; dimensions: string };

export interface StageRef {
  campaign: string;
  stage: string;
}

export interface ResolvedDependency extends StageRef {
  filePatterns: string[];
}

/** A stage with every default and inherited value filled in. */
export interface ResolvedStage {
  campaign: string;
  experiment: string;
  name: string;
  /** Position in the campaign's topological order (parents first). */
  order: number;
  state: State;
  voRole: 'production' | 'analysis';
  softwareVersion: string | undefined;
  dataset: DatasetSpec;
  submissions: number;
  split: SplitSpec;
  /** Slices of a split stage in flight at once (default 1). */
  slicesInFlight: number;
  completion: { type: 'complete' | 'located'; percent: number };
  /** -O overrides in application order: job type, campaign, stage (later wins). */
  overrides: Array<[string, string]>;
  arguments: string[];
  dependsOn: ResolvedDependency[];
  jobType: string;
  launchTemplate: string;
  schedule: string | undefined;
  tags: string[];
}

export interface ResolvedCampaign {
  name: string;
  experiment: string;
  state: State;
  prune: boolean | 'confirm';
  selfHeal: boolean;
  tags: string[];
  stages: ResolvedStage[];
}

export interface ResolvedRecovery {
  type: NonNullable<JobTypeSpec['recoveries']>[number]['type'];
  overrides: Array<[string, string]>;
}

export interface NamedJobType extends Omit<JobTypeSpec, 'recoveries'> {
  name: string;
  experiment: string;
  /** The ordered recovery list, overrides as -O pairs. */
  recoveries: ResolvedRecovery[];
  /** fife_launch config path when the launch command is fife_launch. */
  fifeConfig: string | undefined;
}

export interface NamedLaunchTemplate extends LaunchTemplateSpec {
  name: string;
  experiment: string;
}

export interface NamedService extends ServiceSpec {
  name: string;
  experiment: string;
}

export interface DesiredState {
  campaigns: ResolvedCampaign[];
  jobTypes: NamedJobType[];
  launchTemplates: NamedLaunchTemplate[];
  services: NamedService[];
  defaults: ResolvedDefaults;
}

/**
 * Repository defaults with every value filled in; no launch-rate limit and no bound on launches
 * in flight but concurrency unless one is set.
 */
export type ResolvedDefaults = Required<
  Omit<Defaults, 'maxLaunchesPerMinute' | 'launchesInFlight'>
> &
  Pick<Defaults, 'maxLaunchesPerMinute' | 'launchesInFlight'>;
