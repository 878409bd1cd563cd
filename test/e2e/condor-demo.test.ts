import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

/**
 * The SBND demo through the condor adapter, on the fake HTCondor commands (test/fakes/condor),
 * directly and through the fake jobsub_lite commands over them (test/fakes/jobsub).
 */
const saved = { PATH: process.env.PATH, FAKE_CONDOR_ROOT: process.env.FAKE_CONDOR_ROOT };
const temps: string[] = [];
const temp = (prefix: string) => {
  temps.push(mkdtempSync(path.join(tmpdir(), prefix)));
  return temps.at(-1)!;
};
afterAll(() => {
  process.env.PATH = saved.PATH;
  if (saved.FAKE_CONDOR_ROOT === undefined) delete process.env.FAKE_CONDOR_ROOT;
  else process.env.FAKE_CONDOR_ROOT = saved.FAKE_CONDOR_ROOT;
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

const fakes = (names: string[]) => names.map((n) => path.resolve(`test/fakes/${n}/bin`));

describe('the SBND demo on (a fake of) HTCondor', () => {
  it.each([
    ['condor', fakes(['condor']), 'on HTCondor;'],
    ['jobsub', fakes(['jobsub', 'condor']), 'on HTCondor through jobsub_lite;'],
  ])(
    '--batch %s: gen → anatree as condor clusters, tracked by their job ads, converges',
    async (batch, bins, shown) => {
      const dataDir = temp(`gitpoms-${batch}-demo-`);
      // The adapter runs the batch commands from the reconciler's own PATH.
      process.env.PATH = [...bins, saved.PATH].join(':');
      process.env.FAKE_CONDOR_ROOT = temp('fake-condor-');
      const r = await cli([...demoRunArgs(dataDir, 200), '--batch', batch], {
        env: { ...DEMO_ENV, GROUP: 'sbnd' },
      });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(shown);
      expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
      await expectDemoComplete(dataDir, `on ${batch}`);
      const jobs = await cli(['jobs', '--data-dir', dataDir], { env: DEMO_ENV });
      expect(jobs.stdout).toMatch(/^\d+\.\d+@fakeschedd\.fnal\.gov\s/m);
    },
    300_000,
  );
});
