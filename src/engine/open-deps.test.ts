import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Config } from '../model/index.js';
import { actionQueues, closeDeps, lockDataDir, openDeps } from './open-deps.js';

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

describe('launches in flight, from gitpoms.yaml', () => {
  it('bound the deployment’s launches per experiment and per backend', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-inflight-'));
    const config = {
      apiVersion: 'gitpoms/v1',
      kind: 'Config',
      spec: { defaults: { launchesInFlight: { perExperiment: 1, perBatch: { local: 2 } } } },
    } as Config;
    const deps = openDeps(dir, config, { dataDir: dir, revision: undefined, env: {} });
    try {
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const slot = (experiment: string) =>
        deps.queues.limits.run({ experiment, batch: 'local' }, () => held);
      const runs = [slot('sbnd'), slot('sbnd'), slot('dune'), slot('icarus')];
      expect(deps.queues.limits.count({ experiment: 'sbnd' })).toBe(1);
      expect(deps.queues.limits.count({ batch: 'local' })).toBe(2);
      release();
      await Promise.all(runs);
    } finally {
      await closeDeps(deps);
      rmSync(dir, { recursive: true, force: true });
    }
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
