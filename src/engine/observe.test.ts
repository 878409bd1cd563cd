import { describe, expect, it } from 'vitest';
import type { StoredSubmission } from '../adapters/store/types.js';
import { jobsOf, NOW, record, sbndDesired } from '../../test/helpers/build.js';
import { MemoryCatalog } from '../../test/fakes/memory-catalog.js';
import { FAILED_RECHECK_MS, failedProcesses, observeCatalog } from './observe.js';

const KEY = 'sbnd-mcc-test-1/gen/mc-1#1';
const G4 = 'sbnd-mcc-test-1/g4/mc-1+r1#1';

function failed(
  key: string,
  agoMs: number,
  over: Partial<StoredSubmission> = {},
): StoredSubmission {
  return {
    ...record(key, { status: 'failed' }),
    command: [],
    input: { kind: 'none' },
    jobType: 'sbnd-fife-launch',
    launchTemplate: 'sbnd-launch',
    history: [{ status: 'failed', at: new Date(NOW.getTime() - agoMs).toISOString(), reason: '' }],
    ...over,
  };
}

async function catalogWith(key: string, files: number): Promise<MemoryCatalog> {
  const c = new MemoryCatalog();
  for (let i = 0; i < files; i++) {
    await c.declareFile({ name: `f${i}.root`, size: 1, metadata: { 'gitpoms.submission': key } });
    await c.addLocation(`f${i}.root`, '/pnfs/x');
  }
  return c;
}

describe('observing a failed submission again', () => {
  // The demo's g4 is completed by located outputs; make gen so too, to test without a project.
  const d = sbndDesired();
  d.campaigns[0]!.stages[0]!.completion = { type: 'located', percent: 95 };
  const jobs = jobsOf(
    KEY,
    Array.from({ length: 10 }, () => 'completed' as const),
  );

  it('counts the outputs of one that failed less than a day ago', async () => {
    const c = await catalogWith(KEY, 10);
    const o = await observeCatalog(c, d, [failed(KEY, 3600_000)], jobs, NOW);
    expect(o.outputs[KEY]).toEqual({ expected: 10, located: 10, final: true });
  });

  it('leaves one that failed longer ago, or that a recovery followed', async () => {
    const c = await catalogWith(KEY, 10);
    const old = await observeCatalog(c, d, [failed(KEY, FAILED_RECHECK_MS + 1)], jobs, NOW);
    expect(old.outputs[KEY]).toBeUndefined();
    const recovery = failed(G4.replace('g4', 'gen'), 60_000, {
      status: 'launched',
      recovery: { of: KEY, type: 'consumed_status', index: 1 },
    });
    const followed = await observeCatalog(c, d, [failed(KEY, 60_000), recovery], jobs, NOW);
    expect(followed.outputs[KEY]).toBeUndefined();
  });
});

describe('the jobs failed_jobs runs again', () => {
  const job = (id: string, state: 'completed' | 'removed', exitCode?: number) => ({
    id,
    submission: KEY,
    state,
    ...(exitCode !== undefined ? { exitCode } : {}),
  });
  it('are the processes of the jobs that did not succeed, in job id order', () => {
    const jobs = [
      job('12.10@local', 'completed', 0),
      job('12.2@local', 'completed', 65),
      job('12.0@local', 'completed', 0),
      job('12.1@local', 'removed'),
    ];
    const sub = failed(KEY, 0);
    // ids sort numerically: 12.0, 12.1, 12.2, 12.10 are processes 0, 1, 2, 3.
    expect(failedProcesses(sub, jobs)).toEqual([1, 2]);
  });

  it('leave out a process whose output is located, though its job was lost', async () => {
    const d = sbndDesired();
    const jobs = jobsOf(KEY, [
      'completed',
      'removed',
      ['completed', 1],
      ...Array.from({ length: 7 }, () => 'completed' as const),
    ]);
    const c = new MemoryCatalog();
    // Process 1 declared its file before its supervisor died; process 2 made none.
    for (const p of [0, 1, 3, 4, 5, 6, 7, 8, 9]) {
      const name = `gen_${p}.root`;
      await c.declareFile({
        name,
        size: 1,
        metadata: { 'gitpoms.submission': KEY, 'gitpoms.process': String(p) },
      });
      await c.addLocation(name, '/pnfs/x');
    }
    const o = await observeCatalog(c, d, [failed(KEY, 60_000)], jobs, NOW);
    expect(o.rerun?.[KEY]).toEqual([2]);
    expect(o.recoveryFiles[KEY]).toMatchObject({ failed_jobs: 1 });
  });

  it('of a rerun, are the processes it ran again', () => {
    const rerun = failed(KEY, 0, { input: { kind: 'rerun', of: KEY, processes: [4, 9] } });
    const jobs = [job('20.0@local', 'completed', 0), job('20.1@local', 'completed', 1)];
    expect(failedProcesses(rerun, jobs)).toEqual([9]);
    expect(failedProcesses(rerun, [])).toBeUndefined();
  });
});
