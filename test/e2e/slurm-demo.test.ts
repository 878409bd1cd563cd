import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';
import { slurmUp } from '../helpers/slurm.js';

/** The SBND demo with its jobs on a real Slurm (scripts/slurm.sh start; CI starts one). */

const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-slurm-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe.runIf(slurmUp())('the SBND demo on Slurm', () => {
  it('runs gen → anatree with every job an array task on the cluster, and converges', async () => {
    const r = await cli([...demoRunArgs(dataDir, 200), '--batch', 'slurm'], { env: DEMO_ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('on Slurm');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    await expectDemoComplete(dataDir, 'on slurm');
    const jobs = await cli(['jobs', '--data-dir', dataDir], { env: DEMO_ENV });
    // Slurm array task ids, not the local executor's.
    expect(jobs.stdout).toMatch(/^\d+_\d+\s/m);
    // The operator commands read the batch system the jobs went to, not gitpoms.yaml's.
    const job = /^(\S+)\s/m.exec(jobs.stdout.split('\n').slice(2).join('\n'))![1]!;
    const logs = await cli(['logs', job, '--data-dir', dataDir], { env: DEMO_ENV });
    expect(logs.stderr).toBe('');
    expect(logs.stdout).toContain(`==> ${job} stdout <==`);
    expect(logs.stdout).toContain('[gitpoms wrap ');
  }, 300_000);
});
