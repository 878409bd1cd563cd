import { describe, expect, it } from 'vitest';
import type { StoredSubmission } from '../adapters/store/types.js';
import { campaign, desired, record } from '../../test/helpers/build.js';
import { droppedWork } from './converge.js';

function stored(key: string, over: Partial<StoredSubmission> = {}): StoredSubmission {
  const status = over.status ?? 'located';
  return {
    ...record(key, { status }),
    command: [],
    input: { kind: 'none' },
    jobType: 'run',
    launchTemplate: 'here',
    history: [{ status, at: '2026-11-25T11:00:00Z', reason: `${status} for a reason` }],
    ...over,
  };
}

describe('work a converged run dropped', () => {
  const d = desired([campaign('c', [{ name: 'gen' }, { name: 'g4', after: ['gen'] }])]);

  it('is every failed submission no recovery follows, with its last reason', () => {
    const records = [
      stored('c/gen/mc-1#1'),
      stored('c/gen/mc-2#1', { status: 'failed' }),
      stored('c/g4/mc-1#1', { status: 'failed' }),
      stored('c/g4/mc-1+r1#1', {
        status: 'located',
        recovery: { of: 'c/g4/mc-1#1', type: 'consumed_status', index: 1 },
      }),
      stored('c/g4/mc-3#1', { status: 'launch-failed' }),
      stored('other/gen/mc-1#1', { status: 'failed' }),
    ];
    expect(droppedWork(records, d)).toEqual([
      { key: 'c/gen/mc-2#1', reason: 'failed for a reason' },
      { key: 'c/g4/mc-3#1', reason: 'launch-failed for a reason' },
    ]);
  });

  it('is nothing when every failure was recovered', () => {
    expect(droppedWork([stored('c/gen/mc-1#1')], d)).toEqual([]);
  });
});
