import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV } from '../helpers/demo.js';
import { slurmUp } from '../helpers/slurm.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const CAMPAIGN = 'mcc9-protodune-beam-cosmics-p1gev';
// On Slurm when this machine runs one (CI does): the script's jobsub_submit is gitpoms's there too.
const backends = slurmUp() ? ['local', 'slurm'] : ['local'];

/**
 * The repository, for a site that launches on the reconciler's own machine: the DUNE
 * template without its launch host and grid setup (dunegpvm01 and /cvmfs are not here). The
 * embedded executor ignores both anyway; Slurm honours them.
 */
function launchHereRepo(): string {
  const repo = mkdtempSync(path.join(tmpdir(), 'gitpoms-dune-repo-'));
  dirs.push(repo);
  for (const p of ['campaigns', 'demo', 'gitpoms.yaml'])
    cpSync(p, path.join(repo, p), { recursive: true });
  const file = path.join(repo, 'campaigns/dune/protodune.yaml');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf('  host: dunegpvm01.fnal.gov\n');
  const end = text.indexOf('  batch: jobsub\n');
  writeFileSync(file, text.slice(0, start) + text.slice(end));
  return repo;
}

describe("the seed's other configuration model: DUNE's own submission script", () => {
  it.each(backends)(
    '--batch %s: runs the script at launch; the jobs it submits through jobsub_submit are tracked by label to located files',
    async (batch) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), `gitpoms-dune-${batch}-`));
      dirs.push(dataDir);
      const repo = batch === 'local' ? '.' : launchHereRepo();
      const r = await cli(
        [
          'run',
          '--repo',
          repo,
          '--batch',
          batch,
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
        // Slurm array task ids there, the local executor's CLUSTER.PROC@local here.
        expect(jobs[0]!.id).toMatch(batch === 'slurm' ? /^\d+_\d+$/ : /^\d+\.\d+@local$/);
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
    },
    300_000,
  );
});
