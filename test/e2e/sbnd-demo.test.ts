import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-demo-'));

/** Every file under a directory with its size, modification time and content hash. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = path.join(dir, f);
    const st = statSync(p);
    if (st.isFile())
      out[f] =
        `${st.size} ${st.mtimeMs} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
  }
  return out;
}
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const env = DEMO_ENV;
const run = () => cli(demoRunArgs(dataDir, 100), { env });

describe('the SBND demo, end to end on the embedded backends', () => {
  it('runs gen → g4 → detsim → reco → anatree to located files with parentage, and converges', async () => {
    const r = await run();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    expect(r.stdout).toContain('Campaign stage');

    await expectDemoComplete(dataDir);
    const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    try {
      const anyFile = await catalog.getFile((await catalog.listFiles('gitpoms.stage reco'))[0]!);
      expect(Object.keys(anyFile!.metadata)).toEqual(
        expect.arrayContaining(['data_tier', 'runs', 'sbnd.fcl_name', 'gitpoms.submission']),
      );
      expect(anyFile!.metadata).not.toHaveProperty('lar_version');
      expect(anyFile!.metadata).not.toHaveProperty('fcl.version_string');
      expect(anyFile!.checksum).toMatch(/^enstore:\d+$/);

      const subs = await store.submissions();
      const g4 = subs
        .filter((s) => s.stage === 'g4')
        .map((s) => `${s.key.split('/')[2]} ${s.status}`);
      expect(g4.sort()).toEqual([
        'mc-1#1 failed',
        'mc-1+r1#1 located',
        'mc-2#1 failed',
        'mc-2+r1#1 located',
      ]);
      const detsim = subs.filter((s) => s.stage === 'detsim');
      expect(detsim.map((s) => s.input)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            kind: 'parent',
            sources: ['sbnd-mcc-test-1/g4/mc-1#1', 'sbnd-mcc-test-1/g4/mc-1+r1#1'],
          }),
        ]),
      );
      expect(subs.every((s) => s.status === 'located' || s.stage === 'g4')).toBe(true);
    } finally {
      await catalog.close();
      await store.close();
    }
  }, 300_000);

  it('answers the operator commands from that state', async () => {
    const status = await cli(['status', 'sbnd-mcc-test-1', '--data-dir', dataDir], { env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^revision: \S+ applied \(last pass /);
    // Subs, Failed subs, All, Idle, Running, Held, Completed, Failed, Not Located, Located, Removed.
    expect(status.stdout).toMatch(
      /sbnd-mcc-test-1\/gen\s+2\/2\s+0\s+20\s+0\s+0\s+0\s+20\s+0\s+0\s+20\s+0/,
    );
    expect(status.stdout).toContain('sbnd-mcc-test-1/g4/mc-1#1');
    expect(status.stdout).toContain('only 9/10 files located (90% < 95%) and no more will come');
    // Why the recovery exists, and what came of the submission it recovers (a working tree
    // outside git launches without a revision).
    const why = await cli(['explain', 'sbnd-mcc-test-1/g4/mc-1+r1#1', '--data-dir', dataDir], {
      env,
    });
    expect(why.code, why.stderr).toBe(0);
    expect(why.stdout).toMatch(
      /^sbnd-mcc-test-1\/g4\/mc-1\+r1#1: located\nlaunched \S+(?: from revision [0-9a-f]{12})? on local: recovery 1 /,
    );
    expect(why.stdout).toMatch(/^recovery 1 \(\w+\) of sbnd-mcc-test-1\/g4\/mc-1#1 \(failed\)$/m);
    expect(why.stdout).toMatch(/^project \S+: \d+ consumed, /m);
    expect(why.stdout).toMatch(/^consumed by sbnd-mcc-test-1\/detsim\/mc-1\+r1#1: located$/m);
    const of = JSON.parse(
      (
        await cli(
          ['explain', 'sbnd-mcc-test-1/g4/mc-1#1', '--format', 'json', '--data-dir', dataDir],
          { env },
        )
      ).stdout,
    ) as Record<string, unknown>;
    expect(of).toMatchObject({
      status: 'failed',
      parent: { key: 'sbnd-mcc-test-1/gen/mc-1#1', status: 'located' },
      recoveries: [{ key: 'sbnd-mcc-test-1/g4/mc-1+r1#1', status: 'located' }],
      jobs: { total: 10 },
    });
    expect((await cli(['explain', 'nope/x/y#1', '--data-dir', dataDir], { env })).code).toBe(1);
    const failed = await cli(['jobs', '--failed', '--data-dir', dataDir], { env });
    const lines = failed.stdout.split('\n').filter((l) => /@local/.test(l));
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => /\s65\s/.test(l))).toBe(true);
    const id = lines[0]!.split(/\s+/)[0]!;
    const logs = await cli(['logs', id, '--data-dir', dataDir], { env });
    expect(logs.stdout).toContain('lar: DEMO_FAIL makes g4 job 3 fail');
    const files = await cli(
      ['files', '--dims', 'gitpoms.stage anatree with limit 1', '--data-dir', dataDir],
      { env },
    );
    const name = files.stdout.trim();
    const file = await cli(['files', name, '--data-dir', dataDir], { env });
    expect(JSON.parse(file.stdout)).toMatchObject({
      name,
      parents: [expect.stringMatching(/^reco_/)],
      locations: ['/pnfs/sbnd/scratch/sbndpro/poms_test/'],
    });
  });

  it('plans a dry run against the live state: nothing left to do for SBND', async () => {
    const before = fingerprint(dataDir);
    const r = await cli(['reconcile', '--dry-run', '--format', 'json', '--data-dir', dataDir], {
      env,
    });
    expect(r.code).toBe(0);
    // A dry run and the operator commands read: not a file made, changed or touched.
    for (const cmd of [['status'], ['jobs'], ['files', '--dims', 'gitpoms.stage gen']])
      expect((await cli([...cmd, '--data-dir', dataDir], { env })).code).toBe(0);
    expect(fingerprint(dataDir)).toEqual(before);
    const p = JSON.parse(r.stdout) as {
      actions: Array<{ campaign: string }>;
      stages: Array<{ campaign: string; stage: string; submissions: Record<string, number> }>;
    };
    // The DUNE campaigns were not part of this run, so only they have launches waiting.
    expect(p.actions.filter((a) => a.campaign === 'sbnd-mcc-test-1')).toEqual([]);
    expect(p.actions.length).toBeGreaterThan(0);
    expect(
      p.stages.find((s) => s.campaign === 'sbnd-mcc-test-1' && s.stage === 'gen')?.submissions,
    ).toEqual({ located: 2 });
  });

  it('draws the graph with live counts, as POMS shows them', async () => {
    const r = await cli(
      ['graph', '--live', '--campaign', 'sbnd-mcc-test-1', '--data-dir', dataDir],
      { env },
    );
    expect(r.stdout).toContain('sbnd_mcc_test_1__gen["gen<br/>Submissions 2 Located 2"]');
    expect(r.stdout).toContain('sbnd_mcc_test_1__g4["g4<br/>Submissions 4 Located 2"]');
  });

  it('takes operator overrides: kill needs --yes; hold shows in the plan until released', async () => {
    const kill = await cli(['kill', 'sbnd-mcc-test-1', '--reason', 'test', '--data-dir', dataDir], {
      env,
    });
    expect(kill.code).toBe(1);
    expect(kill.stderr).toContain('add --yes to confirm');
    const hold = await cli(
      ['hold', 'sbnd-mcc-test-1', 'reco', '--reason', 'dCache outage', '--data-dir', dataDir],
      { env: { ...env, USER: 'alice' } },
    );
    expect(hold.stdout).toMatch(
      /^override \d+: hold sbnd-mcc-test-1\/reco; the next reconcile pass acts on it/,
    );
    const pass = await cli(['reconcile', '--dry-run', '--data-dir', dataDir], { env });
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(
      /\[override\] hold sbnd-mcc-test-1\/reco by alice since .*: dCache outage/,
    );
    expect((await cli(['overrides', '--data-dir', dataDir], { env })).stdout).toContain(
      'hold  sbnd-mcc-test-1/reco  by alice',
    );
    // gitpoms status says what holds the stage, for the campaign and for that stage only.
    const status = await cli(['status', 'sbnd-mcc-test-1', 'reco', '--data-dir', dataDir], { env });
    expect(status.stdout).toMatch(
      /^override: hold sbnd-mcc-test-1\/reco by alice since .*: dCache outage$/m,
    );
    const other = await cli(['status', 'sbnd-mcc-test-1', 'gen', '--data-dir', dataDir], { env });
    expect(other.stdout).not.toContain('dCache outage');
    const release = await cli(['release', 'sbnd-mcc-test-1', '--data-dir', dataDir], { env });
    expect(release.stdout).toContain('cleared 1 override(s)');
    // One submission, by its key.
    const key = 'sbnd-mcc-test-1/gen/mc-1#1';
    const one = await cli(['hold', key, '--reason', 'bad node', '--data-dir', dataDir], { env });
    expect(one.stdout).toMatch(new RegExp(`^override \\d+: hold ${key}; the next`));
    expect((await cli(['overrides', '--data-dir', dataDir], { env })).stdout).toContain(
      `hold  ${key}  by`,
    );
    const unknown = await cli(['hold', `${key}x#2`, '--reason', 'x', '--data-dir', dataDir], {
      env,
    });
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      `gitpoms: no submission ${key}x#2 in the state store\n`,
    ]);
    expect((await cli(['release', key, '--data-dir', dataDir], { env })).stdout).toContain(
      'cleared 1 override(s)',
    );
    expect((await cli(['overrides', '--data-dir', dataDir], { env })).stdout).toBe(
      'no overrides in force\n',
    );

    // The global launch switch.
    const d = ['--data-dir', dataDir];
    const bare = await cli(['launches', 'hold', ...d], { env });
    expect([bare.code, bare.stderr]).toEqual([
      1,
      'gitpoms: holding every launch needs --reason: the plan and the audit log show it\n',
    ]);
    const held = await cli(['launches', 'hold', '--reason', 'jobsub upgrade', ...d], {
      env: { ...env, USER: 'alice' },
    });
    expect(held.stdout).toMatch(/^override \d+: every launch held; running jobs go on\n$/);
    expect((await cli(['launches', 'status', ...d], { env })).stdout).toMatch(
      /^launches held by alice since \S+: jobsub upgrade\n$/,
    );
    expect((await cli(['reconcile', '--dry-run', ...d], { env })).stdout).toMatch(
      /\[override\] every launch held by alice since .*: jobsub upgrade/,
    );
    expect((await cli(['launches', 'allow', ...d], { env })).stdout).toBe(
      'launches allowed again\n',
    );
    expect((await cli(['launches', 'status', ...d], { env })).stdout).toBe('launches allowed\n');
  });

  it('reprocesses over SAM datasets cut by nfiles and drainingn, each file once', async () => {
    const define = (name: string, dims: string) =>
      cli(['define', name, dims, '--data-dir', dataDir], { env });
    expect(
      (
        await define(
          'sbnd_mcc_test_1_detsim',
          'gitpoms.campaign sbnd-mcc-test-1 and gitpoms.stage detsim and availability physical',
        )
      ).stdout,
    ).toBe('definition sbnd_mcc_test_1_detsim: 20 file(s) now\n');
    await define(
      'sbnd_reco2_files',
      'gitpoms.campaign sbnd-reco2 and gitpoms.stage reco2 and availability physical',
    );
    const preview = await cli(
      ['split-preview', 'sbnd-reco2/reco2', '--format', 'json', '--data-dir', dataDir],
      { env },
    );
    expect(JSON.parse(preview.stdout)).toMatchObject({
      split: 'nfiles',
      slices: [
        { slice: 'split-1', definition: 'sbnd_mcc_test_1_detsim_slice0_files5', files: 5 },
        { slice: 'split-2', files: 5 },
        { slice: 'split-3', files: 5 },
        { slice: 'split-4', files: 5 },
      ],
      end: 'slice 5 (defname: sbnd_mcc_test_1_detsim with limit 5 offset 20) selects no files',
    });
    // Job 2 of each first reco2 slice fails, so consumed_status recovers its file.
    const r = await cli(demoRunArgs(dataDir, 100, 'sbnd-reco2'), {
      env: { ...env, DEMO_FAIL: 'reco2:2' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    try {
      for (const [stage, parentStage] of [
        ['reco2', 'detsim'],
        ['calib', 'reco2'],
      ] as const) {
        const files = await catalog.listFiles(
          `gitpoms.campaign sbnd-reco2 and gitpoms.stage ${stage} and availability physical`,
        );
        const parents = [];
        for (const f of files) parents.push(...(await catalog.getFile(f))!.parents);
        expect(files, stage).toHaveLength(20);
        expect(new Set(parents).size, `${stage}: each ${parentStage} file once`).toBe(20);
      }
      const splits = await store.splitStates();
      expect(splits['sbnd-reco2/reco2']).toEqual({ position: 4, generation: 0 });
      expect(splits['sbnd-reco2/calib']?.last).toBeGreaterThan(0);
      const subs = await store.submissions();
      expect(subs.filter((x) => x.stage === 'reco2' && !x.recovery).map((x) => x.slice)).toEqual([
        'split-1',
        'split-2',
        'split-3',
        'split-4',
      ]);
      // The demo's failed reco2 jobs were recovered by consumed_status over their slice's project.
      expect(subs.some((x) => x.stage === 'reco2' && x.recovery?.type === 'consumed_status')).toBe(
        true,
      );
    } finally {
      await catalog.close();
      await store.close();
    }
  }, 300_000);

  it('a second run on the same state does nothing new', async () => {
    const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    const before = (await store.submissions()).length;
    await store.close();
    const r = await run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('converged after 1 pass(es)');
    const after = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
    expect((await after.submissions()).length).toBe(before);
    await after.close();
  }, 120_000);
});

describe('a generation job that fails', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-genfail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs again under its process number (failed_jobs), and the chain completes with every event once', async () => {
    const r = await cli(demoRunArgs(dir, 100), { env: { ...DEMO_ENV, DEMO_FAIL: 'gen:3' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await expectDemoComplete(dir, 'after a gen rerun');
    const store = new SqliteStore(path.join(dir, 'state.sqlite'), { readonly: true });
    const catalog = new EmbeddedCatalog(path.join(dir, 'catalog.sqlite'));
    try {
      const gen = (await store.submissions()).filter((s) => s.stage === 'gen');
      expect(gen.map((s) => `${s.key.split('/')[2]} ${s.status}`).sort()).toEqual([
        'mc-1#1 failed',
        'mc-1+r1#1 located',
        'mc-2#1 failed',
        'mc-2+r1#1 located',
      ]);
      expect(gen.find((s) => s.key.endsWith('mc-1+r1#1'))?.input).toEqual({
        kind: 'rerun',
        of: 'sbnd-mcc-test-1/gen/mc-1#1',
        processes: [3],
      });
      // The rerun made subrun 4, the one job 3 would have: ten distinct subruns per submission.
      const subruns = new Set<string>();
      for (const f of await catalog.listFiles('gitpoms.stage gen')) {
        const md = (await catalog.getFile(f))!.metadata;
        const runs = md.runs as number[][];
        subruns.add(`${String(md['gitpoms.submission']).replace(/\+r1#1$/, '#1')} ${runs[0]![1]}`);
      }
      expect(subruns.size).toBe(20);
    } finally {
      await store.close();
      await catalog.close();
    }
  }, 300_000);
});
