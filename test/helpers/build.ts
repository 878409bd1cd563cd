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

const SBND_STAGES: Array<[string, string]> = [
  ['g4', 'standard_g4_sbnd.fcl'],
  ['detsim', 'standard_detsim_sbnd.fcl'],
  ['reco', 'standard_reco_sbnd_basic.fcl'],
  ['anatree', 'standard_anatree_sbnd.fcl'],
];

/**
 * The example repository's SBND campaign (campaigns/sbnd), resolved, as builders:
 * gen → g4 → detsim → reco → anatree over fife_launch, two gen submissions of 10 jobs,
 * two recoveries. test/examples.test.ts pins it to what the YAML resolves to.
 */
export function sbndDesired(): DesiredState {
  const c = 'sbnd-mcc-test-1';
  const common = {
    softwareVersion: 'v06_48_00_MCC',
    launchTemplate: 'sbnd-launch',
    tags: ['mcc_test_1'],
  };
  const gen: StageBuild = {
    ...common,
    name: 'gen',
    submissions: 2,
    jobType: 'sbnd-gen-fife-launch',
    overrides: [
      ['job_output.add_to_dataset', '_poms_task'],
      ['global.fclfile', 'prodgenie_nu_singleinteraction_cryostat_gsimple-config-v1.fcl'],
      ['global.basename', 'gen'],
      ['submit.N', '10'],
      ['executable.arg_5', '-n15'],
    ],
  };
  const later = SBND_STAGES.map(
    ([name, fcl], i): StageBuild => ({
      ...common,
      name,
      after: [i === 0 ? 'gen' : SBND_STAGES[i - 1]![0]],
      jobType: 'sbnd-fife-launch',
      completion: { type: 'located', percent: 95 },
      overrides: [
        ['submit.n_files_per_job', '1'],
        ['global.fclfile', fcl],
        ['global.basename', name],
      ],
    }),
  );
  const fife: Pick<
    NamedJobType,
    'experiment' | 'launch' | 'fifeConfig' | 'outputFilesPerJob' | 'outputFilePatterns'
  > = {
    experiment: 'sbnd',
    launch: ['fife_launch', '-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg'],
    fifeConfig: 'campaigns/sbnd/cfg/sbnd_launch.cfg',
    outputFilesPerJob: 1,
    outputFilePatterns: ['%.root'],
  };
  const proxy = '/opt/sbndpro/sbndpro.Production.proxy';
  return desired([campaign(c, [gen, ...later], { tags: ['mcc_test_1'] })], {
    jobTypes: [
      {
        ...fife,
        name: 'sbnd-gen-fife-launch',
        definitionParameters: { overrides: { 'job_output.add_to_dataset': '_poms_task' } },
        inputFilesPerJob: 0,
        recoveries: [{ type: 'failed_jobs', overrides: [] }],
      },
      {
        ...fife,
        name: 'sbnd-fife-launch',
        definitionParameters: { overrides: { 'submit.n_files_per_job': 1 } },
        inputFilesPerJob: 1,
        recoveries: [
          { type: 'consumed_status', overrides: [] },
          { type: 'process_status', overrides: [['submit.memory', '4000MB']] },
        ],
      },
    ],
    launchTemplates: [
      {
        name: 'sbnd-launch',
        experiment: 'sbnd',
        host: 'sbndgpvm01.fnal.gov',
        account: 'sbndpro',
        setup: [
          ['setup', 'fife_utils', 'v3_2_0'],
          ['setup', 'poms_client'],
          ['setup', 'poms_jobsub_wrapper'],
        ],
        environment: { X509_USER_PROXY: { value: proxy } },
        credentials: { x509Proxy: proxy },
        batch: 'jobsub',
      },
    ],
    services: [
      {
        name: 'sam-sbnd',
        experiment: 'sbnd',
        probe: { catalog: true },
        intervalSeconds: 60,
        timeoutSeconds: 10,
        gatesLaunches: true,
      },
      {
        name: 'dcache-sbnd',
        experiment: 'sbnd',
        probe: { command: ['test', '-d', '/pnfs/sbnd/scratch'] },
        intervalSeconds: 300,
        gatesLaunches: false,
      },
    ],
  });
}
