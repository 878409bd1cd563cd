import { describe, expect, it } from 'vitest';
import { DimensionError } from './dimensions.js';
import { selectFiles, type DimensionSource, type FileFacts, type ProjectFile } from './evaluate.js';

// gen_1..gen_4 (runs 1..4, subrun 0 except gen_4 at subrun 12), g4_1 and g4_3 their children,
// reco_1 a grandchild; gen_2 has no location.
const files: Array<[number, FileFacts, number[]]> = [
  [1, file('gen_1.root', 100, { data_tier: 'generated', runs: [[1, 0, 'mc']], nev: 10 }), []],
  [2, file('gen_2.root', 200, { data_tier: 'generated', runs: [[2, 0, 'mc']], nev: 20 }), []],
  [3, file('gen_3.root', 300, { data_tier: 'generated', runs: [[3, 0, 'mc']], nev: 30 }), []],
  [4, file('gen_4.root', 400, { data_tier: 'generated', runs: [[4, 12, 'mc']], nev: 40 }), []],
  [5, file('g4_1.root', 10, { data_tier: 'simulated', 'SBND.Stage': 'g4' }), [1]],
  [6, file('g4_3.root', 30, { data_tier: 'simulated', 'SBND.Stage': ['g4', 'x'] }), [3]],
  [7, file('reco_1.root', 5, { data_tier: 'reconstructed' }), [5]],
];

function file(name: string, size: number, metadata: Record<string, unknown>): FileFacts {
  return { name, size, createDate: `2026-11-0${size % 9}T00:00:00.000Z`, metadata };
}

function source(): DimensionSource {
  const parents = new Map<number, number[]>();
  const children = new Map<number, number[]>();
  for (const [id, , ps] of files) {
    parents.set(id, ps);
    for (const p of ps) children.set(p, [...(children.get(p) ?? []), id]);
  }
  const definitions: Record<string, string> = {
    gen: 'data_tier generated',
    early: 'defname: gen and run_number < 3',
    loop_a: 'defname: loop_b',
    loop_b: 'defname: loop_a',
  };
  const projects: Record<string, { snapshot: number; files: ProjectFile[] }> = {
    p1: {
      snapshot: 1,
      files: [
        { file: 3, status: 'consumed', process: 'completed' },
        { file: 1, status: 'delivered', process: 'bad' },
        { file: 2, status: 'skipped', process: 'active' },
      ],
    },
  };
  return {
    files: new Map(files.map(([id, f]) => [id, f])),
    located: new Set([1, 3, 4, 5, 6, 7]),
    parents,
    children,
    definition: (n) => definitions[n],
    snapshotFiles: (id) => (id === 1 ? [4, 2, 1, 3] : []),
    projectSnapshot: (p) => projects[p]?.snapshot,
    projectFiles: (p) => projects[p]?.files ?? [],
  };
}

const names = (q: string) => {
  const src = source();
  return selectFiles(q, src).map((id) => src.files.get(id)!.name.replace('.root', ''));
};

describe('dimension evaluation', () => {
  it.each([
    ['data_tier generated', ['gen_1', 'gen_2', 'gen_3', 'gen_4']],
    ["file_name 'g4_1.root', reco_1.root", ['g4_1', 'reco_1']],
    ['file_name like gen_%', ['gen_1', 'gen_2', 'gen_3', 'gen_4']],
    ['file_name like g_\\_%', []],
    ['file_size >= 300', ['gen_3', 'gen_4']],
    ['file_size < 30', ['g4_1', 'reco_1']],
    ['nev != 10,20', ['gen_3', 'gen_4', 'g4_1', 'g4_3', 'reco_1']],
    ['sbnd.stage g4', ['g4_1', 'g4_3']],
    ['sbnd.stage x', ['g4_3']],
    ['run_number 2,4', ['gen_2', 'gen_4']],
    ['run_number 4.0012', ['gen_4']],
    ['run_number > 2', ['gen_3', 'gen_4']],
    ['create_date >= 2026-11-04', ['gen_4', 'reco_1']],
    ['availability virtual', ['gen_2']],
    ['data_tier generated and availability physical', ['gen_1', 'gen_3', 'gen_4']],
    ['defname: gen minus run_number 1', ['gen_2', 'gen_3', 'gen_4']],
    ['defname: early', ['gen_1', 'gen_2']],
    ['data_tier simulated or run_number 1', ['gen_1', 'g4_1', 'g4_3']],
    // 'and' binds tighter than 'or'.
    ['run_number 1 or run_number 2 and nev 10', ['gen_1']],
    ['(run_number 1 or run_number 2) and nev 20', ['gen_2']],
    ['isparentof: (data_tier simulated)', ['gen_1', 'gen_3']],
    ['ischildof: (data_tier generated)', ['g4_1', 'g4_3']],
    ['ischildof: (ischildof: (file_name gen_1.root))', ['reco_1']],
    ['isparentof: (file_name reco_1.root)', ['g4_1']],
    ['data_tier generated minus isparentof: (data_tier simulated)', ['gen_2', 'gen_4']],
    ['snapshot_id 1', ['gen_1', 'gen_2', 'gen_3', 'gen_4']],
    ['snapshot_id 9', []],
    ['snapshot_for_project_name p1', ['gen_1', 'gen_2', 'gen_3', 'gen_4']],
    ['project_name p1', ['gen_1', 'gen_2', 'gen_3']],
    ['project_name p1 and consumed_status consumed,skipped', ['gen_2', 'gen_3']],
    ['project_name p1 and consumed_status %ed and process_status bad', ['gen_1']],
    ['project_name nobody', []],
    ['defname: gen with limit 2', ['gen_1', 'gen_2']],
    ['defname: gen with offset 1 limit 2', ['gen_2', 'gen_3']],
    ['defname: gen with stride 2', ['gen_1', 'gen_3']],
    ['defname: gen with stride 2 offset 1', ['gen_2', 'gen_4']],
  ])('%s', (q, want) => {
    expect(names(q)).toEqual(want);
  });

  it.each([
    ['defname: nothing', /no definition named nothing/],
    ['defname: loop_a', /definition loop_a refers to itself \(loop_a -> loop_b -> loop_a\)/],
    ['snapshot_for_project_name nobody', /no project named nobody/],
    ['data_tier', /expected a value at the end in: data_tier/],
    ['defname: gen with', /expected limit, offset or stride after with/],
    ['(data_tier x', /expected "\)" at the end/],
    ['', /empty dimension query/],
  ])('%s is a DimensionError', (q, message) => {
    expect(() => names(q)).toThrow(DimensionError);
    expect(() => names(q)).toThrow(message);
  });
});
