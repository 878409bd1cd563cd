import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchContract, waitFor } from '../../../../test/contracts/batch.js';
import { CondorBatch } from './index.js';
import { complaint, jobId, jobState, parseJobAds, parseJobsubSubmit } from './parse.js';

const fixture = (f: string) =>
  readFileSync(new URL(`./__fixtures__/${f}`, import.meta.url), 'utf8');

describe('HTCondor output parsers', () => {
  it('condor_q -json: running, held (with its reason), idle; jobsub ids from GlobalJobId', () => {
    const ads = parseJobAds(fixture('condor_q-json.json'), 'condor_q');
    expect(ads.map((a) => [jobId(a, 'x'), jobState(a)])).toEqual([
      ['51234.0@jobsub01.fnal.gov', { state: 'running' }],
      [
        '51234.1@jobsub01.fnal.gov',
        {
          state: 'held',
          heldReason:
            'Error from slot1_7@fnpc9013.fnal.gov: Job has gone over memory limit of 2000 megabytes.',
        },
      ],
      ['51234.2@jobsub01.fnal.gov', { state: 'idle' }],
    ]);
  });

  it('condor_history -json: exit code, death by signal, removal', () => {
    const ads = parseJobAds(fixture('condor_history-json.json'), 'condor_history');
    expect(ads.map((a) => jobState(a))).toEqual([
      { state: 'completed', exitCode: 0 },
      { state: 'completed', exitCode: 137 },
      { state: 'removed' },
    ]);
    const b = new CondorBatch({
      root: mkdtempSync(path.join(tmpdir(), 'condor-')),
      namespace: 'n',
    });
    const job = (b as unknown as { toJob(a: (typeof ads)[0]): Record<string, unknown> }).toJob(
      ads[0]!,
    );
    // CPU is user plus system time; wall and CPU are the job's accumulated figures.
    expect(job).toMatchObject({
      node: 'fnpc9001.fnal.gov',
      site: 'FermiGrid',
      cpuSeconds: 3312,
      wallSeconds: 3600,
    });
    const killed = (b as unknown as { toJob(a: (typeof ads)[0]): Record<string, unknown> }).toJob(
      ads[1]!,
    );
    expect(killed.cpuSeconds).toBeUndefined();
    expect(killed.site).toBeUndefined();
  });

  it('condor_q -json as a real schedd printed it (HTCondor 8.8.10, JLab): a running job that was held and released', () => {
    const [ad, ...more] = parseJobAds(fixture('condor_q-json-jlab-8.8.10.json'), 'condor_q');
    expect(more).toEqual([]);
    expect(jobId(ad!, 'x')).toBe('3472942.81@scosg16.jlab.org');
    // Held before (LastHoldReason) and released: only JobStatus says what it is now.
    expect(jobState(ad!)).toEqual({ state: 'running' });
    const b = new CondorBatch({
      root: mkdtempSync(path.join(tmpdir(), 'condor-')),
      namespace: 'n',
    });
    const job = (b as unknown as { toJob(a: typeof ad): Record<string, unknown> }).toJob(ad);
    // CompletionDate is 0 while a job runs: no end time; RemoteHost names the glidein's node.
    expect(job).toEqual({
      id: '3472942.81@scosg16.jlab.org',
      submission: '',
      state: 'running',
      node: 'CRUSH-OSG-C7-10-5-219-52',
      // The glidein's site; CPU and wall time so far are not reported while it runs.
      site: 'SU-ITS',
      startedAt: '2021-03-30T14:44:31.000Z',
      logPath: '/osgpool/hallb/clas12/gemc/jnewton/job_2615/81.out',
    });
  });

  it('jobsub_q -json asks schedd after schedd: their lists one after another are one observation', () => {
    const two = `${fixture('condor_q-json.json')}${fixture('condor_q-json-jlab-8.8.10.json')}`;
    expect(parseJobAds(two, 'condor_q').map((a) => jobId(a, 'x'))).toEqual([
      '51234.0@jobsub01.fnal.gov',
      '51234.1@jobsub01.fnal.gov',
      '51234.2@jobsub01.fnal.gov',
      '3472942.81@scosg16.jlab.org',
    ]);
    // One schedd answered, the next failed on stdout: the whole observation fails.
    expect(() =>
      parseJobAds(
        `${fixture('condor_q-json.json')}\n-- Failed to fetch ads from: <131.225.1.1:9618> : jobsub02.fnal.gov\n`,
        'condor_q',
      ),
    ).toThrow(/not JSON: -- Failed to fetch ads/);
  });

  it("jobsub_submit: the job id line of lib/condor.py's submit(); none when condor_submit failed", () => {
    const hl = `\n${'=-'.repeat(30)}\n\n`;
    const ok = `Submitting job(s)...\n3 job(s) submitted to cluster 68783279.\n${hl}Use job id 68783279.0@jobsub02.fnal.gov to retrieve output${hl}`;
    expect(parseJobsubSubmit(ok)).toEqual({ cluster: '68783279', schedd: 'jobsub02.fnal.gov' });
    expect(parseJobsubSubmit('Submitting job(s)\n')).toBeUndefined();
    expect(complaint(`${hl}Error: condor_submit exited with failed status code 1\n\n${hl}`)).toBe(
      'Error: condor_submit exited with failed status code 1',
    );
    expect(complaint('')).toBeUndefined();
  });

  it('no output is no jobs; anything else that is not a list of ads is an error', () => {
    expect(parseJobAds('', 'condor_q')).toEqual([]);
    expect(() =>
      parseJobAds('-- Failed to fetch ads from: <131.225.1.1:9618> : jobsub01', 'condor_q'),
    ).toThrow(/condor_q printed something that is not JSON/);
    expect(() => parseJobAds('[{"ClusterId": 1}]', 'condor_q')).toThrow(
      /without ClusterId, ProcId and JobStatus/,
    );
  });
});

/**
 * HTCondor is not packaged for this machine: the contract runs against test/fakes/condor,
 * which answers condor_submit/q/history/hold/release/rm in HTCondor's formats with jobs on
 * the local executor.
 */
const fakeBin = path.resolve('test/fakes/condor/bin');
const saved = { PATH: process.env.PATH, FAKE_CONDOR_ROOT: process.env.FAKE_CONDOR_ROOT };
beforeAll(() => {
  process.env.FAKE_CONDOR_ROOT = mkdtempSync(path.join(tmpdir(), 'fake-condor-'));
  process.env.PATH = `${fakeBin}:${saved.PATH}`;
});
afterAll(() => {
  process.env.PATH = saved.PATH;
  if (saved.FAKE_CONDOR_ROOT === undefined) delete process.env.FAKE_CONDOR_ROOT;
  else process.env.FAKE_CONDOR_ROOT = saved.FAKE_CONDOR_ROOT;
});
const make = async () => {
  return new CondorBatch({
    root: mkdtempSync(path.join(tmpdir(), 'gitpoms-condor-')),
    namespace: `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
  });
};

batchContract('condor (a fake of the HTCondor commands)', make);

describe('condor_submit of jobs that end at once', () => {
  it('names them on their schedd, from the history when they have left the queue already', async () => {
    // A condor_q that answers only once the jobs have ended, as a busy schedd after quick jobs.
    const slow = mkdtempSync(path.join(tmpdir(), 'slow-condor-q-'));
    writeFileSync(
      path.join(slow, 'condor_q'),
      `#!/bin/sh\nsleep 3\nexec ${path.join(fakeBin, 'condor_q')} "$@"\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${slow}:${fakeBin}:${saved.PATH}`;
    try {
      const b = await make();
      const ids = await b.submit({ label: 'c/s/quick#1', jobs: [{ argv: ['true'], env: {} }] });
      expect(ids).toEqual([expect.stringMatching(/^\d+\.0@fakeschedd\.fnal\.gov$/)]);
      const [job] = await waitFor(b, 'c/s/quick#1', (js) => js[0]?.state === 'completed');
      expect(job!.id).toBe(ids[0]);
    } finally {
      process.env.PATH = `${fakeBin}:${saved.PATH}`;
    }
  }, 60_000);
});

/**
 * jobsub_lite is not installed here either: the contract runs against test/fakes/jobsub,
 * which does what jobsub_lite's code does with the (fake) condor commands underneath.
 */
const jobsubBin = path.resolve('test/fakes/jobsub/bin');
const makeJobsub = async () =>
  new CondorBatch({
    root: mkdtempSync(path.join(tmpdir(), 'gitpoms-jobsub-')),
    namespace: `j${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
    jobsub: { group: 'sbnd', role: 'Production' },
  });

describe('jobsub_lite (a fake of its commands over the fake HTCondor)', () => {
  beforeAll(() => {
    process.env.PATH = `${jobsubBin}:${fakeBin}:${saved.PATH}`;
  });

  it('a schedd that cannot be reached fails the observation, though jobsub_q exits 0', async () => {
    const b = await makeJobsub();
    const [id] = await b.submit({ label: 'c/s/one#1', jobs: [{ argv: ['true'], env: {} }] });
    expect(id).toMatch(/^\d+\.0@fakeschedd\.fnal\.gov$/);
    process.env.FAKE_JOBSUB_SCHEDDS = 'fakeschedd.fnal.gov,jobsub02.fnal.gov';
    try {
      // Another schedd with no jobs of ours: still one observation, ours in it.
      expect((await b.observe()).map((j) => j.id)).toEqual([id]);
      process.env.FAKE_CONDOR_DOWN = 'jobsub02.fnal.gov';
      await expect(b.observe()).rejects.toMatchObject({
        retryable: true,
        message: expect.stringMatching(/jobsub_q exited 0 but said: -- Failed to fetch ads from/),
      });
    } finally {
      delete process.env.FAKE_JOBSUB_SCHEDDS;
      delete process.env.FAKE_CONDOR_DOWN;
    }
  });

  it('a submit whose condor_submit failed is an error worth retrying, not jobs', async () => {
    const b = await makeJobsub();
    process.env.FAKE_CONDOR_DOWN = 'fakeschedd.fnal.gov';
    try {
      await expect(
        b.submit({ label: 'c/s/two#1', jobs: [{ argv: ['true'], env: {} }] }),
      ).rejects.toMatchObject({
        retryable: true,
        message: expect.stringMatching(/jobsub_submit printed no job id: .*Failed to connect/),
      });
    } finally {
      delete process.env.FAKE_CONDOR_DOWN;
    }
    expect(await b.observe()).toEqual([]);
  });

  it("a submission script's own jobsub_submit labels its jobs through JOBSUB_EXTRA_LINES", async () => {
    const b = await makeJobsub();
    const { env } = b.launchEnvironment('c/s/script#1');
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('jobsub_submit', ['-N', '2', 'file:///bin/true'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    b.noteLaunchOutput(out);
    const cluster = parseJobsubSubmit(out)!.cluster;
    const jobs = await waitFor(b, 'c/s/script#1', (js) => js.length === 2);
    expect(jobs.map((j) => j.id)).toEqual([
      `${cluster}.0@fakeschedd.fnal.gov`,
      `${cluster}.1@fakeschedd.fnal.gov`,
    ]);
    expect(() => b.launchEnvironment('a,b')).toThrow(/comma/);
  });
});

batchContract('jobsub (a fake of jobsub_lite over the fake HTCondor)', async () => {
  process.env.PATH = `${jobsubBin}:${fakeBin}:${saved.PATH}`;
  return makeJobsub();
});
