import { describe, expect, it } from 'vitest';
import { memoryDeps } from '../../test/helpers/memory-deps.js';
import { wrapBatch } from '../../test/helpers/wrap-batch.js';
import { campaign, desired, sbndDesired } from '../../test/helpers/build.js';
import { AdapterError } from '../errors.js';
import { reconcileOnce } from './pass.js';
import type { MarkAction } from '../plan/types.js';
import { fairOrder, retryDelayMs } from './apply.js';
import { actionQueues } from './open-deps.js';

describe('fair order between experiments', () => {
  it('interleaves experiments round-robin and keeps each one’s own order', () => {
    const d = desired([
      campaign('sbnd-a', [{ name: 's' }]),
      campaign('dune-1', [{ name: 's' }], { experiment: 'dune' }),
      campaign('dune-2', [{ name: 's' }], { experiment: 'dune' }),
    ]);
    const sbnd = 'sbnd-a';
    const dune = ['dune-1', 'dune-2'];
    const a = (campaign: string, key: string): MarkAction => ({
      kind: 'mark-located',
      campaign,
      stage: 's',
      key,
      reason: '',
    });
    const actions = [
      a(sbnd, 's1'),
      a(sbnd, 's2'),
      a(sbnd, 's3'),
      a(sbnd, 's4'),
      a(dune[0]!, 'd1'),
      a(dune[1]!, 'd2'),
    ];
    expect(fairOrder(actions, d).map((x) => x.key)).toEqual(['s1', 'd1', 's2', 'd2', 's3', 's4']);
    expect(fairOrder([], d)).toEqual([]);
  });
});

describe('launches in flight', () => {
  /**
   * Three sbnd campaigns and one dune campaign, four gen submissions each, on a batch system
   * named `batch` whose submit takes 40 ms; returns the most submits seen at once, in all and
   * per experiment.
   */
  async function launchAll(queues: ReturnType<typeof actionQueues>, batchName = 'slurm') {
    const d = sbndDesired();
    const base = d.campaigns[0]!;
    base.stages = base.stages.filter((s) => s.name === 'gen');
    base.stages[0]!.submissions = 4;
    const copy = (name: string, experiment: string) => ({
      ...base,
      name,
      experiment,
      stages: base.stages.map((s) => ({ ...s, campaign: name, experiment })),
    });
    d.campaigns = [copy('sbnd-a', 'sbnd'), copy('sbnd-b', 'sbnd'), copy('sbnd-c', 'sbnd')];
    d.campaigns.push(copy('dune-a', 'dune'));
    d.jobTypes.push(...d.jobTypes.map((j) => ({ ...j, experiment: 'dune' })));
    d.launchTemplates.push(...d.launchTemplates.map((t) => ({ ...t, experiment: 'dune' })));
    const deps = memoryDeps();
    const now = new Map<string, number>();
    const most = new Map<string, number>();
    const count = (k: string, by: number) => {
      now.set(k, (now.get(k) ?? 0) + by);
      most.set(k, Math.max(most.get(k) ?? 0, now.get(k)!));
    };
    const batch = wrapBatch(deps.batch, {
      name: batchName,
      async submit(req) {
        const experiment = req.label.startsWith('dune') ? 'dune' : 'sbnd';
        count('all', 1);
        count(experiment, 1);
        await new Promise((r) => setTimeout(r, 40));
        count('all', -1);
        count(experiment, -1);
        return deps.batch.submit(req);
      },
    });
    const r = await reconcileOnce({ ...deps, batch, queues }, d);
    await deps.dispose();
    expect(r.results.filter((x) => x.action.kind === 'launch' && x.ok)).toHaveLength(16);
    return Object.fromEntries(most);
  }

  it('at most perExperiment of one experiment, and another experiment goes on meanwhile', async () => {
    const most = await launchAll(actionQueues(8, undefined, { perExperiment: 2 }));
    expect(most).toEqual({ all: 4, sbnd: 2, dune: 2 });
  }, 60_000);

  it('at most perBatch to one backend, whatever the experiment; concurrency alone otherwise', async () => {
    expect((await launchAll(actionQueues(8, undefined, { perBatch: { slurm: 3 } }))).all).toBe(3);
    expect((await launchAll(actionQueues(8, undefined, { perBatch: { jobsub: 1 } }))).all).toBe(8);
  }, 60_000);
});

describe('retry backoff', () => {
  it('doubles from 30 s and stops at 30 min', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map(retryDelayMs)).toEqual([
      0, 30_000, 60_000, 120_000, 960_000, 1_800_000, 1_800_000,
    ]);
  });
});

describe('a launch whose submit fails', () => {
  type Mode = 'after' | 'before' | 'reject' | 'ok';
  async function setup() {
    const d = sbndDesired();
    d.campaigns[0]!.stages = d.campaigns[0]!.stages.filter((s) => s.name === 'gen');
    const deps = memoryDeps();
    const real = deps.batch;
    const state = { mode: 'ok' as Mode, offsetMs: 0 };
    const batch = wrapBatch(real, {
      async submit(req) {
        const fail = (retryable: boolean) =>
          new AdapterError('local', retryable ? 'timed out' : 'refused: no such group', {
            retryable,
          });
        if (state.mode === 'before') throw fail(true);
        if (state.mode === 'reject') throw fail(false);
        const ids = await real.submit(req);
        if (state.mode === 'after') throw fail(true);
        return ids;
      },
    });
    const clock = () => new Date(Date.now() + state.offsetMs);
    const pass = () => reconcileOnce({ ...deps, batch, clock }, d);
    const labels = async () => [...new Set((await real.observe()).map((j) => j.submission))].sort();
    const done = () => deps.dispose();
    return { deps, state, pass, labels, done };
  }
  const keys = ['sbnd-mcc-test-1/gen/mc-1#1', 'sbnd-mcc-test-1/gen/mc-2#1'];

  it('timed out after the jobs reached the batch system: the next pass adopts them, nothing twice', async () => {
    const t = await setup();
    t.state.mode = 'after';
    const first = await t.pass();
    expect(first.results.filter((r) => !r.ok).map((r) => r.action.key)).toEqual(keys);
    expect((await t.deps.store.submissions()).map((s) => s.status)).toEqual([
      'launching',
      'launching',
    ]);
    t.state.mode = 'ok';
    const second = await t.pass();
    expect(second.plan.actions.filter((a) => a.kind === 'launch')).toEqual([]);
    expect((await t.deps.store.submissions()).map((s) => s.status)).toEqual([
      'launched',
      'launched',
    ]);
    expect(await t.labels()).toEqual(keys);
    expect((await t.deps.batch.observe()).length).toBe(20);
    await t.done();
  }, 60_000);

  it('failed before reaching it: the same key launches again, after a backoff that doubles', async () => {
    const t = await setup();
    t.state.mode = 'before';
    await t.pass();
    expect(await t.labels()).toEqual([]);
    // The next pass finds no jobs, forgets the launch, and waits 30 s before trying the key again.
    const deferred = await t.pass();
    expect(deferred.results.map((r) => r.error)).toEqual([
      expect.stringMatching(
        /^deferred: 1 submit\(s\) of .*mc-1#1 failed transiently; next try after/,
      ),
      expect.stringMatching(/^deferred: 1 submit\(s\) of .*mc-2#1 failed transiently/),
    ]);
    // The store times its records by the wall clock; the reconciler's clock runs ahead of it.
    t.state.offsetMs = 31_000;
    await t.pass();
    expect(await t.labels()).toEqual([]);
    // A second failure: 60 s now, so 31 s later the keys still wait.
    expect((await t.pass()).results.every((r) => /^deferred: 2 /.test(r.error ?? ''))).toBe(true);
    t.state.mode = 'ok';
    t.state.offsetMs = 61_000;
    await t.pass();
    expect(await t.labels()).toEqual(keys);
    expect((await t.deps.batch.observe()).length).toBe(20);
    await t.done();
  }, 60_000);

  it('refused by the batch system: a failed launch at once, retried as the next attempt', async () => {
    const t = await setup();
    t.state.mode = 'reject';
    await t.pass();
    expect((await t.deps.store.submissions()).map((s) => s.status)).toEqual([
      'launch-failed',
      'launch-failed',
    ]);
    t.state.mode = 'ok';
    await t.pass();
    expect(await t.labels()).toEqual(['sbnd-mcc-test-1/gen/mc-1#2', 'sbnd-mcc-test-1/gen/mc-2#2']);
    await t.done();
  }, 60_000);
});
