import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchContract } from '../../../../test/contracts/batch.js';
import { CondorBatch } from './index.js';
import { jobId, jobState, parseJobAds } from './parse.js';

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
