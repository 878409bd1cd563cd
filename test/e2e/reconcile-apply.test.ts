import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDaemon } from '../../src/cli/daemon.js';
import type { PassReport } from '../../src/engine/loop.js';
import { formatDiagnostic } from '../../src/desired/index.js';
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

describe('reconciling a working directory as it is edited', () => {
  it('an edit triggers a pass; a broken edit is reported and the last valid spec kept', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'gitpoms-worktree-'));
    cpSync(repo, work, { recursive: true });
    const passes: PassReport[] = [];
    const invalid: string[] = [];
    const d = await openDaemon(
      { stdout: () => {}, stderr: () => {}, cwd: work, env: {}, now: () => new Date() },
      { repo: '.', interval: '3600' },
      {
        watch: true,
        onPass: (r) => passes.push(r),
        onInvalid: (_rev, diags) => invalid.push(formatDiagnostic(diags[0]!)),
      },
    );
    try {
      const running = d!.reconciler.run();
      await vi.waitFor(() => expect(passes).toHaveLength(1));
      const demo = path.join(work, 'campaigns/demo.yaml');
      const good = readFileSync(demo, 'utf8');
      writeFileSync(demo, good.replace('stages:', 'stages: [\n'));
      await vi.waitFor(() => expect(passes).toHaveLength(2), { timeout: 5000 });
      expect(invalid).toHaveLength(1);
      expect(invalid[0]).toMatch(/^campaigns\/demo\.yaml:\d+:\d+: error /);
      expect(passes[1]!.plan.stages).toEqual(passes[0]!.plan.stages);
      writeFileSync(demo, good.replace(/(- name: \w+)/, '$1\n      state: inactive'));
      await vi.waitFor(() => expect(passes).toHaveLength(3), { timeout: 5000 });
      expect(passes[2]!.plan.stages.map((s) => s.state)).not.toEqual(
        passes[0]!.plan.stages.map((s) => s.state),
      );
      d!.reconciler.stop();
      await running;
    } finally {
      await d?.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
