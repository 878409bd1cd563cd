import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { condorFakes } from '../helpers/condor-fake.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

/**
 * The SBND demo through the condor adapter, on the fake HTCondor commands (test/fakes/condor),
 * directly and through the fake jobsub_lite commands over them (test/fakes/jobsub).
 */
const fakes = condorFakes();

describe('the SBND demo on (a fake of) HTCondor', () => {
  it.each([
    ['condor', ['condor'], 'on HTCondor;'],
    ['jobsub', ['jobsub', 'condor'], 'on HTCondor through jobsub_lite;'],
  ])(
    '--batch %s: gen → anatree as condor clusters, tracked by their job ads, converges',
    async (batch, bins, shown) => {
      const dataDir = fakes.temp(`gitpoms-${batch}-demo-`);
      fakes.use(bins);
      // The operator commands run as the reconciler does: jobsub_lite's group from $GROUP.
      const env = { ...DEMO_ENV, GROUP: 'sbnd' };
      const r = await cli([...demoRunArgs(dataDir, 200), '--batch', batch], { env });
      expect(r.stderr).toBe('');
      expect(r.stdout).toContain(shown);
      expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
      await expectDemoComplete(dataDir, `on ${batch}`);
      const jobs = await cli(['jobs', '--data-dir', dataDir], { env });
      expect(jobs.stdout).toMatch(/^\d+\.\d+@fakeschedd\.fnal\.gov\s/m);
      // The operator commands read the batch system the jobs went to, not gitpoms.yaml's.
      const job = /^(\S+)\s/m.exec(jobs.stdout.split('\n').slice(2).join('\n'))![1]!;
      const logs = await cli(['logs', job, '--data-dir', dataDir], { env });
      expect(logs.stderr).toBe('');
      expect(logs.stdout).toContain(`==> ${job} stdout <==`);
      expect(logs.stdout).toContain('[gitpoms wrap ');
    },
    300_000,
  );
});
