import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV } from '../helpers/demo.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-dune-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const CAMPAIGN = 'mcc9-protodune-beam-cosmics-p1gev';

describe("the seed's other configuration model: DUNE's own submission script", () => {
  it('runs the script at launch; the jobs it submits through jobsub_submit are tracked by label to located files', async () => {
    const r = await cli(
      [
        'run',
        '--campaign',
        CAMPAIGN,
        '--data-dir',
        dataDir,
        '--interval',
        '100',
        '--timeout',
        '240',
      ],
      { env: DEMO_ENV },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    try {
      for (const stage of ['gen_G4_detsim', 'reco', 'mergeana']) {
        expect(
          await catalog.countFiles(
            `gitpoms.campaign ${CAMPAIGN} and gitpoms.stage ${stage} and availability physical`,
          ),
          stage,
        ).toBe(10);
      }
      for (const f of await catalog.listFiles(`gitpoms.stage mergeana`)) {
        const reco = (await catalog.getFile(f))!.parents;
        expect(reco).toHaveLength(1);
        const detsim = (await catalog.getFile(reco[0]!))!.parents;
        expect(detsim).toHaveLength(1);
        expect((await catalog.getFile(detsim[0]!))!.metadata['gitpoms.stage']).toBe(
          'gen_G4_detsim',
        );
      }
      const subs = await store.submissions();
      expect(subs.map((s) => `${s.stage} ${s.status}`).sort()).toEqual([
        'gen_G4_detsim located',
        'mergeana located',
        'reco located',
      ]);
      // Every job carries the label of the submission whose script submitted it.
      const jobs = await store.jobs();
      expect(jobs).toHaveLength(30);
      expect(new Set(jobs.map((j) => j.submission))).toEqual(new Set(subs.map((s) => s.key)));
      expect(subs.find((s) => s.stage === 'reco')?.command).toEqual([
        'campaigns/dune/scripts/mcc9_submit.sh',
        'ProtoDUNE_beam_1GeV_cosmics_3ms.xml',
        'reco',
      ]);
    } finally {
      await catalog.close();
      await store.close();
    }
  }, 300_000);
});
