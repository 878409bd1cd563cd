import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryDeps, type MemoryDeps } from '../../test/helpers/memory-deps.js';
import { fsRepo } from '../source/fs-repo.js';
import type { SpecSource } from '../source/spec-source.js';
import { AdapterError } from '../errors.js';
import { Reconciler } from './loop.js';

const root = path.resolve('test/bad-inputs/base');
/** When each pass started: a triggered pass fetches the source first. */
const fetched: number[] = [];
const source: SpecSource = {
  description: 'the corpus base',
  latest: async () => {
    fetched.push(Date.now());
    return { revision: 'abc', id: 'abc', repo: fsRepo(root) };
  },
  checkout: async () => root,
  byId: async () => undefined,
  watch: async () => async () => {},
  prune: async () => {},
};

let deps: MemoryDeps | undefined;
afterEach(async () => deps?.dispose());

describe('the reconciler loop under a storm of triggers', () => {
  it('makes one pass for a burst, and none sooner than the gap after the last triggered one', async () => {
    deps = memoryDeps();
    const passes: number[] = [];
    const r = new Reconciler(deps, source, {
      intervalMs: 60_000,
      pollMs: 60_000,
      minTriggerGapMs: 800,
      onPass: () => passes.push(Date.now()),
    });
    const running = r.run();
    await expect.poll(() => passes.length).toBe(1);
    // After a quiet spell a push starts its pass at once; a hundred are one.
    for (let i = 0; i < 100; i++) r.trigger(`push ${i}`);
    await expect.poll(() => passes.length, { timeout: 5000 }).toBe(2);
    // A second burst right behind it waits for the gap.
    for (let i = 0; i < 100; i++) r.trigger(`push ${i}`);
    await expect.poll(() => passes.length, { timeout: 5000 }).toBe(3);
    expect(fetched).toHaveLength(3);
    expect(fetched[2]! - fetched[1]!).toBeGreaterThanOrEqual(795);
    // The hundred were one: nothing more comes of them.
    await new Promise((res) => setTimeout(res, 1000));
    expect(passes).toHaveLength(3);
    r.stop();
    await running;
  });
});

describe('the reconciler loop when the store fails as a revision is first seen', () => {
  it('fails that pass, and acts on the revision at the next one', async () => {
    deps = memoryDeps();
    const store = deps.store;
    const record = store.recordRevision.bind(store);
    let failures = 1;
    store.recordRevision = async (r) => {
      if (failures-- > 0)
        throw new AdapterError('test', 'the store does not answer', { retryable: true });
      return record(r);
    };
    const r = new Reconciler(deps, source, { intervalMs: 60_000, pollMs: 60_000 });
    await expect(r.pass(1)).rejects.toThrow(/the store does not answer/);
    const report = await r.pass(2);
    expect(report.revision).toBe('abc');
    expect((await store.appliedRevision())?.revision).toBe('abc');
  });
});

describe('a reconciler that only shows (serve --no-reconcile)', () => {
  it('plans from what the acting one recorded, with no batch query and no write', async () => {
    deps = memoryDeps();
    const acting = new Reconciler(deps, source, { intervalMs: 60_000, pollMs: 60_000 });
    const first = await acting.pass(1);
    const launched = first.results.filter((x) => x.ok && x.action.kind === 'launch');
    expect(launched.length).toBeGreaterThan(0);
    // Its next pass records the jobs it observes.
    const second = await acting.pass(2);

    const called = new Set<string>();
    const store = new Proxy(deps.store, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          called.add(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const batch = new Proxy(deps.batch, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return () => {
          throw new Error(`the batch system was asked: ${String(prop)}`);
        };
      },
    });
    const shows = new Reconciler({ ...deps, store, batch }, source, {
      intervalMs: 60_000,
      pollMs: 60_000,
      readOnly: true,
    });
    const report = await shows.pass(1);
    expect(report.results).toEqual([]);
    // What the acting reconciler launched is seen as launched, and is not planned again.
    const keys = new Set(launched.map((x) => x.action.key));
    expect(report.plan.actions.filter((a) => a.kind === 'launch' && keys.has(a.key))).toEqual([]);
    // It sees each stage as the acting reconciler's pass saw it.
    expect(report.plan.stages).toEqual(second.plan.stages);
    expect(second.plan.stages.find((s) => s.stage === 'gen')?.submissions).toEqual({ idle: 1 });
    expect([...called].sort()).toEqual(
      ['activeOverrides', 'jobs', 'splitStates', 'submissions'].sort(),
    );
    expect(shows.status().applied?.revision).toBe('abc');
  });
});
