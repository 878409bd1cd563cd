import { describe, expect, it } from 'vitest';
import { launchAction } from '../../test/contracts/store.js';
import { MemoryStore } from '../../test/fakes/memory-store.js';
import { describeInput, explain, explainText } from './explain.js';

const NOW = new Date('2026-12-01T12:00:00Z');

describe('explain', () => {
  it('says what each kind of input consumes', () => {
    expect(describeInput({ kind: 'none' })).toBe('no input files (a Monte Carlo submission)');
    expect(describeInput({ kind: 'dataset', definition: 'sbnd_reco1' })).toBe(
      'the dataset definition sbnd_reco1',
    );
    expect(
      describeInput({
        kind: 'split',
        slice: {
          type: 'nfiles',
          position: 2,
          generation: 1,
          definition: 'sbnd_reco1_slice_3',
          countToEnd: true,
          accumulates: false,
          next: { position: 3 },
        },
      }),
    ).toBe('slice 3 of its nfiles split (generation 1): sbnd_reco1_slice_3');
    expect(
      describeInput({
        kind: 'parent',
        parent: 'c/g4/mc-1#1',
        sources: ['c/g4/mc-1#1', 'c/g4/mc-1+r1#1'],
        definition: 'd',
        filePatterns: ['%.root'],
      }),
    ).toBe('the files %.root of c/g4/mc-1#1, c/g4/mc-1+r1#1, through definition d');
    expect(
      describeInput({
        kind: 'recovery',
        of: 'c/g4/mc-1#1',
        type: 'consumed_status',
        definition: 'r',
      }),
    ).toBe('the files c/g4/mc-1#1 left for consumed_status recovery, through definition r');
    expect(describeInput({ kind: 'rerun', of: 'c/gen/mc-1#1', processes: [3, 7] })).toBe(
      'process(es) 3, 7 of c/gen/mc-1#1 run again (they did not succeed)',
    );
  });

  it('links a submission to its parent, its recoveries, its dependents and the overrides on its stage', async () => {
    const s = new MemoryStore(() => NOW);
    const launch = async (key: string, over = {}) =>
      s.finishLaunch(await s.beginLaunch(launchAction(key, over), 'rev1', 'slurm'), { ok: true });
    await launch('c/gen/mc-1#1');
    await launch('c/g4/mc-1#1', { parent: 'c/gen/mc-1#1' });
    await s.setStatus('c/g4/mc-1#1', 'failed', 'test');
    await launch('c/g4/mc-1+r1#1', {
      recovery: { of: 'c/g4/mc-1#1', type: 'consumed_status', index: 1 },
    });
    await launch('c/detsim/mc-1+r1#1', {
      parent: 'c/g4/mc-1+r1#1',
      input: {
        kind: 'parent',
        parent: 'c/g4/mc-1+r1#1',
        sources: ['c/g4/mc-1#1', 'c/g4/mc-1+r1#1'],
        definition: 'd',
        filePatterns: ['%.root'],
      },
    });
    await s.addOverride({
      action: 'hold',
      campaign: 'c',
      stage: 'g4',
      actor: 'alice',
      reason: 'dCache',
      revision: 'rev1',
    });
    await s.addOverride({
      action: 'hold',
      campaign: 'c',
      stage: 'reco',
      actor: 'bob',
      reason: 'x',
      revision: 'rev1',
    });
    const e = (await explain(s, undefined, 'c/g4/mc-1#1', NOW, 'rev1'))!;
    expect(e).toMatchObject({
      status: 'failed',
      launched: { revision: 'rev1', batch: 'slurm', reason: 'Monte Carlo submission 1 of 1' },
      parent: { key: 'c/gen/mc-1#1', status: 'launched' },
      recoveries: [{ key: 'c/g4/mc-1+r1#1', type: 'consumed_status', status: 'launched' }],
      dependents: [{ key: 'c/detsim/mc-1+r1#1', status: 'launched' }],
      jobs: { total: 0 },
    });
    expect(e.overrides.map((o) => o.actor)).toEqual(['alice']);
    const text = explainText(e);
    expect(text).toMatch(
      /^c\/g4\/mc-1#1: failed\nlaunched 2026-12-01T12:00:00.000Z from revision rev1 on slurm: /,
    );
    expect(text).toContain('parent: c/gen/mc-1#1 (launched)\n');
    expect(text).toContain('recovered by c/g4/mc-1+r1#1 (consumed_status): launched\n');
    expect(text).toContain('consumed by c/detsim/mc-1+r1#1: launched\n');
    expect(text).toMatch(/^override \d+ in force: hold c\/g4 by alice at .*: dCache$/m);
    const r = (await explain(s, undefined, 'c/g4/mc-1+r1#1', NOW, 'rev1'))!;
    expect(r.recoveryOf).toEqual({
      key: 'c/g4/mc-1#1',
      type: 'consumed_status',
      index: 1,
      status: 'failed',
    });
    expect(await explain(s, undefined, 'c/x/y#1', NOW, 'rev1')).toBeUndefined();
  });
});
