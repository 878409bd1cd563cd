import type {
  Backends,
  DesiredState,
  LaunchTemplateSpec,
  NamedJobType,
  ResolvedDefaults,
  ResolvedStage,
  StageRef,
} from '../model/index.js';

export const DEFAULTS: ResolvedDefaults = {
  launches: 'allowed',
  prune: false,
  pruneMaxFraction: 0.1,
  completionPercent: 95,
  concurrency: 4,
};

export function stageId(ref: StageRef): string {
  return `${ref.campaign}/${ref.stage}`;
}

export function findStage(desired: DesiredState, ref: StageRef): ResolvedStage | undefined {
  return desired.campaigns
    .find((c) => c.name === ref.campaign)
    ?.stages.find((s) => s.name === ref.stage);
}

export function findJobType(
  desired: DesiredState,
  experiment: string,
  name: string,
): NamedJobType | undefined {
  return desired.jobTypes.find((j) => j.experiment === experiment && j.name === name);
}

export type BatchName = NonNullable<LaunchTemplateSpec['batch']>;

/** The batch backends a deployment reaches, in order: the first is the default. */
export function reachableBatches(backends: Backends | undefined): BatchName[] {
  const b = backends?.batch ?? 'local';
  return typeof b === 'string' ? [b] : [...b];
}

/**
 * Which backend a template's submissions go to. One backend given over the deployment (the
 * embedded runtime, `backends.batch: local`, or `gitpoms run --batch`) runs every template's
 * launches; otherwise the template's own choice, or the deployment's first.
 */
export function batchOfTemplate(
  reachable: readonly BatchName[],
  template: Pick<LaunchTemplateSpec, 'batch'> | undefined,
  overAll?: BatchName,
): BatchName {
  if (overAll) return overAll;
  if (reachable.length === 1 && reachable[0] === 'local') return 'local';
  return template?.batch ?? reachable[0]!;
}
