import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function reconciler(dataDir: string) {
  const child = spawn(process.execPath, ['bin/gitpoms.js', ...demoRunArgs(dataDir, 50)], {
    env: DEMO_ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

describe('SIGKILL of the reconciler at random instants', () => {
  it.each([1, 2, 3])(
    'run %i: the same located files and no duplicate submission',
    async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-crash-'));
      dirs.push(dataDir);
      const kills: number[] = [];
      for (let i = 0; i < 6; i++) {
        const r = reconciler(dataDir);
        const at = 150 + Math.floor(Math.random() * 1500);
        kills.push(at);
        const timer = setTimeout(() => r.child.kill('SIGKILL'), at);
        const code = await r.exited;
        clearTimeout(timer);
        if (code === 0) break;
        expect(code, `kills at ${kills.join(', ')} ms; ${r.stderr()}`).toBeNull();
      }
      const last = reconciler(dataDir);
      expect(await last.exited, `kills at ${kills.join(', ')} ms; ${last.stderr()}`).toBe(0);

      await expectDemoComplete(dataDir, `(kills at ${kills.join(', ')} ms)`);
      const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
      try {
        const subs = await store.submissions();
        const slices = subs
          .filter((s) => s.status !== 'launch-failed')
          .map((s) => `${s.campaign}/${s.stage}/${s.slice}`);
        expect(new Set(slices).size, `duplicate submissions; kills at ${kills.join(', ')}`).toBe(
          slices.length,
        );
        expect(await store.pendingIntents()).toEqual([]);
      } finally {
        await store.close();
      }
    },
    300_000,
  );
});
