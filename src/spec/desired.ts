import type {
  DesiredState,
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
