import { describe, expect, it } from 'vitest';
import type { ObservedJob } from '../model/index.js';
import { LiveJobs } from './live-jobs.js';
import type { ActionResult } from './apply.js';

const job = (id: string, submission: string, state: ObservedJob['state'] = 'running') => ({
  id,
  submission,
  state,
});

describe('the live jobs', () => {
  it('tells which campaigns a new observation changed: jobs that came, went or changed', () => {
    const c = new LiveJobs();
    expect(c.knows(['a'])).toBe(false);
    expect(c.replace([job('1', 'a/gen/mc-1#1'), job('2', 'b/gen/mc-1#1')])).toEqual(
      new Set(['a', 'b']),
    );
    expect(c.knows(['a', 'b'])).toBe(true);
    // The same observation changes nothing.
    expect(c.replace([job('1', 'a/gen/mc-1#1'), job('2', 'b/gen/mc-1#1')])).toEqual(new Set());
    expect(
      c.replace([
        { ...job('1', 'a/gen/mc-1#1', 'completed'), exitCode: 0 },
        job('2', 'b/gen/mc-1#1'),
        job('3', 'c/gen/mc-1#1'),
      ]),
    ).toEqual(new Set(['a', 'c']));
    expect(c.replace([job('3', 'c/gen/mc-1#1')])).toEqual(new Set(['a', 'b']));
    expect(c.of(['c', 'a', 'none'])).toEqual([job('3', 'c/gen/mc-1#1')]);
  });

  it('takes what a pass did as the batch system will show it, and forgets what it cannot know', () => {
    const c = new LiveJobs();
    c.replace([job('1', 'a/gen/mc-1#1'), job('2', 'a/gen/mc-1#1')]);
    const base = { campaign: 'a', stage: 'gen', reason: 'r' };
    const results = [
      { action: { ...base, kind: 'hold', key: 'a/gen/mc-1#1', jobs: ['1'] }, ok: true },
      {
        action: { ...base, kind: 'launch', key: 'a/g4/mc-1#1' },
        ok: true,
        jobs: ['9'],
      },
    ] as unknown as ActionResult[];
    // It returns the jobs launched, to be recorded as submitted.
    expect(c.applied(results)).toEqual([job('9', 'a/g4/mc-1#1', 'idle')]);
    expect(c.of(['a'])).toEqual([
      job('1', 'a/gen/mc-1#1', 'held'),
      job('2', 'a/gen/mc-1#1'),
      job('9', 'a/g4/mc-1#1', 'idle'),
    ]);
    expect(c.knows(['a'])).toBe(true);
    // A launch whose jobs were not named, or a failed kill: unknown until observed again.
    c.applied([
      {
        action: { ...base, campaign: 'b', kind: 'launch', key: 'b/gen/mc-1#1' },
        ok: true,
      },
      {
        action: { ...base, kind: 'kill', key: 'a/gen/mc-1#1', jobs: ['2'] },
        ok: false,
        error: 'x',
      },
    ] as unknown as ActionResult[]);
    expect(c.knows(['a'])).toBe(false);
    expect(c.knows(['b'])).toBe(false);
    expect(c.knows(['c'])).toBe(true);
    c.replace([]);
    expect(c.knows(['a', 'b'])).toBe(true);
  });
});
