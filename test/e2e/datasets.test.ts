import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV } from '../helpers/demo.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-datasets-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const missing = [
  'campaigns/sbnd/reco2.yaml:20:16: error spec.stages[0].dataset: definition sbnd_mcc_test_1_detsim does not exist in the catalog (create it first (samweb create-definition, or gitpoms define NAME DIMENSIONS)) [dataset-missing]',
  'campaigns/sbnd/reco2.yaml:28:16: error spec.stages[1].dataset: definition sbnd_reco2_files does not exist in the catalog (create it first (samweb create-definition, or gitpoms define NAME DIMENSIONS)) [dataset-missing]',
];

describe('datasets the catalog does not have', () => {
  it('stop gitpoms run before anything is launched, naming file, line and field', async () => {
    const r = await cli(['run', '--campaign', 'sbnd-reco2', '--data-dir', dataDir], {
      env: DEMO_ENV,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').slice(0, 2)).toEqual(missing);
    expect(r.stdout).toBe('');
    const status = await cli(['status', 'sbnd-reco2', '--data-dir', dataDir], { env: DEMO_ENV });
    expect(status.stdout).not.toContain('sbnd-reco2/reco2/');
  });

  it('are reported by validate --catalog; once defined, they pass', async () => {
    const v = await cli(['validate', '--catalog', '--data-dir', dataDir], { env: DEMO_ENV });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain('FAIL campaigns/sbnd/reco2.yaml: Campaign sbnd-reco2 (2 errors)');
    expect(v.stderr.split('\n').slice(0, 2)).toEqual(missing);
    for (const name of ['sbnd_mcc_test_1_detsim', 'sbnd_reco2_files'])
      await cli(['define', name, 'data_tier raw', '--data-dir', dataDir], { env: DEMO_ENV });
    const ok = await cli(['validate', '--catalog', '--data-dir', dataDir], { env: DEMO_ENV });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
  });
});
