import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { cli } from '../helpers/capture.js';
import { condorFakes } from '../helpers/condor-fake.js';
import {
  copyDemoRepo,
  DEMO_ENV,
  demoRunArgs,
  editFile,
  expectDemoComplete,
} from '../helpers/demo.js';

/**
 * A deployment that reaches two batch systems, each launch template picking one: SBND's gen
 * goes to HTCondor (the fake of its commands, test/fakes/condor), the later stages to the
 * local executor. One pass observes both; every operator command finds a job where it ran.
 */
const fakes = condorFakes();
const temp = fakes.temp;

/** This repository with backends.batch [local, condor], gen on condor, the rest local. */
function twoBatchRepo(): string {
  const repo = copyDemoRepo(temp('gitpoms-two-batch-'));
  editFile(path.join(repo, 'gitpoms.yaml'), /batch: local/, 'batch: [local, condor]');
  const launch = path.join(repo, 'campaigns/sbnd/launch.yaml');
  editFile(launch, /batch: jobsub/, 'batch: condor');
  writeFileSync(
    launch,
    `${readFileSync(launch, 'utf8')}---
apiVersion: gitpoms/v1
kind: LaunchTemplate
metadata: { name: sbnd-here, experiment: sbnd }
spec:
  batch: local
`,
  );
  const campaign = path.join(repo, 'campaigns/sbnd/mcc-test-1.yaml');
  for (const stage of ['g4', 'detsim', 'reco', 'anatree'])
    editFile(
      campaign,
      `    - name: ${stage}\n`,
      `    - name: ${stage}\n      launchTemplate: sbnd-here\n`,
    );
  return repo;
}

describe('a deployment with two batch systems', () => {
  it('launches each stage on its template’s backend, observes both, and converges', async () => {
    const repo = twoBatchRepo();
    const dataDir = temp('gitpoms-two-batch-data-');
    fakes.use(['condor']);
    const v = await cli(['validate'], { cwd: repo });
    expect(v.stderr).toBe('');
    const r = await cli(demoRunArgs(dataDir, 200), { cwd: repo, env: DEMO_ENV });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('on the local executor and HTCondor;');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    await expectDemoComplete(dataDir, 'on local and condor');

    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    const batchOf = new Map<string, Set<string | undefined>>();
    for (const s of await store.submissions())
      batchOf.set(s.stage, new Set([...(batchOf.get(s.stage) ?? []), s.batch]));
    await store.close();
    expect(Object.fromEntries([...batchOf].map(([k, v]) => [k, [...v]]))).toEqual({
      gen: ['condor'],
      g4: ['local'],
      detsim: ['local'],
      reco: ['local'],
      anatree: ['local'],
    });

    const jobs = await cli(['jobs', '--data-dir', dataDir], { cwd: repo, env: DEMO_ENV });
    const ids = jobs.stdout
      .split('\n')
      .slice(2)
      .map((l) => l.split(/\s+/));
    const gen = ids.find((c) => c[1]?.includes('/gen/'))![0]!;
    const g4 = ids.find((c) => c[1]?.includes('/g4/'))![0]!;
    expect(gen).toMatch(/^\d+\.\d+@fakeschedd\.fnal\.gov$/);
    expect(g4).toMatch(/^\d+\.\d+@local$/);
    for (const job of [gen, g4]) {
      const logs = await cli(['logs', job, '--data-dir', dataDir], { cwd: repo, env: DEMO_ENV });
      expect(logs.stderr).toBe('');
      expect(logs.stdout).toContain('[gitpoms wrap ');
    }
  }, 300_000);
});
