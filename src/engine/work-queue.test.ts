import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.js';

describe('the work queue', () => {
  it('holds a campaign once however often it is asked for, with the time it was first asked', () => {
    const q = new WorkQueue();
    q.add(['b', 'a'], 100);
    q.add(['a', 'a', 'c'], 150);
    expect(q.depth).toBe(3);
    expect(q.take(200)).toEqual({ keys: ['a', 'b', 'c'], waitedMs: [100, 100, 50] });
    expect(q.depth).toBe(0);
    expect(q.take(300)).toEqual({ keys: [], waitedMs: [] });
    expect(q.nextDue(300)).toBeUndefined();
  });

  it('backs a failed campaign off, doubling per failure in a row up to the longest delay, and starts again after a success', () => {
    const q = new WorkQueue({ baseDelayMs: 1000, maxDelayMs: 3000 });
    const delays: number[] = [];
    let now = 0;
    for (let i = 0; i < 4; i++) {
      q.add(['a'], now);
      const { keys } = q.take(now);
      expect(keys).toEqual(['a']);
      q.failed(keys, now);
      const due = q.nextDue(now)!;
      delays.push(due - now);
      // Not before its delay, however often an event asks for it meanwhile.
      q.add(['a'], now + 1);
      expect(q.take(due - 1).keys).toEqual([]);
      now = due;
    }
    expect(delays).toEqual([1000, 2000, 3000, 3000]);
    expect(q.retries).toBe(4);
    expect(q.take(now)).toEqual({ keys: ['a'], waitedMs: [3000] });
    q.succeeded(['a']);
    q.failed(['a'], now);
    expect(q.nextDue(now)! - now).toBe(1000);
  });

  it('a campaign due is due now; one backing off, when its delay ends', () => {
    const q = new WorkQueue({ baseDelayMs: 500 });
    q.failed(['x'], 1000);
    expect(q.nextDue(1200)).toBe(1500);
    q.add(['y'], 1200);
    expect(q.nextDue(1200)).toBe(1200);
    expect(q.take(1200).keys).toEqual(['y']);
    expect(q.take(1500).keys).toEqual(['x']);
    expect(q.depth).toBe(0);
  });
});
