import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { actionQueues, lockDataDir } from './open-deps.js';

describe('action queues', () => {
  it('launches at most maxLaunchesPerMinute a minute; the rest wait for the next minute', async () => {
    vi.useFakeTimers();
    try {
      const q = actionQueues(4, 2);
      let ran = 0;
      for (let i = 0; i < 3; i++) void q.launches.add(async () => void ran++);
      await vi.advanceTimersByTimeAsync(59_000);
      expect(ran).toBe(2);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(ran).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it('bounds concurrency', async () => {
    const q = actionQueues(4, 2);
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

describe('the reconciler lock on a data directory', () => {
  it('refuses a second reconciler, and takes over a lock whose owner died', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-lock-'));
    try {
      const unlock = lockDataDir(dir);
      expect(() => lockDataDir(dir)).toThrow(
        `another reconciler (pid ${process.pid}) is acting on ${dir}`,
      );
      unlock();
      lockDataDir(dir)();
      // A pid that cannot be alive: the lock is stale.
      writeFileSync(path.join(dir, 'reconciler.lock'), '2147483646');
      const again = lockDataDir(dir);
      expect(readFileSync(path.join(dir, 'reconciler.lock'), 'utf8')).toBe(String(process.pid));
      again();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
