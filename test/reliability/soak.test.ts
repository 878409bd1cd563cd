// The soak: 100 SBND campaigns reconciled for a week of 15-minute passes on an accelerated
// clock, over the real SQLite store and embedded catalog, with jobs run by a simulated grid
// that does what the job wrapper does (take input from the project, declare outputs with
// their parents). Memory and open handles must stay flat once warm, and every campaign must
// converge: 20 located files at every stage, nothing dropped.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { DEFAULTS } from '../../src/desired/desired.js';
import { loadSpec } from '../../src/desired/index.js';
import { droppedWork } from '../../src/engine/converge.js';
import type { Deps } from '../../src/engine/deps.js';
import { DEADLINE_DEFAULTS } from '../../src/engine/deadlines.js';
import { actionQueues } from '../../src/engine/open-deps.js';
import { reconcileOnce } from '../../src/engine/pass.js';
import { fsRepo } from '../../src/source/fs-repo.js';
import { MemoryBatch } from '../fakes/memory-batch.js';
import { DEMO_ENV, STAGES } from '../helpers/demo.js';
import { runIdleJobs } from '../helpers/grid.js';

const CAMPAIGNS = 100;
const PASS_MINUTES = 15;
const WEEK_PASSES = Number(process.env.GITPOMS_SOAK_PASSES ?? (7 * 24 * 60) / PASS_MINUTES);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-soak-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** gitpoms.yaml, SBND's job types, launch templates and configs, and 100 copies of its campaign. */
function soakRepo(dir: string): string[] {
  const sbnd = path.join(dir, 'campaigns/sbnd');
  mkdirSync(sbnd, { recursive: true });
  for (const p of ['gitpoms.yaml', 'schemas']) cpSync(p, path.join(dir, p), { recursive: true });
  for (const f of ['jobtypes.yaml', 'launch.yaml', 'cfg'])
    cpSync(path.join('campaigns/sbnd', f), path.join(sbnd, f), { recursive: true });
  const text = readFileSync('campaigns/sbnd/mcc-test-1.yaml', 'utf8');
  return Array.from({ length: CAMPAIGNS }, (_, i) => {
    const name = `sbnd-soak-${String(i).padStart(3, '0')}`;
    writeFileSync(path.join(sbnd, `${name}.yaml`), text.replaceAll('sbnd-mcc-test-1', name));
    return name;
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

describe('the soak', () => {
  it(`${CAMPAIGNS} campaigns for a week of ${PASS_MINUTES}-minute passes: converged, memory and handles flat`, async () => {
    const repo = path.join(root, 'repo');
    const names = soakRepo(repo);
    const loaded = loadSpec(fsRepo(repo));
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const desired = loaded.desired!;
    let now = new Date('2026-12-07T00:00:00Z').getTime();
    const clock = () => new Date(now);
    const dataDir = path.join(root, 'data');
    mkdirSync(dataDir);
    const batch = new MemoryBatch({ mode: 'manual', clock });
    const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'), { clock });
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { clock });
    const deps: Deps = {
      batch,
      catalog,
      store,
      log: pino({ level: 'silent' }),
      clock,
      env: DEMO_ENV,
      repoRoot: repo,
      revision: 'soak',
      dataDir,
      catalogSpec: { kind: 'embedded', file: path.join(dataDir, 'catalog.sqlite') },
      local: { path: [], passEnv: [], categories: [] },
      launchTimeoutMs: DEADLINE_DEFAULTS.launchSeconds * 1000,
      queues: actionQueues(DEFAULTS.concurrency, undefined),
      unlock: () => {},
    };
    const samples: Array<{ pass: number; heap: number; handles: number; fds: number }> = [];
    let convergedAt: number | undefined;
    try {
      for (let pass = 0; pass < WEEK_PASSES; pass++) {
        const r = await reconcileOnce(deps, desired);
        expect(r.results.filter((x) => !x.ok)).toEqual([]);
        await runIdleJobs(batch, catalog);
        if (convergedAt === undefined && r.plan.actions.length === 0) convergedAt = pass;
        if (pass % 48 === 0) {
          gc();
          samples.push({
            pass,
            heap: process.memoryUsage().heapUsed,
            handles: process.getActiveResourcesInfo().length,
            fds: openFds(),
          });
        }
        now += PASS_MINUTES * 60_000;
      }
      // Every campaign converged early in the week, and stayed so.
      expect(convergedAt).toBeDefined();
      expect(convergedAt!).toBeLessThan(WEEK_PASSES / 4);
      for (const c of names)
        for (const stage of STAGES)
          expect(
            await catalog.countFiles(
              `gitpoms.campaign '${c}' and gitpoms.stage ${stage} and availability physical`,
            ),
            `${c}/${stage}`,
          ).toBe(20);
      expect(droppedWork(await store.submissions(), desired)).toEqual([]);
      // Flat once warm: the samples after the first day against the one at its end.
      const warm = samples.filter((s) => s.pass >= (24 * 60) / PASS_MINUTES);
      const base = warm[0]!;
      for (const s of warm) {
        expect(s.heap, JSON.stringify(samples)).toBeLessThanOrEqual(base.heap * 1.1);
        expect(s.handles, JSON.stringify(samples)).toBeLessThanOrEqual(base.handles);
        expect(s.fds, JSON.stringify(samples)).toBeLessThanOrEqual(base.fds);
      }
    } finally {
      await store.close();
      await catalog.close();
      await batch.close();
    }
  }, 900_000);
});
