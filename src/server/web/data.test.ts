import { describe, expect, it } from 'vitest';
import type { StoredJob, StoredSubmission } from '../../adapters/store/types.js';
import { binned, segments } from './charts.js';
import { csv, submissionTree } from './data.js';

const sub = (key: string, over: Partial<StoredSubmission> = {}): StoredSubmission => ({
  key,
  campaign: 'c',
  stage: key.split('/')[1]!,
  slice: 'mc-1',
  attempt: 1,
  launchedAt: '2026-12-01T10:00:00.000Z',
  status: 'launched',
  command: [],
  input: { kind: 'none' },
  jobType: 'jt',
  launchTemplate: 'lt',
  history: [],
  ...over,
});

const job = (submission: string, over: Partial<StoredJob> = {}): StoredJob => ({
  id: `${submission}.0`,
  submission,
  state: 'running',
  updatedAt: '2026-12-01T10:00:00.000Z',
  ...over,
});

describe('the submission tree', () => {
  it('hangs dependents (↳) and recoveries (↺) under their row, roots in launch order', () => {
    const rows = submissionTree(
      [
        sub('c/gen/mc-1#1', { status: 'failed' }),
        sub('c/gen/mc-2#1', { status: 'located' }),
        sub('c/gen/mc-1+r1#1', { recovery: { of: 'c/gen/mc-1#1', type: 'failed_jobs', index: 0 } }),
        sub('c/g4/mc-2#1', { parent: 'c/gen/mc-2#1' }),
        sub('c/g4/mc-1+r1#1', { parent: 'c/gen/mc-1+r1#1' }),
        // Its parent is not among the records (another campaign's): a root.
        sub('c/g4/x#1', { parent: 'other/gen/mc-1#1' }),
      ],
      new Map([['c/g4/mc-2#1', [job('c/g4/mc-2#1')]]]),
    );
    expect(
      rows.map((r) => `${'  '.repeat(r.depth)}${r.via ?? ''} ${r.record.key} ${r.status}`),
    ).toEqual([
      ' c/gen/mc-1#1 failed',
      '  recovery c/gen/mc-1+r1#1 unknown',
      '    dependent c/g4/mc-1+r1#1 unknown',
      ' c/gen/mc-2#1 located',
      '  dependent c/g4/mc-2#1 running',
      ' c/g4/x#1 unknown',
    ]);
  });
});

describe('charts', () => {
  it('bins values from 0 to the largest, the largest in the last bin', () => {
    expect(binned([], 4)).toEqual([]);
    expect(binned([0, 1, 2, 3, 4], 4).map((b) => [b.from, b.to, b.count])).toEqual([
      [0, 1, 1],
      [1, 2, 1],
      [2, 3, 1],
      [3, 4, 2],
    ]);
    expect(binned([5, 5], 2).map((b) => b.count)).toEqual([0, 2]);
    expect(binned([5, 5], 2, false).map((b) => [b.from, b.to, b.count])[0]).toEqual([5, 5.5, 2]);
  });

  it("draws a submission's states from its launch, its jobs and its history", () => {
    const t = (m: number) => Date.parse('2026-12-01T10:00:00.000Z') + m * 60_000;
    const iso = (m: number) => new Date(t(m)).toISOString();
    const s = sub('c/gen/mc-1#1', {
      history: [
        { status: 'launched', at: iso(0), reason: '' },
        { status: 'located', at: iso(30), reason: '' },
      ],
    });
    const jobs = [
      job(s.key, { id: '1', state: 'completed', startedAt: iso(5), endedAt: iso(20) }),
      job(s.key, { id: '2', state: 'completed', startedAt: iso(8), endedAt: iso(25) }),
    ];
    expect(segments(s, jobs, t(60))).toEqual([
      { from: t(0), to: t(5), state: 'idle' },
      { from: t(5), to: t(25), state: 'running' },
      { from: t(25), to: t(30), state: 'completed' },
      { from: t(30), to: t(30), state: 'located' },
    ]);
    // Still running: its bar reaches now.
    expect(segments(s, [job(s.key, { startedAt: iso(5) })], t(60)).slice(0, 2)).toEqual([
      { from: t(0), to: t(5), state: 'idle' },
      { from: t(5), to: t(30), state: 'running' },
    ]);
  });
});

describe('csv', () => {
  it('quotes what needs it, RFC 4180', () => {
    expect(csv([['a', 'b,c', 'say "hi"', 'two\nlines']])).toBe(
      'a,"b,c","say ""hi""","two\nlines"\r\n',
    );
  });
});
