// The batch system or the catalog failing in the middle of production: nothing is killed,
// nothing is launched twice, the failure shows in the reconciler's status, and the first
// good pass carries on from where things were.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Batch } from '../../src/adapters/batch/types.js';
import type { Catalog } from '../../src/adapters/catalog/types.js';
import {
  batchWithDeadlines,
  catalogWithDeadlines,
  type Deadlines,
} from '../../src/engine/deadlines.js';
import { Reconciler } from '../../src/engine/loop.js';
import { Metrics } from '../../src/server/metrics.js';
import { AdapterError } from '../../src/errors.js';
import { fsRepo } from '../../src/source/fs-repo.js';
import type { SpecSource } from '../../src/source/spec-source.js';
import { copyDemoRepo } from '../helpers/demo.js';
import { runIdleJobs } from '../helpers/grid.js';
import { memoryDeps, type MemoryDeps } from '../helpers/memory-deps.js';

// The SBND campaigns alone (the DUNE ones launch through a script this batch cannot run).
const root = copyDemoRepo(mkdtempSync(path.join(tmpdir(), 'gitpoms-outage-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const source: SpecSource = {
  description: 'this repository',
  latest: async () => ({ revision: 'abc', id: 'abc', repo: fsRepo(root) }),
  checkout: async () => root,
  byId: async () => undefined,
  watch: async () => async () => {},
  prune: async () => {},
};

/**
 * throws: every call fails; hangs: every call never answers; forgets: observe answers no jobs;
 * definitions: only creating one fails.
 */
type Fault = 'none' | 'throws' | 'hangs' | 'forgets' | 'definitions';
const outage = () => new AdapterError('test', 'the scheduler does not answer', { retryable: true });
const never = new Promise<never>(() => {});

/** The memory fakes, with faults switched on and off, and every hold and kill counted. */
function faulty(deps: MemoryDeps) {
  const f = { batch: 'none' as Fault, catalog: 'none' as Fault, holds: 0, kills: 0 };
  const b = deps.batch;
  const batch: Batch = {
    name: b.name,
    submit: (r) =>
      f.batch === 'throws' ? Promise.reject(outage()) : f.batch === 'hangs' ? never : b.submit(r),
    observe: async () => {
      if (f.batch === 'throws') throw outage();
      if (f.batch === 'hangs') return never;
      return f.batch === 'forgets' ? [] : b.observe();
    },
    hold: async (ids) => void (f.holds += ids.length),
    release: (ids) => b.release(ids),
    kill: async (ids) => void (f.kills += ids.length),
    logs: (id) => b.logs(id),
    launchEnvironment: () => b.launchEnvironment(),
    close: () => b.close(),
  };
  const c = deps.catalog;
  const guard =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> =>
      f.catalog === 'throws' ? Promise.reject(outage()) : f.catalog === 'hangs' ? never : fn(...a);
  const catalog: Catalog = {
    name: c.name,
    declareFile: guard((x) => c.declareFile(x)),
    addLocation: guard((x, l) => c.addLocation(x, l)),
    getFile: guard((x) => c.getFile(x)),
    listFiles: guard((d) => c.listFiles(d)),
    countFiles: guard((d) => c.countFiles(d)),
    createDefinition: (n, d) =>
      f.catalog === 'definitions'
        ? Promise.reject(outage())
        : guard(c.createDefinition.bind(c))(n, d),
    describeDefinition: guard((n) => c.describeDefinition(n)),
    takeSnapshot: guard((d) => c.takeSnapshot(d)),
    startProject: guard((n, d) => c.startProject(n, d)),
    projectInfo: guard((n) => c.projectInfo(n)),
    nextFile: guard((p, x) => c.nextFile(p, x)),
    setFileStatus: guard((p, x, s) => c.setFileStatus(p, x, s)),
    endProcess: guard((p, x, s) => c.endProcess(p, x, s)),
    close: () => c.close(),
  };
  return { f, deps: { ...deps, batch, catalog } };
}

let base: MemoryDeps | undefined;
afterEach(async () => base?.dispose());

describe('outages in the middle of production', () => {
  it('batch and catalog failures kill nothing, launch nothing twice, show in status, and heal', async () => {
    base = memoryDeps();
    const { f, deps } = faulty(base);
    const r = new Reconciler(deps, source, { intervalMs: 1, pollMs: 1, maxPasses: 1 });
    const keys = async () => (await base!.store.submissions()).map((s) => `${s.key} ${s.status}`);

    await r.run();
    const gen = ['sbnd-mcc-test-1/gen/mc-1#1', 'sbnd-mcc-test-1/gen/mc-2#1'];
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));
    for (const k of gen) await runIdleJobs(base.batch, base.catalog, (s) => s === k);

    // The scheduler does not answer: the pass stops before planning; nothing changes.
    f.batch = 'throws';
    expect(await r.run()).toBe(1);
    expect(r.status().lastError).toMatch(/the scheduler does not answer/);
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));

    // The scheduler answers with no jobs at all: nothing is relaunched or killed.
    f.batch = 'forgets';
    expect(await r.run()).toBe(0);
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));

    // The catalog does not answer: the pass stops before planning.
    f.batch = 'none';
    f.catalog = 'throws';
    const submitted = base.batch.submitted.length;
    expect(await r.run()).toBe(1);
    expect(r.status().lastError).toMatch(/the scheduler does not answer/);
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));

    // It answers, but fails as g4's input definitions are made: gen is marked located, no g4
    // reaches the batch system or counts as launched.
    f.catalog = 'definitions';
    await r.run();
    expect(base.batch.submitted.length).toBe(submitted);
    const after = await keys();
    expect(after.filter((k) => k.includes('/gen/'))).toEqual(gen.map((k) => `${k} located`));
    expect(after.filter((k) => k.includes('/g4/') && k.endsWith(' launched'))).toEqual([]);

    // Healthy again: each g4 is launched once, whatever the failed passes left behind.
    f.catalog = 'none';
    for (let i = 0; i < 3; i++) await r.run();
    const g4 = (await base.store.submissions()).filter((s) => s.stage === 'g4');
    expect(
      g4
        .filter((s) => s.status === 'launched')
        .map((s) => s.slice)
        .sort(),
    ).toEqual(['mc-1', 'mc-2']);
    const labels = base.batch.submitted.map((s) => s.label);
    expect(new Set(labels).size).toBe(labels.length);
    expect(r.status().failures).toBe(0);
    expect([f.kills, f.holds]).toEqual([0, 0]);
  });
});

describe('a batch system or catalog that never answers', () => {
  it('fails the pass at its deadline, as an observation failure shown in status and metrics, and heals', async () => {
    base = memoryDeps();
    const { f, deps } = faulty(base);
    const d: Deadlines = { batchSeconds: 0.3, catalogSeconds: 0.3, launchSeconds: 0.3 };
    const metrics = new Metrics();
    const timed = {
      ...deps,
      batch: metrics.instrument('memory', batchWithDeadlines(deps.batch, d)),
      catalog: metrics.instrument('memory', catalogWithDeadlines(deps.catalog, d)),
    };
    const r = new Reconciler(timed, source, { intervalMs: 1, pollMs: 1, maxPasses: 1 });
    const keys = async () => (await base!.store.submissions()).map((s) => `${s.key} ${s.status}`);
    const missed = async (call: string) =>
      (await metrics.text()).match(
        new RegExp(
          `^gitpoms_adapter_deadlines_missed_total\\{backend="memory",call="${call}"\\} (\\d+)$`,
          'm',
        ),
      )?.[1];

    // The scheduler hangs on the very first observation: no jobs is never assumed, nothing launches.
    f.batch = 'hangs';
    const t0 = Date.now();
    expect(await r.run()).toBe(1);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.status().lastError).toBe(
      'batch memory: observe did not answer within 0.3 s (backends.deadlines.batchSeconds in gitpoms.yaml)',
    );
    expect(await keys()).toEqual([]);
    expect(base.batch.submitted).toHaveLength(0);
    expect(await missed('observe')).toBe('1');

    f.batch = 'none';
    await r.run();
    const gen = ['sbnd-mcc-test-1/gen/mc-1#1', 'sbnd-mcc-test-1/gen/mc-2#1'];
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));
    for (const k of gen) await runIdleJobs(base.batch, base.catalog, (s) => s === k);

    // The catalog hangs as the pass reads it for gen: gen is not marked, g4 does not launch.
    f.catalog = 'hangs';
    expect(await r.run()).toBe(1);
    const call = r
      .status()
      .lastError?.match(
        /^catalog memory: (\w+) did not answer within 0.3 s \(backends\.deadlines\.catalogSeconds in gitpoms\.yaml\)$/,
      )?.[1];
    expect(call).toBeDefined();
    expect(await keys()).toEqual(gen.map((k) => `${k} launched`));
    expect(await missed(call!)).toBe('1');

    // Answering again: gen is located and each g4 launched once.
    f.catalog = 'none';
    for (let i = 0; i < 3; i++) await r.run();
    expect(r.status().failures).toBe(0);
    const g4 = (await base.store.submissions()).filter((s) => s.stage === 'g4');
    expect(g4.map((s) => s.slice).sort()).toEqual(['mc-1', 'mc-2']);
  });
});
