import { describe, expect, it } from 'vitest';
import { sbndDesired } from '../../test/helpers/build.js';
import { emptyObserved } from '../../test/helpers/fixtures.js';
import type {
  DesiredState,
  JobState,
  Observed,
  ObservedJob,
  OperatorOverride,
  SliceDef,
  SubmissionRecord,
} from '../model/index.js';
import { EVERY_CAMPAIGN } from '../model/index.js';
import { plan as planUnchecked } from './plan.js';
import { checkedPlan } from '../../test/helpers/plan-schema.js';

/** Every plan these tests make is also held to the published JSON schema of plans. */
const plan = (...a: Parameters<typeof planUnchecked>) => checkedPlan(planUnchecked(...a));
import { splitSlice } from './splits.js';
import type { Action } from './types.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const SBND = 'sbnd-mcc-test-1';

/** The SBND chain of the example repository, built (test/examples.test.ts pins it to the YAML). */
function sbnd(edit?: (d: DesiredState) => void): DesiredState {
  const d = sbndDesired();
  edit?.(d);
  return d;
}

function rec(stage: string, slice: string, over: Partial<SubmissionRecord> = {}): SubmissionRecord {
  return {
    key: `${SBND}/${stage}/${slice}#1`,
    campaign: SBND,
    stage,
    slice,
    attempt: 1,
    launchedAt: '2026-11-25T10:00:00Z',
    status: 'launched',
    ...over,
  };
}

function jobs(
  key: string,
  n: number,
  state: JobState,
  extra: Partial<ObservedJob> = {},
): ObservedJob[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${1000 + i}.0@jobsub01.fnal.gov:${key}`,
    submission: key,
    state,
    ...(state === 'completed' ? { exitCode: 0, endedAt: '2026-11-25T11:00:00Z' } : {}),
    ...extra,
  }));
}

/** Actions reduced to what a scenario pins: kind, key and (for job actions) job count. */
function brief(actions: Action[]): string[] {
  return actions.map((a) => {
    if (a.kind === 'hold' || a.kind === 'release' || a.kind === 'kill')
      return `${a.kind} ${a.key} x${a.jobs.length}`;
    return `${a.kind} ${a.key}`;
  });
}

const genLocated = rec('gen', 'mc-1', { status: 'located' });
const genRunning = rec('gen', 'mc-2');
const genRunningJobs = jobs(genRunning.key, 10, 'running');

describe('plan: the seed scenarios', () => {
  const cases: Array<[string, DesiredState, Observed, SubmissionRecord[], string[]]> = [
    [
      'first launch of the SBND chain launches only gen',
      sbnd(),
      emptyObserved(),
      [],
      [`launch ${SBND}/gen/mc-1#1`, `launch ${SBND}/gen/mc-2#1`],
    ],
    [
      'a located gen submission makes exactly one g4 submission wanted',
      sbnd(),
      emptyObserved({ jobs: jobs(`${SBND}/gen/mc-2#1`, 10, 'running') }),
      [genLocated, rec('gen', 'mc-2')],
      [`launch ${SBND}/g4/mc-1#1`],
    ],
    [
      'a campaign set to held yields holds and no launches',
      sbnd((d) => (d.campaigns[0]!.state = 'held')),
      emptyObserved({
        jobs: [
          ...jobs(`${SBND}/gen/mc-2#1`, 4, 'running'),
          ...jobs(`${SBND}/gen/mc-2#1`, 6, 'idle'),
        ],
      }),
      [genLocated, rec('gen', 'mc-2')],
      [`hold ${SBND}/gen/mc-2#1 x10`],
    ],
    [
      'completion below the percent yields no dependent launch',
      sbnd(),
      emptyObserved({
        jobs: [...genRunningJobs, ...jobs(`${SBND}/g4/mc-1#1`, 10, 'completed')],
        outputs: { [`${SBND}/g4/mc-1#1`]: { expected: 10, located: 9 } },
      }),
      [genLocated, genRunning, rec('g4', 'mc-1', { parent: genLocated.key })],
      [],
    ],
    [
      'completion at the percent marks located and launches the dependent in the same pass',
      sbnd(),
      emptyObserved({
        jobs: [...genRunningJobs, ...jobs(`${SBND}/g4/mc-1#1`, 20, 'completed')],
        outputs: { [`${SBND}/g4/mc-1#1`]: { expected: 20, located: 19 } },
        recoveryFiles: { [`${SBND}/g4/mc-1#1`]: { consumed_status: 0, process_status: 0 } },
      }),
      [genLocated, genRunning, rec('g4', 'mc-1', { parent: genLocated.key })],
      [`mark-located ${SBND}/g4/mc-1#1`, `launch ${SBND}/detsim/mc-1#1`],
    ],
  ];
  it.each(cases)('%s', (_name, desired, observed, records, expected) => {
    const p = plan(desired, observed, records, NOW);
    expect(brief(p.actions)).toEqual(expected);
  });
});

describe('plan: prune policy for a stage removed from the spec', () => {
  const withoutAnatree = (prune: boolean | 'confirm', fraction = 0.5) =>
    sbnd((d) => {
      d.campaigns[0]!.stages = d.campaigns[0]!.stages.filter((s) => s.name !== 'anatree');
      d.campaigns[0]!.prune = prune;
      d.defaults.pruneMaxFraction = fraction;
    });
  const records = [genLocated, rec('gen', 'mc-2'), rec('anatree', 'mc-1')];
  const observed = emptyObserved({
    jobs: [
      ...jobs(`${SBND}/anatree/mc-1#1`, 3, 'running'),
      ...jobs(`${SBND}/gen/mc-2#1`, 7, 'running'),
    ],
  });
  it.each([
    ['prune off: no kill, the plan shows the orphan', false, 0.5, [], 'orphaned'],
    ['prune confirm: no kill until an operator confirms', 'confirm', 0.5, [], 'prune-confirm'],
    [
      'prune on: the orphan jobs are killed',
      true,
      0.5,
      [`kill ${SBND}/anatree/mc-1#1 x3`],
      undefined,
    ],
    ['prune on, beyond the guard fraction: nothing killed', true, 0.2, [], 'prune-guard'],
  ] as const)('%s', (_n, prune, fraction, expected, note) => {
    const p = plan(withoutAnatree(prune, fraction), observed, records, NOW);
    expect(brief(p.actions).filter((a) => !a.startsWith('launch'))).toEqual(expected);
    if (note) expect(p.notes.map((n) => n.kind)).toContain(note);
  });

  const confirm = (stage?: string): OperatorOverride => ({
    id: 1,
    action: 'prune',
    campaign: SBND,
    ...(stage ? { stage } : {}),
    actor: 'alice',
    reason: 'anatree retired',
    createdAt: '2026-11-25T11:59:00Z',
  });
  it.each([
    ['confirm', 'anatree'],
    [true, undefined],
    [false, 'anatree'],
  ] as const)(
    'prune %s with an operator confirmation: killed, beyond the guard too',
    (prune, stage) => {
      const p = plan(withoutAnatree(prune, 0.1), observed, records, NOW, [confirm(stage)]);
      expect(brief(p.actions).filter((a) => !a.startsWith('launch'))).toEqual([
        `kill ${SBND}/anatree/mc-1#1 x3`,
      ]);
      expect(p.actions.find((a) => a.kind === 'kill')?.reason).toContain('confirmed by alice');
      expect(p.notes.map((n) => n.kind)).not.toContain('prune-guard');
    },
  );

  it('a confirmation for another stage prunes nothing and holds nothing', () => {
    const p = plan(withoutAnatree('confirm'), observed, records, NOW, [confirm('reco')]);
    expect(brief(p.actions).filter((a) => !a.startsWith('launch'))).toEqual([]);
    expect(p.notes.map((n) => n.kind)).toContain('prune-confirm');
  });
});

describe('plan: drift and selfHeal', () => {
  const a = rec('gen', 'mc-1', { heldByGitpoms: true });
  const b = rec('gen', 'mc-2');
  const heal = (on: boolean, state: 'active' | 'held' = 'active') =>
    sbnd((d) => {
      d.campaigns[0]!.selfHeal = on;
      d.campaigns[0]!.state = state;
    });
  const heldOutside = emptyObserved({
    jobs: [...jobs(b.key, 2, 'held', { heldReason: 'held by operator' })],
  });
  const releasedOutside = emptyObserved({ jobs: jobs(a.key, 2, 'running') });

  it.each([
    ['held outside gitpoms, selfHeal off: reported only', heal(false), heldOutside, [b], []],
    [
      'held outside gitpoms, selfHeal on: released',
      heal(true),
      heldOutside,
      [b],
      [`release ${b.key} x2`],
    ],
    [
      'released outside gitpoms while held, selfHeal off: reported only',
      heal(false, 'held'),
      releasedOutside,
      [a],
      [],
    ],
    [
      'released outside gitpoms while held, selfHeal on: held again',
      heal(true, 'held'),
      releasedOutside,
      [a],
      [`hold ${a.key} x2`],
    ],
  ] as const)('%s', (_n, desired, observed, records, expected) => {
    const p = plan(desired, observed, [...records], NOW);
    expect(brief(p.actions).filter((x) => !x.startsWith('launch'))).toEqual(expected);
    expect(p.notes.filter((n) => n.kind === 'drift').map((n) => n.key)).toEqual([records[0]!.key]);
  });

  it('reports jobs removed outside gitpoms while the submission runs', () => {
    const key = b.key;
    const p = plan(
      heal(false),
      emptyObserved({ jobs: [...jobs(key, 1, 'removed'), ...jobs(key, 2, 'running')] }),
      [b],
      NOW,
    );
    expect(p.notes.find((n) => n.kind === 'drift')?.message).toContain(
      '1 job(s) removed outside gitpoms',
    );
  });

  it('a first hold of a held stage is not drift', () => {
    const p = plan(heal(false, 'held'), releasedOutside, [{ ...a, heldByGitpoms: false }], NOW);
    expect(brief(p.actions).filter((x) => !x.startsWith('launch'))).toEqual([`hold ${a.key} x2`]);
    expect(p.notes.some((n) => n.kind === 'drift')).toBe(false);
  });
});

describe('plan: states, gates, schedules, recoveries', () => {
  it('kills live jobs of a killed stage and leaves finished ones alone', () => {
    const d = sbnd((x) => (x.campaigns[0]!.stages[0]!.state = 'killed'));
    const key = `${SBND}/gen/mc-1#1`;
    const p = plan(
      d,
      emptyObserved({
        jobs: [...jobs(key, 2, 'running'), ...jobs(key, 1, 'held'), ...jobs(key, 3, 'completed')],
      }),
      [rec('gen', 'mc-1')],
      NOW,
    );
    expect(brief(p.actions)).toEqual([`kill ${key} x3`]);
  });

  it('releases jobs gitpoms held once the campaign is active again; other holds are only reported', () => {
    const a = rec('gen', 'mc-1', { heldByGitpoms: true });
    const b = rec('gen', 'mc-2');
    const p = plan(
      sbnd(),
      emptyObserved({
        jobs: [
          ...jobs(a.key, 2, 'held'),
          ...jobs(b.key, 1, 'held', { heldReason: 'memory usage exceeded request' }),
        ],
      }),
      [a, b],
      NOW,
    );
    expect(brief(p.actions)).toEqual([`release ${a.key} x2`]);
    expect(p.notes.find((n) => n.kind === 'drift')?.message).toContain(
      'memory usage exceeded request',
    );
  });

  it('holds launches while launches are held globally, and says why', () => {
    const p = plan(
      sbnd((d) => (d.defaults.launches = 'held')),
      emptyObserved(),
      [],
      NOW,
    );
    expect(p.actions).toEqual([]);
    expect(p.notes).toEqual([
      {
        kind: 'gated',
        campaign: SBND,
        stage: 'gen',
        message: `${SBND}/gen: 2 launch(es) waiting: job launches are held globally`,
      },
    ]);
  });

  it('holds launches while a gating service is failed', () => {
    const p = plan(sbnd(), emptyObserved({ services: { 'sam-sbnd': 'failed' } }), [], NOW);
    expect(p.actions).toEqual([]);
    expect(p.notes[0]!.message).toContain('service sam-sbnd is failed');
  });

  it('a non-gating failed service does not hold launches', () => {
    const p = plan(sbnd(), emptyObserved({ services: { 'dcache-sbnd': 'failed' } }), [], NOW);
    expect(p.counts.launch).toBe(2);
  });

  it('launches on a cron schedule once per tick', () => {
    const d = sbnd((x) => (x.campaigns[0]!.stages[0]!.schedule = '10 */2 * * *'));
    const first = plan(d, emptyObserved(), [], NOW);
    expect(first.counts.launch).toBe(2);
    d.campaigns[0]!.stages[0]!.submissions = 3;
    const launched = [
      rec('gen', 'mc-1', { launchedAt: '2026-11-25T10:10:05Z' }),
      rec('gen', 'mc-2', { launchedAt: '2026-11-25T10:10:05Z' }),
    ];
    const second = plan(
      d,
      emptyObserved({
        jobs: [...jobs(launched[0]!.key, 1, 'running'), ...jobs(launched[1]!.key, 1, 'running')],
      }),
      launched,
      NOW,
    );
    expect(second.counts.launch).toBe(0);
    expect(second.notes.find((n) => n.kind === 'schedule')?.message).toContain(
      'next 2026-11-25T12:10:00.000Z',
    );
    const later = plan(
      d,
      emptyObserved({
        jobs: [...jobs(launched[0]!.key, 1, 'running'), ...jobs(launched[1]!.key, 1, 'running')],
      }),
      launched,
      new Date('2026-11-25T12:10:01Z'),
    );
    expect(brief(later.actions)).toEqual([`launch ${SBND}/gen/mc-3#1`]);
  });

  it('retries a failed launch with the next attempt, up to the limit', () => {
    const failed = (n: number) =>
      rec('gen', 'mc-1', { key: `${SBND}/gen/mc-1#${n}`, attempt: n, status: 'launch-failed' });
    const p = plan(sbnd(), emptyObserved(), [failed(1), rec('gen', 'mc-2')], NOW);
    expect(brief(p.actions).filter((a) => a.includes('mc-1'))).toEqual([
      `launch ${SBND}/gen/mc-1#2`,
    ]);
    const q = plan(
      sbnd(),
      emptyObserved(),
      [failed(1), failed(2), failed(3), rec('gen', 'mc-2')],
      NOW,
    );
    expect(q.counts.launch).toBe(0);
    expect(q.notes.some((n) => n.message.includes('launch failed 3 times'))).toBe(true);
  });

  it('launches the observed next slice while fewer than slicesInFlight are in flight', () => {
    const d = sbnd((x) => {
      const g4 = x.campaigns[0]!.stages[1]!;
      g4.dependsOn = [];
      g4.dataset = { kind: 'definition', name: 'sbnd_mcc_gen_files' };
      g4.split = { type: 'nfiles', n: 10 };
    });
    const next = (position: number, generation = 0) => ({
      next: splitSlice(
        { type: 'nfiles', n: 10 },
        'sbnd_mcc_gen_files',
        { position, generation },
        NOW,
      ) as SliceDef,
    });
    const g4 = (slice: string, over: Partial<SubmissionRecord> = {}) => rec('g4', slice, over);
    const launches = (
      records: SubmissionRecord[],
      splits: Observed['splits'],
      observed = emptyObserved(),
      dd = d,
    ) =>
      brief(
        plan(
          dd,
          { ...observed, splits },
          [genLocated, rec('gen', 'mc-2', { status: 'located' }), ...records],
          NOW,
        ).actions,
      ).filter((a) => a.includes('/g4/'));
    const id = `${SBND}/g4`;
    expect(launches([], { [id]: next(0) })).toEqual([`launch ${SBND}/g4/split-1#1`]);
    // The launch failed, so the split did not move: the same slice again, as attempt 2.
    expect(launches([g4('split-1', { status: 'launch-failed' })], { [id]: next(0) })).toEqual([
      `launch ${SBND}/g4/split-1#2`,
    ]);
    const running = g4('split-1');
    const busy = emptyObserved({ jobs: jobs(running.key, 1, 'running') });
    expect(launches([running], { [id]: next(1) }, busy)).toEqual([]);
    const two = sbnd((x) => {
      Object.assign(x.campaigns[0]!.stages[1]!, d.campaigns[0]!.stages[1]!, { slicesInFlight: 2 });
    });
    expect(launches([running], { [id]: next(1) }, busy, two)).toEqual([
      `launch ${SBND}/g4/split-2#1`,
    ]);
    expect(launches([g4('split-1', { status: 'located' })], { [id]: next(1) })).toEqual([
      `launch ${SBND}/g4/split-2#1`,
    ]);
    // After a reset: a new generation, so new keys.
    expect(launches([g4('split-1', { status: 'located' })], { [id]: next(0, 1) })).toEqual([
      `launch ${SBND}/g4/split-1.r1#1`,
    ]);
    const ended = launches([g4('split-1', { status: 'located' })], {
      [id]: { done: 'slice 2 selects no files' },
    });
    expect(ended).toEqual([]);
    const p = plan(d, emptyObserved(), [genLocated], NOW);
    expect(p.notes.find((n) => n.stage === 'g4')?.message).toBe(
      `${id}: split position not observed`,
    );
  });

  it('passes the slice to the launch: its definition as the dataset, or the multiparam value', () => {
    const d = sbnd((x) => {
      const g4 = x.campaigns[0]!.stages[1]!;
      g4.dependsOn = [];
      g4.dataset = { kind: 'definition', name: 'ds' };
      g4.split = { type: 'nfiles', n: 10 };
    });
    const sl = splitSlice({ type: 'nfiles', n: 10 }, 'ds', { position: 3, generation: 0 }, NOW);
    const p = plan(
      d,
      emptyObserved({ splits: { [`${SBND}/g4`]: { next: sl as SliceDef } } }),
      [genLocated],
      NOW,
    );
    const a = p.actions.find((x) => x.kind === 'launch' && x.stage === 'g4');
    expect(a && 'command' in a && a.command).toContain('-Osubmit.dataset=ds_slice3_files10');
    const mp = splitSlice(
      { type: 'multiparam' },
      '[["nu","cosmic"]]',
      { position: 1, generation: 0 },
      NOW,
    );
    const q = plan(
      d,
      emptyObserved({ splits: { [`${SBND}/g4`]: { next: mp as SliceDef } } }),
      [genLocated],
      NOW,
    );
    const b = q.actions.find((x) => x.kind === 'launch' && x.stage === 'g4');
    expect(b && 'command' in b && b.command).toContain('-Oglobal.multiparam=cosmic');
  });

  it('fails a located-type submission at once when its outputs are final and short', () => {
    const g4 = rec('g4', 'mc-1', { parent: genLocated.key });
    const p = plan(
      sbnd(),
      emptyObserved({
        jobs: jobs(g4.key, 10, 'completed'),
        outputs: { [g4.key]: { expected: 10, located: 9, final: true } },
      }),
      [genLocated, rec('gen', 'mc-2', { status: 'located' }), g4],
      new Date('2026-11-25T11:00:01Z'),
    );
    expect(p.actions.find((a) => a.key === g4.key)).toMatchObject({
      kind: 'mark-failed',
      reason: 'only 9/10 files located (90% < 95%) and no more will come',
    });
  });

  it('feeds a dependent from a located recovery together with the failed submission it recovered', () => {
    const g4 = rec('g4', 'mc-1', { status: 'failed', parent: genLocated.key });
    const r1 = rec('g4', 'mc-1+r1', {
      status: 'located',
      recovery: { of: g4.key, type: 'consumed_status', index: 1 },
    });
    const p = plan(
      sbnd(),
      emptyObserved({ recoveryFiles: { [r1.key]: { consumed_status: 0, process_status: 0 } } }),
      [genLocated, rec('gen', 'mc-2', { status: 'located' }), g4, r1],
      NOW,
    );
    const detsim = p.actions.filter((a) => a.kind === 'launch' && a.stage === 'detsim');
    expect(detsim).toMatchObject([
      {
        key: `${SBND}/detsim/mc-1+r1#1`,
        input: { kind: 'parent', parent: r1.key, sources: [g4.key, r1.key] },
      },
    ]);
  });

  it('applies operator overrides: hold a campaign, kill a stage, launch a stage now', () => {
    const o = (over: Partial<OperatorOverride>): OperatorOverride => ({
      id: 1,
      action: 'hold',
      campaign: SBND,
      actor: 'alice',
      reason: 'dCache outage',
      createdAt: '2026-11-25T11:00:00Z',
      ...over,
    });
    const running = rec('gen', 'mc-2');
    const observed = emptyObserved({ jobs: jobs(running.key, 3, 'running') });
    const held = plan(sbnd(), observed, [genLocated, running], NOW, [o({})]);
    expect(brief(held.actions)).toEqual([`hold ${running.key} x3`]);
    expect(held.notes[0]).toEqual({
      kind: 'override',
      campaign: SBND,
      message: `hold ${SBND} by alice since 2026-11-25T11:00:00Z: dCache outage`,
    });
    const killed = plan(sbnd(), observed, [genLocated, running], NOW, [
      o({ action: 'kill', stage: 'gen' }),
      o({ stage: 'gen' }),
    ]);
    expect(brief(killed.actions)).toEqual([`kill ${running.key} x3`, `launch ${SBND}/g4/mc-1#1`]);
    const d = sbnd((x) => (x.campaigns[0]!.stages[0]!.schedule = '10 */2 * * *'));
    const launched = [
      rec('gen', 'mc-1', { launchedAt: '2026-11-25T11:00:00Z', status: 'located' }),
    ];
    const genLaunches = (overrides: OperatorOverride[]) =>
      brief(plan(d, emptyObserved(), launched, NOW, overrides).actions).filter((x) =>
        x.includes('/gen/'),
      );
    expect(genLaunches([])).toEqual([]);
    expect(genLaunches([o({ action: 'launch-now', stage: 'gen' })])).toEqual([
      `launch ${SBND}/gen/mc-2#1`,
    ]);
  });

  it("holds, releases and kills one submission's jobs; nothing is made from a killed one", () => {
    const o = (over: Partial<OperatorOverride>): OperatorOverride => ({
      id: 1,
      action: 'hold',
      campaign: SBND,
      stage: 'gen',
      submission: genRunning.key,
      actor: 'alice',
      reason: 'node 12 writes bad files',
      createdAt: '2026-11-25T11:00:00Z',
      ...over,
    });
    const other = rec('gen', 'mc-3');
    const observed = emptyObserved({
      jobs: [...jobs(genRunning.key, 3, 'running'), ...jobs(other.key, 2, 'running')],
    });
    const held = plan(sbnd(), observed, [genLocated, genRunning, other], NOW, [o({})]);
    // Only its jobs: the stage, its other submission and the dependents go on.
    expect(brief(held.actions)).toEqual([`hold ${genRunning.key} x3`, `launch ${SBND}/g4/mc-1#1`]);
    expect(held.actions[0]).toMatchObject({ reason: `submission ${genRunning.key} is held` });
    expect(held.notes[0]).toEqual({
      kind: 'override',
      campaign: SBND,
      stage: 'gen',
      key: genRunning.key,
      message: `hold ${genRunning.key} by alice since 2026-11-25T11:00:00Z: node 12 writes bad files`,
    });
    // Released (the override cleared): gitpoms releases what it held.
    const heldJobs = emptyObserved({ jobs: jobs(genRunning.key, 3, 'held') });
    const released = plan(sbnd(), heldJobs, [{ ...genRunning, heldByGitpoms: true }], NOW, []);
    expect(brief(released.actions)).toContain(`release ${genRunning.key} x3`);
    // A stage held and the submission killed: kill wins, and says whose it is.
    const killed = plan(sbnd(), observed, [genLocated, genRunning, other], NOW, [
      o({ action: 'kill' }),
      o({ submission: undefined }),
    ]);
    expect(brief(killed.actions)).toEqual([
      `kill ${genRunning.key} x3`,
      `hold ${other.key} x2`,
      `launch ${SBND}/g4/mc-1#1`,
    ]);
    expect(killed.actions[0]).toMatchObject({ reason: `submission ${genRunning.key} is killed` });
    // A killed submission's dependent and its recovery are not launched, and the plan says so.
    const g4 = rec('g4', 'mc-1', { status: 'failed', parent: genLocated.key });
    const done = emptyObserved({
      recoveryFiles: { [g4.key]: { consumed_status: 2, process_status: 0 } },
    });
    const recs = [genLocated, rec('gen', 'mc-2', { status: 'located' }), g4];
    const free = brief(plan(sbnd(), done, recs, NOW, []).actions);
    expect(free).toEqual(
      expect.arrayContaining([`launch ${SBND}/g4/mc-1+r1#1`, `launch ${SBND}/g4/mc-2#1`]),
    );
    const gated = plan(sbnd(), done, recs, NOW, [
      o({ action: 'kill', stage: 'g4', submission: g4.key }),
      o({ action: 'kill', submission: `${SBND}/gen/mc-2#1` }),
    ]);
    expect(brief(gated.actions).filter((x) => x.includes('/g4/'))).toEqual([]);
    expect(gated.notes.filter((n) => n.kind === 'gated').map((n) => n.message)).toEqual([
      `${SBND}/g4/mc-2: not launched, submission ${SBND}/gen/mc-2#1 is killed`,
      `${SBND}/g4/mc-1+r1: not launched, submission ${g4.key} is killed`,
    ]);
  });

  it('holds every launch while the global switch is held; other actions go on', () => {
    const hold: OperatorOverride = {
      id: 7,
      action: 'hold-launches',
      campaign: EVERY_CAMPAIGN,
      actor: 'admin',
      reason: 'jobsub upgrade',
      createdAt: '2026-11-25T11:00:00Z',
    };
    const kill: OperatorOverride = { ...hold, id: 8, action: 'kill', campaign: SBND, stage: 'gen' };
    const running = rec('gen', 'mc-2');
    const run = (overrides: OperatorOverride[]) =>
      plan(
        sbnd(),
        emptyObserved({ jobs: jobs(running.key, 2, 'running') }),
        [genLocated, running],
        NOW,
        overrides,
      );
    expect(brief(run([]).actions)).toEqual([`launch ${SBND}/g4/mc-1#1`]);
    const held = run([hold]);
    expect(held.actions).toEqual([]);
    expect(held.notes).toContainEqual({
      kind: 'override',
      message: 'every launch held by admin since 2026-11-25T11:00:00Z: jobsub upgrade',
    });
    expect(held.notes).toContainEqual({
      kind: 'gated',
      campaign: SBND,
      stage: 'g4',
      message: `${SBND}/g4: 1 launch(es) waiting: launches are held by admin since 2026-11-25T11:00:00Z: jobsub upgrade`,
    });
    // A kill is not a launch: it goes on under the switch.
    expect(brief(run([kill]).actions)).toEqual([
      `kill ${running.key} x2`,
      `launch ${SBND}/g4/mc-1#1`,
    ]);
    expect(brief(run([hold, kill]).actions)).toEqual([`kill ${running.key} x2`]);
  });

  it('complete-type stages count successful jobs', () => {
    const key = `${SBND}/gen/mc-1#1`;
    const done = [...jobs(key, 9, 'completed'), ...jobs(key, 1, 'completed', { exitCode: 1 })];
    const p = plan(
      sbnd(),
      emptyObserved({ jobs: done }),
      [rec('gen', 'mc-1'), rec('gen', 'mc-2', { status: 'located' })],
      NOW,
    );
    expect(brief(p.actions).slice(0, 1)).toEqual([`mark-failed ${key}`]);
    expect(p.actions[0]!.reason).toBe('only 9/10 jobs succeeded (90% < 100%)');
  });

  it('launches the first recovery type that finds files, over exactly the recovered files', () => {
    const g4 = rec('g4', 'mc-1', { status: 'located', parent: genLocated.key });
    const p = plan(
      sbnd(),
      emptyObserved({ recoveryFiles: { [g4.key]: { consumed_status: 0, process_status: 2 } } }),
      [genLocated, g4],
      NOW,
    );
    const launch = p.actions.find((a) => a.kind === 'launch' && a.stage === 'g4');
    expect(launch).toMatchObject({
      key: `${SBND}/g4/mc-1+r2#1`,
      recovery: { of: g4.key, type: 'process_status', index: 2 },
      input: {
        kind: 'recovery',
        of: g4.key,
        type: 'process_status',
        definition: `gitpoms_recovery_${SBND.replace(/-/g, '_')}_g4_mc_1_1_r2`,
      },
    });
    expect(launch?.kind === 'launch' && launch.command).toContain('-Osubmit.memory=4000MB');
  });

  it('never relaunches a submission whose jobs the batch system does not show', () => {
    const p = plan(sbnd(), emptyObserved(), [rec('gen', 'mc-1'), rec('gen', 'mc-2')], NOW);
    expect(p.actions).toEqual([]);
    expect(p.notes.filter((n) => n.kind === 'waiting')).toHaveLength(2);
  });

  it('renders the fife_launch command with every override and the parent definition', () => {
    const p = plan(sbnd(), emptyObserved(), [genLocated], NOW);
    const g4 = p.actions.find((a) => a.kind === 'launch' && a.stage === 'g4');
    expect(g4?.kind === 'launch' && g4.command).toEqual([
      'fife_launch',
      '-c',
      'campaigns/sbnd/cfg/sbnd_launch.cfg',
      '-Osubmit.n_files_per_job=1',
      '-Oglobal.fclfile=standard_g4_sbnd.fcl',
      '-Oglobal.basename=g4',
      `-Osubmit.dataset=gitpoms_depends_${SBND.replace(/-/g, '_')}_gen_mc_1_1_1`,
    ]);
  });
});

describe('plan: a generation submission whose failed job had done its work', () => {
  const failed = rec('gen', 'mc-1', { status: 'failed' });
  const js = [...jobs(failed.key, 9, 'completed'), ...jobs(`${failed.key}`, 1, 'removed')].map(
    (j, i) => ({ ...j, id: `77.${i}@local` }),
  );
  const observed = (rerun: number[]): Observed => ({
    ...emptyObserved(),
    jobs: js,
    rerun: { [failed.key]: rerun },
    recoveryFiles: { [failed.key]: { failed_jobs: rerun.length } },
  });

  it('is located when no job is left to run again, and its dependents go on', () => {
    const p = plan(sbnd(), observed([]), [failed], NOW);
    expect(brief(p.actions)).toContain(`mark-located ${failed.key}`);
    expect(p.actions.filter((a) => a.kind === 'launch' && a.input.kind === 'rerun')).toEqual([]);
    expect(brief(p.actions)).toContain(`launch ${SBND}/g4/mc-1#1`);
  });

  it('runs the others again', () => {
    const p = plan(sbnd(), observed([9]), [failed], NOW);
    expect(brief(p.actions)).not.toContain(`mark-located ${failed.key}`);
    const rerun = p.actions.find((a) => a.kind === 'launch' && a.stage === 'gen');
    expect(rerun).toMatchObject({ input: { kind: 'rerun', of: failed.key, processes: [9] } });
  });
});
