import { describe, expect, it } from 'vitest';
import { LaunchLimits } from './launch-limits.js';

/** A task that runs until `end()` is called, noting when it started. */
function gated(started: string[], name: string) {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  return {
    run: async () => {
      started.push(name);
      await done;
      return name;
    },
    end: () => end(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('launches in flight', () => {
  it('holds a slot at its bound, starts its waiters in arrival order, and never blocks another slot', async () => {
    const limits = new LaunchLimits({ perExperiment: 2 });
    const started: string[] = [];
    const tasks = ['s1', 's2', 's3', 's4'].map((n) => gated(started, n));
    const dune = gated(started, 'd1');
    const runs = tasks.map((t) => limits.run({ experiment: 'sbnd', batch: 'slurm' }, t.run));
    const d = limits.run({ experiment: 'dune', batch: 'slurm' }, dune.run);
    await tick();
    expect(started).toEqual(['s1', 's2', 'd1']);
    expect(limits.count({ experiment: 'sbnd' })).toBe(2);
    expect(limits.count({ batch: 'slurm' })).toBe(3);
    tasks[1]!.end();
    await tick();
    expect(started).toEqual(['s1', 's2', 'd1', 's3']);
    for (const t of [tasks[0]!, tasks[2]!, tasks[3]!, dune]) t.end();
    expect(await Promise.all([...runs, d])).toEqual(['s1', 's2', 's3', 's4', 'd1']);
    expect(started).toEqual(['s1', 's2', 'd1', 's3', 's4']);
    expect(limits.count({ experiment: 'sbnd' })).toBe(0);
    expect(limits.count({ batch: 'slurm' })).toBe(0);
  });

  it('bounds a batch backend across experiments, and frees the slot of a launch that fails', async () => {
    const limits = new LaunchLimits({ perBatch: { jobsub: 1 } });
    const started: string[] = [];
    const first = limits.run({ experiment: 'sbnd', batch: 'jobsub' }, async () => {
      started.push('sbnd');
      throw new Error('refused');
    });
    const second = limits.run({ experiment: 'dune', batch: 'jobsub' }, async () => {
      started.push('dune');
      return 'ok';
    });
    const local = limits.run({ experiment: 'dune', batch: 'local' }, async () => 'local');
    expect(limits.count({ batch: 'jobsub' })).toBe(1);
    await expect(first).rejects.toThrow('refused');
    expect(await second).toBe('ok');
    expect(await local).toBe('local');
    expect(started).toEqual(['sbnd', 'dune']);
    expect(limits.count({ batch: 'jobsub' })).toBe(0);
  });

  it('bounds nothing that is not configured', async () => {
    const limits = new LaunchLimits();
    const started: string[] = [];
    const tasks = Array.from({ length: 50 }, (_, i) => gated(started, `t${i}`));
    const runs = tasks.map((t) => limits.run({ experiment: 'sbnd', batch: 'local' }, t.run));
    await tick();
    expect(started).toHaveLength(50);
    for (const t of tasks) t.end();
    await Promise.all(runs);
  });
});
