import { describe, expect, it } from 'vitest';
import {
  NOW,
  campaign,
  desired,
  jobType,
  jobsOf,
  record,
  type StageBuild,
} from '../../test/helpers/build.js';
import type {
  DerivedStatus,
  DesiredState,
  Observed,
  ObservedJob,
  OperatorOverride,
  SubmissionRecord,
} from '../model/index.js';
import { completionStep } from './completion.js';
import { buildIndexes } from './indexes.js';
import { jobActionsStep } from './job-actions.js';
import { applyOverrides } from './overrides.js';
import { plan as planUnchecked } from './plan.js';
import { checkedPlan } from '../../test/helpers/plan-schema.js';

/** Every plan these tests make is also held to the published JSON schema of plans. */
const plan = (...a: Parameters<typeof planUnchecked>) => checkedPlan(planUnchecked(...a));
import { pruneStep } from './prune.js';
import { deriveStatuses } from './status.js';
import type { Action } from './types.js';

function observed(jobs: ObservedJob[] = [], over: Partial<Observed> = {}): Observed {
  return { jobs, outputs: {}, recoveryFiles: {}, splits: {}, services: {}, ...over };
}

function brief(actions: readonly Action[]): string[] {
  return actions.map((a) =>
    'jobs' in a ? `${a.kind} ${a.key} x${a.jobs.length}` : `${a.kind} ${a.key}`,
  );
}

const one = (stages: StageBuild[] = [{ name: 'gen' }], over = {}) =>
  desired([campaign('c', stages, over)]);

describe('step: status derivation', () => {
  it.each<[string, SubmissionRecord['status'], ObservedJob['state'][], DerivedStatus]>([
    ['no jobs yet', 'launched', [], 'unknown'],
    ['one running job makes it running', 'launched', ['idle', 'running', 'completed'], 'running'],
    ['held before idle', 'launched', ['idle', 'held'], 'held'],
    ['idle', 'launched', ['idle', 'completed'], 'idle'],
    ['all finished, removed ones too', 'launched', ['completed', 'removed'], 'completed'],
    ['a located record stays located whatever the jobs', 'located', ['running'], 'located'],
    ['a failed record stays failed', 'failed', [], 'failed'],
    ['a failed launch', 'launch-failed', [], 'launch-failed'],
  ])('%s', (_name, status, states, expected) => {
    const r = record('c/gen/mc-1#1', { status });
    const ix = buildIndexes(one(), observed(jobsOf(r.key, states)), [r]);
    expect(deriveStatuses(ix).get(r.key)).toBe(expected);
  });
});

describe('step: completion', () => {
  const key = 'c/gen/mc-1#1';
  it.each<
    [string, StageBuild['completion'], ObservedJob[], Observed['outputs'], string[], string[]]
  >([
    [
      'complete: every job succeeded',
      { type: 'complete', percent: 100 },
      jobsOf(key, ['completed', 'completed']),
      {},
      [`mark-located ${key}`],
      [],
    ],
    [
      'complete: one failed job of two is 50 %',
      { type: 'complete', percent: 60 },
      jobsOf(key, ['completed', ['completed', 1]]),
      {},
      [`mark-failed ${key}`],
      [],
    ],
    [
      'located: waits for the catalog to report',
      { type: 'located', percent: 95 },
      jobsOf(key, ['completed']),
      {},
      [],
      ['waiting'],
    ],
    [
      'located: enough outputs located',
      { type: 'located', percent: 90 },
      jobsOf(key, ['completed']),
      { [key]: { expected: 10, located: 9 } },
      [`mark-located ${key}`],
      [],
    ],
    [
      'located: short, but more may come within the grace period',
      { type: 'located', percent: 95 },
      jobsOf(key, ['completed']).map((j) => ({ ...j, endedAt: '2026-11-25T11:30:00Z' })),
      { [key]: { expected: 10, located: 9 } },
      [],
      ['waiting'],
    ],
    [
      'located: short an hour after the last job ended',
      { type: 'located', percent: 95 },
      jobsOf(key, ['completed']).map((j) => ({ ...j, endedAt: '2026-11-25T10:30:00Z' })),
      { [key]: { expected: 10, located: 9 } },
      [`mark-failed ${key}`],
      [],
    ],
    [
      'located: short and final',
      { type: 'located', percent: 95 },
      jobsOf(key, ['completed']),
      { [key]: { expected: 10, located: 9, final: true } },
      [`mark-failed ${key}`],
      [],
    ],
    [
      'running submissions are not judged',
      { type: 'complete', percent: 100 },
      jobsOf(key, ['completed', 'running']),
      {},
      [],
      [],
    ],
  ])('%s', (_name, completion, jobs, outputs, actions, notes) => {
    const d = one([{ name: 'gen', completion }]);
    const r = record(key);
    const obs = observed(jobs, { outputs });
    const ix = buildIndexes(d, obs, [r]);
    const out = completionStep(ix, deriveStatuses(ix), obs, NOW);
    expect(brief(out.actions)).toEqual(actions);
    expect(out.notes.map((n) => n.kind)).toEqual(notes);
    const settled = actions.map((a) => [key, a.startsWith('mark-located') ? 'located' : 'failed']);
    expect([...out.settled]).toEqual(settled);
  });

  it.each<[string, StageBuild['completion'], Observed['outputs'], string[]]>([
    [
      'located: its outputs arrived after all',
      { type: 'located', percent: 95 },
      { [key]: { expected: 10, located: 10, final: true } },
      [`mark-located ${key}`],
    ],
    [
      'located: still short',
      { type: 'located', percent: 95 },
      { [key]: { expected: 10, located: 9, final: true } },
      [],
    ],
    [
      'located: not looked at again (no outputs observed)',
      { type: 'located', percent: 95 },
      {},
      [],
    ],
    [
      'complete: its jobs decided; outputs do not change that',
      { type: 'complete', percent: 100 },
      { [key]: { expected: 10, located: 10, final: true } },
      [],
    ],
  ])('a failed submission, %s', (_name, completion, outputs, actions) => {
    const d = one([{ name: 'gen', completion }]);
    const obs = observed(jobsOf(key, ['completed', ['completed', 1]]), { outputs });
    const ix = buildIndexes(d, obs, [record(key, { status: 'failed' })]);
    const out = completionStep(ix, deriveStatuses(ix), obs, NOW);
    expect(brief(out.actions)).toEqual(actions);
    expect([...out.settled.values()]).toEqual(actions.length ? ['located'] : []);
  });
});

describe('step: job actions', () => {
  const key = 'c/gen/mc-1#1';
  it.each<
    [string, DesiredState, Partial<SubmissionRecord>, ObservedJob['state'][], string[], string[]]
  >([
    ['active: nothing to do', one(), {}, ['running', 'idle'], [], []],
    [
      'killed stage: kill live jobs only',
      one([{ name: 'gen', state: 'killed' }]),
      {},
      ['running', 'held', 'completed'],
      [`kill ${key} x2`],
      [],
    ],
    [
      'killed campaign wins over an active stage',
      one(undefined, { state: 'killed' }),
      {},
      ['idle'],
      [`kill ${key} x1`],
      [],
    ],
    [
      'held stage: hold idle and running',
      one([{ name: 'gen', state: 'held' }]),
      {},
      ['idle', 'running', 'held'],
      [`hold ${key} x2`],
      [],
    ],
    [
      'held by gitpoms, released outside: drift only',
      one([{ name: 'gen', state: 'held' }]),
      { heldByGitpoms: true },
      ['running'],
      [],
      ['drift'],
    ],
    [
      'held by gitpoms, released outside, selfHeal: hold again',
      one([{ name: 'gen', state: 'held' }], { selfHeal: true }),
      { heldByGitpoms: true },
      ['running'],
      [`hold ${key} x1`],
      ['drift'],
    ],
    [
      'active again: release what gitpoms held',
      one(),
      { heldByGitpoms: true },
      ['held', 'running'],
      [`release ${key} x1`],
      [],
    ],
    ['held outside gitpoms: drift only', one(), {}, ['held'], [], ['drift']],
    [
      'held outside gitpoms, selfHeal: release',
      one(undefined, { selfHeal: true }),
      {},
      ['held'],
      [`release ${key} x1`],
      ['drift'],
    ],
    [
      'removed outside gitpoms while running: drift',
      one(),
      {},
      ['removed', 'running'],
      [],
      ['drift'],
    ],
  ])('%s', (_name, d, over, states, actions, notes) => {
    const r = record(key, over);
    const ix = buildIndexes(d, observed(jobsOf(key, states)), [r]);
    const out = jobActionsStep(ix);
    expect(brief(out.actions)).toEqual(actions);
    expect(out.notes.map((n) => n.kind)).toEqual(notes);
  });
});

describe('step: prune', () => {
  const gone = record('c/old/mc-1#1');
  const kept = record('c/gen/mc-1#1');
  const jobs = [
    ...jobsOf(gone.key, ['running', 'running']),
    ...jobsOf(kept.key, Array(18).fill('running')),
  ];
  const confirm: OperatorOverride = {
    id: 1,
    action: 'prune',
    campaign: 'c',
    stage: 'old',
    actor: 'shifter',
    reason: 'removed in !42',
    createdAt: '2026-11-25T11:00:00Z',
  };
  it.each<[string, DesiredState, OperatorOverride[], string[], string[]]>([
    ['prune off keeps the jobs', one(), [], [], ['orphaned']],
    [
      'confirm waits for an operator',
      one(undefined, { prune: 'confirm' }),
      [],
      [],
      ['prune-confirm'],
    ],
    [
      'an operator confirmation prunes whatever the policy',
      one(),
      [confirm],
      [`kill ${gone.key} x2`],
      [],
    ],
    [
      'prune on, within the fraction',
      desired([campaign('c', [{ name: 'gen' }], { prune: true })], {
        defaults: { ...one().defaults, pruneMaxFraction: 0.1 },
      }),
      [],
      [`kill ${gone.key} x2`],
      [],
    ],
    [
      'prune on, beyond the fraction: the guard',
      desired([campaign('c', [{ name: 'gen' }], { prune: true })], {
        defaults: { ...one().defaults, pruneMaxFraction: 0.05 },
      }),
      [],
      [],
      ['prune-guard'],
    ],
  ])('%s', (_name, d, overrides, actions, notes) => {
    const ix = buildIndexes(d, observed(jobs), [gone, kept]);
    const out = pruneStep(ix, overrides);
    expect(brief(out.actions)).toEqual(actions);
    expect(out.notes.map((n) => n.kind)).toEqual(notes);
  });
});

describe('step: operator overrides', () => {
  const o = (action: OperatorOverride['action'], stage?: string): OperatorOverride => ({
    id: 1,
    action,
    campaign: 'c',
    ...(stage ? { stage } : {}),
    actor: 'a',
    reason: 'r',
    createdAt: 'now',
  });
  const two = () => one([{ name: 'gen' }, { name: 'sim', after: ['gen'] }]);
  it.each<[string, OperatorOverride[], string, string[], string[]]>([
    ['none', [], 'active', ['active', 'active'], []],
    ['hold the campaign', [o('hold')], 'held', ['active', 'active'], []],
    ['kill a stage', [o('kill', 'sim')], 'active', ['active', 'killed'], []],
    [
      'kill wins over hold',
      [o('hold', 'sim'), o('kill', 'sim')],
      'active',
      ['active', 'killed'],
      [],
    ],
    [
      'launch-now opens every stage of the campaign',
      [o('launch-now')],
      'active',
      ['active', 'active'],
      ['c/gen', 'c/sim'],
    ],
    [
      'a prune confirmation changes no state',
      [o('prune', 'gen')],
      'active',
      ['active', 'active'],
      [],
    ],
  ])('%s', (_name, overrides, campaignState, stageStates, launchNow) => {
    const r = applyOverrides(two(), overrides);
    expect(r.desired.campaigns[0]!.state).toBe(campaignState);
    expect(r.desired.campaigns[0]!.stages.map((s) => s.state)).toEqual(stageStates);
    expect([...r.launchNow]).toEqual(launchNow);
  });
});

describe('step: wants and launches', () => {
  it('launches a dependent in the same pass its parent is marked located', () => {
    const d = one([{ name: 'gen' }, { name: 'sim', after: ['gen'] }]);
    const gen = record('c/gen/mc-1#1');
    const p = plan(d, observed(jobsOf(gen.key, ['completed'])), [gen], NOW);
    expect(brief(p.actions)).toEqual([`mark-located ${gen.key}`, 'launch c/sim/mc-1#1']);
    expect(p.stages.map((s) => s.submissions)).toEqual([{ located: 1 }, {}]);
  });

  it('launches the next recovery once the previous one settled, over the latest files', () => {
    const d = desired([campaign('c', [{ name: 'gen' }])], {
      jobTypes: [
        jobType({
          recoveries: [
            { type: 'consumed_status', overrides: [] },
            { type: 'process_status', overrides: [] },
          ],
        }),
      ],
    });
    const orig = record('c/gen/mc-1#1', { status: 'failed' });
    const r1 = record('c/gen/mc-1+r1#1', {
      status: 'failed',
      recovery: { of: orig.key, type: 'consumed_status', index: 1 },
    });
    const obs = observed([], { recoveryFiles: { [r1.key]: { process_status: 3 } } });
    const p = plan(d, obs, [orig, r1], NOW);
    const launch = p.actions.find((a) => a.kind === 'launch');
    expect(launch).toMatchObject({
      key: 'c/gen/mc-1+r2#1',
      recovery: { of: orig.key, type: 'process_status', index: 2 },
      input: { kind: 'recovery', of: r1.key, type: 'process_status' },
    });
  });

  it('runs again the failed jobs of a generation submission, under their process numbers', () => {
    const fife = jobType({
      launch: ['fife_launch', '-c', 'cfg/gen.cfg'],
      fifeConfig: 'cfg/gen.cfg',
      recoveries: [{ type: 'failed_jobs', overrides: [['submit.memory', '4000MB']] }],
    });
    const d = desired(
      [
        campaign('c', [
          { name: 'gen', overrides: [['submit.N', '10']] },
          { name: 'sim', after: ['gen'] },
        ]),
      ],
      { jobTypes: [fife] },
    );
    const orig = record('c/gen/mc-1#1', { status: 'failed' });
    const obs = observed([], {
      recoveryFiles: { [orig.key]: { failed_jobs: 2 } },
      rerun: { [orig.key]: [3, 7] },
    });
    const p = plan(d, obs, [orig], NOW);
    expect(brief(p.actions)).toEqual(['launch c/gen/mc-1+r1#1']);
    expect(p.actions[0]).toMatchObject({
      recovery: { of: orig.key, type: 'failed_jobs', index: 1 },
      input: { kind: 'rerun', of: orig.key, processes: [3, 7] },
      command: ['fife_launch', '-c', 'cfg/gen.cfg', '-Osubmit.N=2', '-Osubmit.memory=4000MB'],
    });
    // Once the rerun is located, the dependent consumes the outputs of both.
    const r1 = record('c/gen/mc-1+r1#1', {
      status: 'located',
      recovery: { of: orig.key, type: 'failed_jobs', index: 1 },
    });
    const next = plan(d, observed([]), [orig, r1], NOW);
    expect(next.actions).toMatchObject([
      { key: 'c/sim/mc-1+r1#1', input: { kind: 'parent', sources: [orig.key, r1.key] } },
    ]);
  });

  it.each<[string, SubmissionRecord['status'], string[], string[]]>([
    ['a failed one waits to see its jobs', 'failed', [], ['waiting']],
    ['a located one has none known to rerun', 'located', [], []],
  ])('failed_jobs without the jobs observed: %s', (_name, status, actions, notes) => {
    const d = desired([campaign('c', [{ name: 'gen' }])], {
      jobTypes: [jobType({ recoveries: [{ type: 'failed_jobs', overrides: [] }] })],
    });
    const p = plan(d, observed([]), [record('c/gen/mc-1#1', { status })], NOW);
    expect(brief(p.actions)).toEqual(actions);
    expect(p.notes.filter((n) => n.key === 'c/gen/mc-1#1').map((n) => n.kind)).toEqual(notes);
  });

  it.each<[string, SubmissionRecord['status'][], string[]]>([
    ['first attempt', [], ['launch c/gen/mc-1#1']],
    ['a failed launch is retried', ['launch-failed'], ['launch c/gen/mc-1#2']],
    ['a launched one is not', ['launched'], []],
    [
      'three failed launches stop the retries',
      ['launch-failed', 'launch-failed', 'launch-failed'],
      [],
    ],
  ])('attempts: %s', (_name, statuses, expected) => {
    const recs = statuses.map((status, i) => record(`c/gen/mc-1#${i + 1}`, { status }));
    const jobs = recs.flatMap((r) => (r.status === 'launched' ? jobsOf(r.key, ['running']) : []));
    expect(brief(plan(one(), observed(jobs), recs, NOW).actions)).toEqual(expected);
  });
});

describe('plan: the total order of actions', () => {
  it('bookkeeping, kill, hold, release, launch; then campaign, stage order (not name), key', () => {
    // Stage names sort against their order, so the table shows order wins over the name.
    const a = campaign(
      'a',
      [
        { name: 'zgen', submissions: 2 },
        { name: 'ysim', after: ['zgen'] },
        { name: 'xheld', state: 'held' },
        { name: 'wdead', state: 'killed' },
      ],
      { prune: true },
    );
    const b = campaign('b', [{ name: 'gen' }, { name: 'rel', submissions: 2 }]);
    const d = desired([b, a], { defaults: { ...one().defaults, pruneMaxFraction: 1 } });
    const recs = [
      record('b/rel/mc-1#1', { heldByGitpoms: true }),
      record('b/gen/mc-1#1'),
      record('a/wdead/mc-1#1'),
      record('a/xheld/mc-1#1'),
      record('a/ysim/x#1'),
      record('a/zgen/z#1'),
      record('a/zgen/mc-1#1'),
      record('a/gone/mc-1#1'),
    ];
    const jobs = [
      ...jobsOf('b/rel/mc-1#1', ['held']),
      ...jobsOf('b/gen/mc-1#1', [['completed', 2]]),
      ...jobsOf('a/wdead/mc-1#1', ['running']),
      ...jobsOf('a/xheld/mc-1#1', ['running']),
      ...jobsOf('a/ysim/x#1', ['completed']),
      ...jobsOf('a/zgen/z#1', [['completed', 1]]),
      ...jobsOf('a/zgen/mc-1#1', ['completed']),
      ...jobsOf('a/gone/mc-1#1', ['running']),
    ];
    const p = plan(d, observed(jobs), recs, NOW);
    expect(brief(p.actions)).toEqual([
      'mark-located a/zgen/mc-1#1',
      'mark-located a/ysim/x#1',
      'mark-failed a/zgen/z#1',
      'mark-failed b/gen/mc-1#1',
      'kill a/wdead/mc-1#1 x1',
      'kill a/gone/mc-1#1 x1',
      'hold a/xheld/mc-1#1 x1',
      'release b/rel/mc-1#1 x1',
      'launch a/zgen/mc-2#1',
      'launch a/ysim/mc-1#1',
      'launch b/rel/mc-2#1',
    ]);
    expect(p.counts).toEqual({
      'mark-located': 2,
      'mark-failed': 2,
      kill: 2,
      hold: 1,
      release: 1,
      launch: 3,
    });
  });
});
