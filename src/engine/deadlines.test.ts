import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBatch } from '../../test/fakes/memory-batch.js';
import type { Config } from '../model/index.js';
import { batchWithDeadlines, DEADLINE_DEFAULTS, DeadlineError, deadlinesOf } from './deadlines.js';
import { closeDeps, openDeps } from './open-deps.js';

const never = new Promise<never>(() => {});
let batch: MemoryBatch | undefined;
afterEach(async () => batch?.close());

describe('deadlines of backend calls', () => {
  it('a call past its deadline fails with the setting to change; one in time answers; submit has the launch deadline', async () => {
    batch = new MemoryBatch({ mode: 'manual' });
    const b = batch;
    const timed = batchWithDeadlines(b, {
      batchSeconds: 0.1,
      catalogSeconds: 1,
      launchSeconds: 0.3,
    });
    expect(await timed.observe()).toEqual([]);
    // A synchronous method is not made async.
    expect(timed.launchEnvironment('k')).toEqual(b.launchEnvironment());

    b.observe = () => never;
    const t0 = Date.now();
    const e = await timed.observe().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineError);
    expect((e as DeadlineError).retryable).toBe(true);
    expect((e as Error).message).toBe(
      'batch memory: observe did not answer within 0.1 s (backends.deadlines.batchSeconds in gitpoms.yaml)',
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);

    b.submit = () => never;
    await expect(timed.submit({ label: 'k', jobs: [] })).rejects.toThrow(
      'batch memory: submit did not answer within 0.3 s (backends.deadlines.launchSeconds in gitpoms.yaml)',
    );
    // A call that fails in time fails with its own error.
    b.hold = async () => {
      throw new Error('hold refused');
    };
    await expect(timed.hold(['1'])).rejects.toThrow('hold refused');
  });

  it('come from gitpoms.yaml backends.deadlines, each setting over its default', async () => {
    expect(deadlinesOf(undefined)).toEqual({
      batchSeconds: 120,
      catalogSeconds: 60,
      launchSeconds: 600,
    });
    expect(deadlinesOf({ deadlines: { catalogSeconds: 5 } })).toEqual({
      ...DEADLINE_DEFAULTS,
      catalogSeconds: 5,
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-deadlines-'));
    try {
      const config = {
        apiVersion: 'gitpoms/v1',
        kind: 'Config',
        spec: { backends: { deadlines: { launchSeconds: 42 } } },
      } as Config;
      const deps = openDeps(dir, config, { dataDir: dir, revision: undefined, env: {} });
      try {
        expect(deps.launchTimeoutMs).toBe(42_000);
      } finally {
        await closeDeps(deps);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
