import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

/** The SBND demo through the condor adapter, on the fake HTCondor commands (test/fakes/condor). */
const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-condor-demo-'));
const fake = mkdtempSync(path.join(tmpdir(), 'fake-condor-'));
const saved = { PATH: process.env.PATH, FAKE_CONDOR_ROOT: process.env.FAKE_CONDOR_ROOT };
afterAll(() => {
  process.env.PATH = saved.PATH;
  if (saved.FAKE_CONDOR_ROOT === undefined) delete process.env.FAKE_CONDOR_ROOT;
  else process.env.FAKE_CONDOR_ROOT = saved.FAKE_CONDOR_ROOT;
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(fake, { recursive: true, force: true });
});

describe('the SBND demo on (a fake of) HTCondor', () => {
  it('runs gen → anatree as condor clusters, tracked by their job ads, and converges', async () => {
    // The adapter runs the condor_* commands from the reconciler's own PATH.
    process.env.PATH = `${path.resolve('test/fakes/condor/bin')}:${saved.PATH}`;
    process.env.FAKE_CONDOR_ROOT = fake;
    const r = await cli([...demoRunArgs(dataDir, 200), '--batch', 'condor'], { env: DEMO_ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('on HTCondor');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    await expectDemoComplete(dataDir, 'on condor');
    const jobs = await cli(['jobs', '--data-dir', dataDir], { env: DEMO_ENV });
    expect(jobs.stdout).toMatch(/^\d+\.\d+@fakeschedd\.fnal\.gov\s/m);
  }, 300_000);
});
