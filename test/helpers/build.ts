// Builders of resolved desired state and observed state for planner tests: each test says
// only what its scenario is about.
import { DEFAULTS } from '../../src/desired/desired.js';
import type {
  DesiredState,
  NamedJobType,
  ObservedJob,
  ResolvedCampaign,
  ResolvedStage,
  SubmissionRecord,
} from '../../src/model/index.js';

export const NOW = new Date('2026-11-25T12:00:00Z');

export type StageBuild = Partial<Omit<ResolvedStage, 'dependsOn'>> & {
  name: string;
  /** Parent stage names in the same campaign. */
  after?: string[];
};

export function stage(campaign: string, order: number, s: StageBuild): ResolvedStage {
  const { after, ...rest } = s;
  return {
    campaign,
    experiment: 'sbnd',
    order,
    state: 'active',
    voRole: 'production',
    softwareVersion: undefined,
    dataset: after?.length ? { kind: 'fromParent' } : { kind: 'none' },
    submissions: 1,
    split: { type: 'none' },
    slicesInFlight: 1,
    completion: { type: 'complete', percent: 100 },
    overrides: [],
    arguments: [],
    dependsOn: (after ?? []).map((p) => ({ campaign, stage: p, filePatterns: ['%.root'] })),
    jobType: 'run',
    launchTemplate: 'here',
    schedule: undefined,
    tags: [],
    ...rest,
  };
}

export function campaign(
  name: string,
  stages: StageBuild[],
  over: Partial<Omit<ResolvedCampaign, 'stages'>> = {},
): ResolvedCampaign {
  return {
    name,
    experiment: 'sbnd',
    state: 'active',
    prune: false,
    selfHeal: false,
    tags: [],
    stages: stages.map((s, i) => stage(name, i, s)),
    ...over,
  };
}

/** A job type running a script (no fife_launch), with the given recoveries. */
export function jobType(over: Partial<NamedJobType> = {}): NamedJobType {
  return {
    name: 'run',
    experiment: 'sbnd',
    launch: ['run.sh'],
    outputFilePatterns: ['%.root'],
    recoveries: [],
    fifeConfig: undefined,
    ...over,
  };
}

export function desired(
  campaigns: ResolvedCampaign[],
  over: Partial<Omit<DesiredState, 'campaigns'>> = {},
): DesiredState {
  return {
    campaigns,
    jobTypes: [jobType()],
    launchTemplates: [{ name: 'here', experiment: 'sbnd' }],
    services: [],
    defaults: { ...DEFAULTS },
    ...over,
  };
}

export function record(key: string, over: Partial<SubmissionRecord> = {}): SubmissionRecord {
  const [c, s, rest] = key.split('/') as [string, string, string];
  const [slice, attempt] = rest.split('#') as [string, string];
  return {
    key,
    campaign: c,
    stage: s,
    slice,
    attempt: Number(attempt),
    launchedAt: '2026-11-25T10:00:00Z',
    status: 'launched',
    ...over,
  };
}

export function jobsOf(
  key: string,
  states: Array<ObservedJob['state'] | [ObservedJob['state'], number]>,
): ObservedJob[] {
  return states.map((st, i) => {
    const [state, exitCode] = Array.isArray(st) ? st : [st, st === 'completed' ? 0 : undefined];
    return {
      id: `${key}.${i}`,
      submission: key,
      state,
      ...(exitCode !== undefined ? { exitCode, endedAt: '2026-11-25T11:00:00Z' } : {}),
    };
  });
}
