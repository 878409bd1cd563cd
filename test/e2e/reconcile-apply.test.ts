import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-apply-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const repo = path.resolve('test/fixtures/held-repo');

describe('gitpoms reconcile (applying)', () => {
  it('runs one pass on the embedded backends and prints what it did', async () => {
    const r = await cli(['reconcile', '--data-dir', dataDir], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('0 to launch');
    expect(r.stdout).toContain('launch(es) waiting: job launches are held globally');
    expect(existsSync(path.join(dataDir, 'state.sqlite'))).toBe(true);
  });

  it('keeps reconciling with --watch, a pass per interval', async () => {
    const r = await cli(
      ['reconcile', '--watch', '--passes', '3', '--interval', '0.05', '--data-dir', dataDir],
      { cwd: repo, env: { PATH: process.env.PATH ?? '' } },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^Plan for /gm)).toHaveLength(3);
  });
});
