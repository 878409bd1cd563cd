// `gitpoms serve` as a service manager runs it, for the end-to-end tests: a child process
// following a git remote given as a URL, on a free port, passes an hour apart.
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, vi } from 'vitest';
import { LocalExecutor } from '../../src/adapters/batch/local/index.js';
import type { GitFixture } from './git-fixture.js';

/** `gitpoms serve FLAGS` on the fixture's remote and this data directory; `env` over PATH and HOME. */
export function spawnServe(
  fx: GitFixture,
  dataDir: string,
  flags: string[],
  env: Record<string, string>,
): ChildProcess {
  return spawn(
    process.execPath,
    [
      'bin/gitpoms.js',
      'serve',
      ...flags,
      '--source',
      pathToFileURL(fx.remote).href,
      '--repo',
      fx.root,
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--interval',
      '3600',
      '--poll',
      '3600',
    ],
    { env: { PATH: process.env.PATH, HOME: tmpdir(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
}

/** Jobs outlive the reconciler: waits until the local executor's jobs there have ended. */
export async function localJobsEnded(dataDir: string): Promise<void> {
  const batch = new LocalExecutor({ root: path.join(dataDir, 'local-batch'), slots: 1 });
  try {
    await vi.waitFor(
      async () =>
        expect(
          (await batch.observe()).filter((j) => j.state === 'idle' || j.state === 'running'),
        ).toEqual([]),
      { timeout: 30_000, interval: 200 },
    );
  } finally {
    await batch.close();
  }
}
