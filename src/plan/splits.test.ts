import { describe, expect, it } from 'vitest';
import { FRESH_SPLIT, type SliceDef, type SplitSpec, type SplitState } from '../model/index.js';
import { parseSplit } from '../desired/split.js';
import { splitSlice, unprocessedFileQuery } from './splits.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const spec = (s: string): SplitSpec => {
  const r = parseSplit(s);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

/**
 * Walks a split from a state for `calls` slices, each launched (state advanced) in turn; a
 * launch of an accumulating slice leaves the catalog's snapshot of all taken so far (100, 101…).
 */
function walk(split: string, dataset: string, calls: number, from: SplitState = FRESH_SPLIT) {
  const out: Array<string> = [];
  let state = from;
  for (let i = 0; i < calls; i++) {
    const r = splitSlice(spec(split), dataset, state, NOW, '1234.0001');
    if ('done' in r) {
      out.push(`done: ${r.done}`);
      break;
    }
    out.push(`${r.definition ?? r.value}${r.dimensions ? ` = ${r.dimensions}` : ''}`);
    state = { ...state, ...(r as SliceDef).next, ...(r.accumulates ? { last: 100 + i } : {}) };
  }
  return out;
}

describe('split types: names and dimension strings, as POMS makes them', () => {
  it.each([
    ['list', 'ds_a, ds_b,ds_c', 4, ['ds_a', 'ds_b', 'ds_c', 'done: all 3 list entries launched']],
    [
      'multiparam',
      '[["a","b","c"],["d","e"]]',
      7,
      ['a_d', 'b_d', 'c_d', 'a_e', 'b_e', 'c_e', 'done: all 6 parameter combinations launched'],
    ],
    [
      'mod(3)',
      'ds',
      4,
      [
        'ds_slice0_of_3 = defname: ds with stride 3 offset 0',
        'ds_slice1_of_3 = defname: ds with stride 3 offset 1',
        'ds_slice2_of_3 = defname: ds with stride 3 offset 2',
        'done: all 3 slices launched',
      ],
    ],
    [
      'nfiles(10)',
      'ds',
      3,
      [
        'ds_slice0_files10 = defname: ds with limit 10 offset 0',
        'ds_slice1_files10 = defname: ds with limit 10 offset 10',
        'ds_slice2_files10 = defname: ds with limit 10 offset 20',
      ],
    ],
    [
      'limitn(5)',
      'ds',
      2,
      ['ds_0_limit5 = defname: ds with limit 5', 'ds_1_limit5 = defname: ds with limit 5'],
    ],
    [
      'byrun(low=7,high=9)',
      'ds',
      3,
      [
        'ds_run_7 = defname: ds and run_number 7',
        'ds_run_8 = defname: ds and run_number 8',
        'done: runs 7 to 8 launched',
      ],
    ],
    [
      'byexistingruns',
      'ds',
      1,
      ['ds_slice_0_run_1234.0001 = defname: ds and run_number 1234.0001'],
    ],
    ['draining', 'ds', 2, ['ds', 'ds']],
    [
      'drainingn(4)',
      'ds',
      2,
      [
        'ds_slice_0_stage_4 = defname: ds with limit 4',
        'ds_slice_100_stage_4 = defname: ds minus snapshot_id 100 with limit 4',
      ],
    ],
    [
      'stagedfiles(2)',
      'proj',
      1,
      ["proj_slice_0_stage_2 = project_name proj and consumed_status 'consumed' with limit 2"],
    ],
    [
      'new(window=1d,fts=1h,firsttime=2026-11-22T00:00:00Z)',
      'raw',
      4,
      [
        "raw_time_1795305600__1795392000 = defname: raw and end_time > '2026-11-22T00:00:00' and end_time <= '2026-11-23T00:00:00'",
        "raw_time_1795392000__1795478400 = defname: raw and end_time > '2026-11-23T00:00:00' and end_time <= '2026-11-24T00:00:00'",
        "raw_time_1795478400__1795564800 = defname: raw and end_time > '2026-11-24T00:00:00' and end_time <= '2026-11-25T00:00:00'",
        'done: the next window starts at 2026-11-25T00:00:00Z and is not complete yet (window 86400 s, fts 3600 s)',
      ],
    ],
  ])('%s over %s', (split, dataset, calls, expected) => {
    expect(walk(split, dataset, calls)).toEqual(expected);
  });

  it('resumes from a stored position, as after a restart or a new commit', () => {
    expect(walk('nfiles(10)', 'ds', 1, { position: 7, generation: 0 })).toEqual([
      'ds_slice7_files10 = defname: ds with limit 10 offset 70',
    ]);
    expect(walk('mod(3)', 'ds', 1, { position: 3, generation: 0 })).toEqual([
      'done: all 3 slices launched',
    ]);
  });

  it('subtracts the accumulated snapshot once slices were taken, and names the slice by it, as POMS does', () => {
    const s: SplitState = { position: 2, last: 41, generation: 0 };
    expect(walk('drainingn(4)', 'ds', 1, s)).toEqual([
      'ds_slice_41_stage_4 = defname: ds minus snapshot_id 41 with limit 4',
    ]);
    expect(walk('stagedfiles(2)', 'proj', 1, s)).toEqual([
      "proj_slice_41_stage_2 = project_name proj and consumed_status 'consumed' minus snapshot_id 41 with limit 2",
    ]);
    expect(walk('byexistingruns', 'ds', 1, s)).toEqual([
      'ds_slice_41_run_1234.0001 = (defname: ds minus snapshot_id 41) and run_number 1234.0001',
    ]);
    expect(unprocessedFileQuery('ds', s)).toBe('defname: ds minus snapshot_id 41 with limit 1');
  });

  it('names definitions of a new generation apart after a reset', () => {
    expect(walk('nfiles(10)', 'ds', 1, { position: 0, generation: 2 })).toEqual([
      'ds_slice0_files10_r2 = defname: ds with limit 10 offset 0',
    ]);
  });

  it('marks which slices end the split when empty and which accumulate', () => {
    const flags = (s: string) => {
      const r = splitSlice(spec(s), 'ds', FRESH_SPLIT, NOW, '1.0');
      return 'done' in r ? 'done' : `${r.countToEnd} ${r.accumulates}`;
    };
    expect(flags('nfiles(2)')).toBe('true false');
    expect(flags('drainingn(2)')).toBe('true true');
    expect(flags('byexistingruns')).toBe('false true');
    expect(flags('mod(2)')).toBe('false false');
  });

  it('new: the first window ends fts before now when no firsttime is given', () => {
    const r = splitSlice(spec('new(window=6h,fts=30m)'), 'raw', FRESH_SPLIT, NOW) as SliceDef;
    expect(r.dimensions).toBe(
      "defname: raw and end_time > '2026-11-25T05:30:00' and end_time <= '2026-11-25T11:30:00'",
    );
    expect(r.next.last).toBe(Date.parse('2026-11-25T11:30:00Z') / 1000);
  });

  it('new with localtime writes end_time as wall time in the zone resolution gave it', () => {
    const local = (zone: string, now: Date) =>
      (
        splitSlice(
          { ...spec('new(window=6h,fts=30m,localtime=true)'), timeZone: zone } as SplitSpec,
          'raw',
          FRESH_SPLIT,
          now,
        ) as SliceDef
      ).dimensions;
    // NOW is in November: Chicago is UTC-6; in July it is UTC-5 (daylight saving).
    expect(local('America/Chicago', NOW)).toBe(
      "defname: raw and end_time > '2026-11-24T23:30:00' and end_time <= '2026-11-25T05:30:00'",
    );
    expect(local('America/Chicago', new Date('2026-07-01T12:00:00Z'))).toBe(
      "defname: raw and end_time > '2026-07-01T00:30:00' and end_time <= '2026-07-01T06:30:00'",
    );
    expect(local('UTC', NOW)).toBe(
      "defname: raw and end_time > '2026-11-25T05:30:00' and end_time <= '2026-11-25T11:30:00'",
    );
  });
});
