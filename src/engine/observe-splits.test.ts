import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { FRESH_SPLIT, type SplitSpec, type SplitState } from '../model/index.js';
import type { LaunchAction } from '../plan/types.js';
import { parseSplit } from '../desired/split.js';
import { splitAdvance } from './launch.js';
import { nextSlice } from './observe.js';

/**
 * The split loop against the embedded catalog, without jobs: observe the next slice, make
 * its definition and project as a launch does, move the split on as the store would.
 */
let dir: string;
let catalog: EmbeddedCatalog;
const NOW = new Date('2026-11-25T12:00:00Z');
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-splits-'));
  catalog = new EmbeddedCatalog(path.join(dir, 'catalog.sqlite'));
  // 10 raw files: runs 100 (subruns 1, 2) and 101; one end_time per day from Nov 20.
  for (let i = 0; i < 10; i++)
    await catalog.declareFile({
      name: `raw_${i}.root`,
      size: 1,
      metadata: {
        data_tier: 'raw',
        runs: [[100 + (i >= 6 ? 1 : 0), i < 3 ? 1 : 2, 'physics']],
        end_time: new Date(Date.UTC(2026, 10, 20 + Math.floor(i / 2), 6))
          .toISOString()
          .slice(0, 19),
      },
    });
  await catalog.createDefinition('raw', 'data_tier raw');
});
afterEach(async () => {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (s: string) => parseSplit(s) as SplitSpec;
let projects = 0;
/** The definitions drain() launched over, in order. */
const launched: string[] = [];

/** Takes slices until the split ends; returns each slice's files. */
async function drain(split: string, dataset: string, max = 20): Promise<string[][]> {
  let state: SplitState = FRESH_SPLIT;
  const out: string[][] = [];
  for (let k = 0; k < max; k++) {
    const obs = await nextSlice(catalog, spec(split), dataset, state, NOW);
    if ('done' in obs) break;
    const sl = obs.next;
    if (sl.dimensions) await catalog.createDefinition(sl.definition!, sl.dimensions);
    launched.push(sl.definition!);
    const project = `p_${++projects}`;
    await catalog.startProject(project, sl.definition!);
    out.push(await catalog.listFiles(`snapshot_for_project_name ${project}`));
    const a = { campaign: 'c', stage: 's', input: { kind: 'split', slice: sl } } as Pick<
      LaunchAction,
      'campaign' | 'stage' | 'input'
    >;
    state = { ...state, ...(await splitAdvance({ catalog }, a, project))!.to };
  }
  return out;
}

const names = (n: number[]) => n.map((i) => `raw_${i}.root`);

describe('splits over the embedded catalog', () => {
  it('nfiles(4): 4, 4, 2 files, then an empty slice ends it', async () => {
    expect(await drain('nfiles(4)', 'raw')).toEqual([
      names([0, 1, 2, 3]),
      names([4, 5, 6, 7]),
      names([8, 9]),
    ]);
  });

  it('drainingn(4) takes what earlier slices did not, through the accumulated snapshot', async () => {
    launched.length = 0;
    const slices = await drain('drainingn(4)', 'raw');
    expect(slices).toEqual([names([0, 1, 2, 3]), names([4, 5, 6, 7]), names([8, 9])]);
    // POMS's names: each slice by the snapshot of what came before it, the union as "full".
    const [first, second, third] = launched;
    expect(first).toBe('raw_slice_0_stage_4');
    const s1 = /^raw_slice_(\d+)_stage_4$/.exec(second!)![1]!;
    expect(Number(s1)).toBeGreaterThan(0);
    const s2 = /^raw_slice_(\d+)_stage_4$/.exec(third!)![1]!;
    expect(s2).not.toBe(s1);
    expect(await catalog.describeDefinition(`raw_full_${s1}_stage_4`)).toMatch(
      new RegExp(`^snapshot_id ${s1} or snapshot_id \\d+$`),
    );
  });

  it('drainingn picks up files that arrive after it started', async () => {
    let state: SplitState = FRESH_SPLIT;
    const take = async (k: number) => {
      const obs = await nextSlice(catalog, spec('drainingn(20)'), 'raw', state, NOW);
      if ('done' in obs) return obs.done;
      await catalog.createDefinition(obs.next.definition!, obs.next.dimensions!);
      await catalog.startProject(`q_${k}`, obs.next.definition!);
      const a = { campaign: 'c', stage: 's', input: { kind: 'split', slice: obs.next } } as Pick<
        LaunchAction,
        'campaign' | 'stage' | 'input'
      >;
      state = { ...state, ...(await splitAdvance({ catalog }, a, `q_${k}`))!.to };
      return catalog.listFiles(`snapshot_for_project_name q_${k}`);
    };
    expect(await take(0)).toHaveLength(10);
    expect(await take(1)).toMatch(/selects no files/);
    await catalog.declareFile({ name: 'late.root', size: 1, metadata: { data_tier: 'raw' } });
    expect(await take(2)).toEqual(['late.root']);
  });

  it('byexistingruns: one run and subrun per slice, until every file is taken', async () => {
    expect(await drain('byexistingruns', 'raw')).toEqual([
      names([0, 1, 2]),
      names([3, 4, 5]),
      names([6, 7, 8, 9]),
    ]);
  });

  it('mod(3) and byrun cover the dataset', async () => {
    expect(await drain('mod(3)', 'raw')).toEqual([
      names([0, 3, 6, 9]),
      names([1, 4, 7]),
      names([2, 5, 8]),
    ]);
    expect(await drain('byrun(low=100,high=102)', 'raw')).toEqual([
      names([0, 1, 2, 3, 4, 5]),
      names([6, 7, 8, 9]),
    ]);
  });

  it('new(window=2d): whole end_time windows only; the one still open waits', async () => {
    const slices = await drain('new(window=2d,fts=1h,firsttime=2026-11-20T00:00:00Z)', 'raw');
    // Nov 20–22 and Nov 22–24 are taken; Nov 24–26 (raw_8, raw_9) has not ended yet.
    expect(slices).toEqual([names([0, 1, 2, 3]), names([4, 5, 6, 7])]);
  });

  it('stagedfiles(3): the files another project consumed, 3 at a time', async () => {
    await catalog.startProject('stager', 'raw');
    for (let i = 0; i < 5; i++) {
      const f = (await catalog.nextFile('stager', 'p'))!;
      await catalog.setFileStatus('stager', f, i === 2 ? 'skipped' : 'consumed');
    }
    expect(await drain('stagedfiles(3)', 'stager')).toEqual([names([0, 1, 3]), names([4])]);
  });

  it('a missing dataset ends nothing but says so', async () => {
    expect(await nextSlice(catalog, spec('nfiles(2)'), 'nope', FRESH_SPLIT, NOW)).toEqual({
      done: 'dataset definition nope does not exist in the catalog',
    });
  });
});
