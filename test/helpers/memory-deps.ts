import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { DEFAULTS } from '../../src/desired/desired.js';
import type { Deps } from '../../src/engine/deps.js';
import { DEADLINE_DEFAULTS } from '../../src/engine/deadlines.js';
import { actionQueues } from '../../src/engine/open-deps.js';
import { MemoryBatch } from '../fakes/memory-batch.js';
import { MemoryCatalog } from '../fakes/memory-catalog.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { DEMO_ENV } from './demo.js';

export interface MemoryDeps extends Deps {
  batch: MemoryBatch;
  catalog: MemoryCatalog;
  store: MemoryStore;
  /** Removes the data directory (launch files) and ends any job still running. */
  dispose(): Promise<void>;
}

/**
 * The reconciler's ports on the in-memory fakes, over the demo repository: a pass launches,
 * observes and marks without a supervisor, a database file or a catalog file. The batch runs
 * nothing unless `mode: 'processes'`; all three read the one clock given.
 */
export function memoryDeps(
  opts: { clock?: () => Date; mode?: 'manual' | 'processes' } = {},
): MemoryDeps {
  const clock = opts.clock ?? (() => new Date());
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-memory-'));
  const batch = new MemoryBatch({ mode: opts.mode ?? 'manual', clock });
  return {
    batch,
    catalog: new MemoryCatalog(clock),
    store: new MemoryStore(clock),
    log: pino({ level: 'silent' }),
    clock,
    env: DEMO_ENV,
    repoRoot: process.cwd(),
    revision: undefined,
    dataDir,
    // Jobs cannot reach an in-memory catalog; this file is never opened.
    catalogSpec: { kind: 'embedded', file: path.join(dataDir, 'catalog.sqlite') },
    local: { path: [], passEnv: [], categories: [] },
    launchTimeoutMs: DEADLINE_DEFAULTS.launchSeconds * 1000,
    queues: actionQueues(DEFAULTS.concurrency, undefined),
    unlock: () => {},
    async dispose() {
      await batch.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
