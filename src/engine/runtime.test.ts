import { describe, expect, it } from 'vitest';
import { actionQueues } from './runtime.js';

describe('action queues', () => {
  it('launch at most maxLaunchesPerMinute a minute, and bound concurrency', async () => {
    const q = actionQueues(4, 2);
    let ran = 0;
    for (let i = 0; i < 3; i++) void q.launches.add(async () => void ran++);
    await new Promise((r) => setTimeout(r, 200));
    expect(ran).toBe(2);
    q.launches.clear();
    q.launches.pause();
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 10 }, () => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    });
    await q.actions.addAll(tasks);
    expect(peak).toBe(4);
  });
});
