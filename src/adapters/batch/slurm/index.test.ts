import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { batchContract, waitFor } from '../../../../test/contracts/batch.js';
import { slurmUp } from '../../../../test/helpers/slurm.js';
import type { BatchJob } from '../types.js';
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

/** Whether sacct answers here (scripts/slurm.sh starts slurmdbd; CI sets GITPOMS_TEST_SACCT=1). */
const sacctUp = (() => {
  try {
    execFileSync('sacct', ['-n', '-X'], { stdio: 'ignore', timeout: 15_000 });
    return up;
  } catch {
    return false;
  }
})();

describe('Slurm accounting (slurmdbd) on this machine', () => {
  it('answers sacct when the tests require it', () => {
    if (process.env.GITPOMS_TEST_SACCT === '1')
      expect(sacctUp, 'GITPOMS_TEST_SACCT=1 but sacct fails').toBe(true);
  });

  it.runIf(sacctUp)(
    'reads the end of jobs slurmctld has forgotten from sacct: the states squeue showed, exit codes modulo 128',
    async () => {
      const b = new SlurmBatch({
        root: mkdtempSync(path.join(tmpdir(), 'gitpoms-slurm-')),
        namespace: `a${Date.now().toString(36)}`,
        finishedFrom: 'sacct',
      });
      const sh = (script: string) => ({ argv: ['/bin/sh', '-c', script], env: {} });
      await b.submit({
        label: 's/acct/mc-1#1',
        // The last one spins for 2 s: its CPU time is what sacct's TotalCPU says.
        jobs: [
          sh('exit 0'),
          sh('exit 3'),
          sh('kill -9 $$'),
          sh('end=$(($(date +%s) + 3)); while [ "$(date +%s)" -lt "$end" ]; do :; done'),
        ],
      });
      const brief = (js: BatchJob[]) => js.map((j) => `${j.id} ${j.state} ${j.exitCode}`).sort();
      const seen = brief(
        await waitFor(
          b,
          's/acct/mc-1#1',
          (js) => js.length === 4 && js.every((j) => j.state === 'completed'),
        ),
      );
      expect(seen.map((l) => l.replace(/^\d+/, 'A'))).toEqual([
        'A_0 completed 0',
        'A_1 completed 3',
        'A_2 completed 137',
        'A_3 completed 0',
      ]);
      // A slurmctld that has forgotten every job (MinJobAge passed): squeue lists none.
      const bin = mkdtempSync(path.join(tmpdir(), 'forgetful-squeue-'));
      writeFileSync(
        path.join(bin, 'squeue'),
        '#!/bin/sh\necho \'{"meta": {}, "errors": [], "jobs": []}\'\n',
        { mode: 0o755 },
      );
      const PATH = process.env.PATH;
      process.env.PATH = `${bin}:${PATH}`;
      try {
        // slurmdbd hears of a job's end a moment after slurmctld (many seconds on a busy machine).
        // Slurm 22.05's accounting keeps an exit code modulo 128: the task that died by
        // SIGKILL (exit 137 from the task runner, as squeue and jobcomp say) reads 9 there.
        const fromSacct = seen.map((l) => l.replace(/ 137$/, ' 9'));
        await vi.waitFor(async () => expect(brief(await b.observe())).toEqual(fromSacct), {
          timeout: 60_000,
          interval: 250,
        });
        // CPU and wall time from accounting: the spinning task used most of its wall time.
        const spun = (await b.observe()).find((j) => j.id.endsWith('_3'))!;
        expect(spun.wallSeconds).toBeGreaterThanOrEqual(2);
        expect(spun.cpuSeconds).toBeGreaterThan(1);
        expect(spun.cpuSeconds!).toBeLessThanOrEqual(spun.wallSeconds! * 1.5);
      } finally {
        process.env.PATH = PATH;
      }
    },
    120_000,
  );
});

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
