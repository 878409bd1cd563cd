import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import {
  copyDemoRepo,
  DEMO_ENV,
  demoRunArgs,
  editFile,
  expectDemoComplete,
} from '../helpers/demo.js';
import { startFakeSamweb, type FakeSamweb } from '../fakes/samweb-server.js';

/**
 * The SBND demo with backends.catalog: samweb, against the fake SAM web server
 * (test/fakes/samweb-server.ts): the reconciler, every job's wrapper and the operator
 * commands all reach the catalog over SAM web's REST API, and nothing opens a catalog file.
 */
const temps: string[] = [];
let server: FakeSamweb | undefined;
afterAll(async () => {
  await server?.close();
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function repoOnSamweb(url: string): string {
  const repo = copyDemoRepo(mkdtempSync(path.join(tmpdir(), 'gitpoms-samweb-repo-')));
  temps.push(repo);
  editFile(
    path.join(repo, 'gitpoms.yaml'),
    'catalog: embedded',
    `catalog: samweb\n    samweb: { baseUrl: "${url}", station: sbnd, group: sbnd }`,
  );
  return repo;
}

describe('the SBND demo on (a fake of) SAM web', () => {
  it('runs gen → anatree with every catalog call over HTTP, and converges', async () => {
    const samDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-samweb-'));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-samweb-data-'));
    temps.push(samDir, dataDir);
    server = await startFakeSamweb(path.join(samDir, 'catalog.sqlite'));
    const repo = repoOnSamweb(server.url);
    const r = await cli(demoRunArgs(dataDir, 200), { cwd: repo, env: DEMO_ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    // The files are in the server's catalog; none in the data directory.
    await expectDemoComplete(samDir, 'on samweb');
    expect(() => readFileSync(path.join(dataDir, 'catalog.sqlite'))).toThrow();
    // Jobs declared their outputs and consumed their inputs through the server.
    expect(server.seen).toContain('POST /sam/sbnd/api/files');
    expect(server.seen.some((s) => s.endsWith('/getNextFile'))).toBe(true);

    const files = await cli(['files', '--dims', 'gitpoms.stage anatree', '--data-dir', dataDir], {
      cwd: repo,
      env: DEMO_ENV,
    });
    expect(files.stderr).toBe('');
    expect(files.stdout.trim().split('\n')).toHaveLength(20);
    const status = await cli(['status', '--data-dir', dataDir], { cwd: repo, env: DEMO_ENV });
    expect(status.stdout).toMatch(/sbnd-mcc-test-1\/anatree\s+2\/2\s+0\s+20\b/);
  }, 300_000);
});
