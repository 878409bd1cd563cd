import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { batchContract } from '../../../../test/contracts/batch.js';
import { slurmUp } from '../../../../test/helpers/slurm.js';
import { SlurmBatch } from './index.js';

/**
 * The batch contract against a real Slurm (scripts/slurm.sh start). CI starts one and sets
 * GITPOMS_TEST_SLURM=1, which makes a missing Slurm a failure instead of a skip.
 */
const required = process.env.GITPOMS_TEST_SLURM === '1';
const up = slurmUp();

const make = async () =>
  new SlurmBatch({
    root: mkdtempSync(path.join(tmpdir(), 'gitpoms-slurm-')),
    namespace: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    jobcompLog: '/var/log/slurm/jobcomp.log',
  });

describe('Slurm on this machine', () => {
  it('is running when the tests require it', () => {
    if (required) expect(up, 'GITPOMS_TEST_SLURM=1 but sinfo shows no idle node').toBe(true);
  });
});

if (up) batchContract('slurm (a real single-node cluster)', make);

describe('Slurm adapter faults', () => {
  it('a missing command is a clear, non-retryable error', async () => {
    const b = await make();
    const PATH = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(b.observe()).rejects.toMatchObject({
        retryable: false,
        message: 'slurm: squeue is not installed or not on PATH',
      });
    } finally {
      process.env.PATH = PATH;
    }
  });
});
