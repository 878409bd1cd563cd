import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDaemon, type Daemon } from '../../src/cli/daemon.js';
import type { Io } from '../../src/cli/io.js';
import type { PassReport } from '../../src/engine/reconciler.js';
import { git, GitFixture } from '../helpers/git-fixture.js';

/**
 * The reconciler following a real git branch: a bare repository on disk, commits pushed by
 * the test, jobs on the local executor that run until killed.
 */
const CAMPAIGN = (stages: string[], prune: string) => `apiVersion: gitpoms/v1
kind: Campaign
metadata: { name: gitops, experiment: sbnd }
spec:
  launchTemplate: sbnd-launch
  jobType: sbnd-gen-fife-launch
  prune: ${prune}
  stages:
${stages
  .map(
    (s) => `    - name: ${s}
      dataset: none
      completion: { type: complete, percent: 100 }
      overrides:
        global.fclfile: ${s}.fcl
        global.basename: ${s}
        submit.N: 4
        executable.arg_5: -n15
`,
  )
  .join('')}`;
const CONFIG = (fraction: number) => `apiVersion: gitpoms/v1
kind: Config
spec:
  paths: [campaigns]
  defaults: { prune: false, pruneMaxFraction: ${fraction} }
  local: { slots: 8, path: [demo/bin], passEnv: ['DEMO_*'] }
`;

let fx: GitFixture;
let dataDir: string;
let d: Daemon;
let stderr = '';
const io: Io = {
  stdout: () => {},
  stderr: (t) => (stderr += t),
  cwd: process.cwd(),
  // Jobs that run until killed: 15 events of 10 minutes each.
  env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), DEMO_EVENT_MS: '600000', DEMO_IDLE: '1' },
  now: () => new Date(),
};
let onPass: (r: PassReport) => void = () => {};
let passNo = 0;
const pass = () => d.reconciler.pass(++passNo);
const live = async () =>
  (await d.deps.batch.observe()).filter((j) => ['idle', 'running', 'held'].includes(j.state));
const push = (stages: string[], opts: { prune?: string; fraction?: number } = {}) => {
  fx.write('campaigns/gitops.yaml', CAMPAIGN(stages, opts.prune ?? 'false'));
  fx.write('gitpoms.yaml', CONFIG(opts.fraction ?? 0.1));
  return fx.commitAndPush(`stages ${stages.join(' ')}`);
};
const kinds = (r: PassReport) => r.plan.actions.map((a) => `${a.kind} ${a.stage}`);

beforeAll(async () => {
  fx = new GitFixture({
    'campaigns/sbnd/jobtypes.yaml': 'campaigns/sbnd/jobtypes.yaml',
    'campaigns/sbnd/launch.yaml': 'campaigns/sbnd/launch.yaml',
    'campaigns/sbnd/cfg': 'campaigns/sbnd/cfg',
    demo: 'demo',
  });
  push(['gen']);
  dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-gitops-data-'));
  const opened = await openDaemon(
    io,
    { repo: fx.root, dataDir, source: fx.remote, interval: '3600', poll: '3600' },
    { watch: true, onPass: (r) => onPass(r) },
  );
  if (!opened) throw new Error(`daemon did not start: ${stderr}`);
  d = opened;
});

afterAll(async () => {
  if (d) {
    await d.deps.batch.kill((await live()).map((j) => j.id));
    // The supervisors read the kill from the data directory: wait before removing it.
    await vi.waitFor(async () => expect(await live()).toEqual([]), {
      timeout: 20_000,
      interval: 200,
    });
    await d.close();
  }
  fx?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('reconciling from a git branch', () => {
  it('launches the first revision and records it as applied, with the commit on the submission', async () => {
    const r = await pass();
    expect(kinds(r)).toEqual(['launch gen']);
    expect(r.results.every((x) => x.ok)).toBe(true);
    expect(r.revision).toBe(git(fx.remote, 'rev-parse', 'main'));
    const applied = await d.deps.store.appliedRevision();
    expect(applied?.revision).toBe(r.revision);
    const [sub] = await d.deps.store.submissions();
    expect(sub?.revision).toBe(r.revision);
    expect((await live()).length).toBe(4);
  });

  it('a pushed stage is launched by the pass the push triggers (the watch on the repository refs)', async () => {
    let head = '';
    const done = new Promise<PassReport>((resolve) => {
      onPass = (r) => {
        if (r.revision !== head) return;
        d.reconciler.stop();
        resolve(r);
      };
    });
    // The loop passes once at start, then sleeps an hour: only the push can wake it.
    const running = d.reconciler.run();
    head = push(['gen', 'gen2']);
    const r = await done;
    await running;
    expect(r.revision).toBe(head);
    expect(kinds(r)).toContain('launch gen2');
    passNo = r.pass;
    expect((await live()).length).toBe(8);
  });

  it('an invalid commit is recorded and reported; passes go on with the last valid revision, no kills', async () => {
    const good = (await d.deps.store.appliedRevision())!.revision;
    fx.write('campaigns/gitops.yaml', 'apiVersion: gitpoms/v1\nkind: Campaign\nspec: [\n');
    const bad = fx.commitAndPush('broken');
    d.reconciler.trigger('test');
    const r = await pass();
    expect(r.revision).toBe(good);
    expect(kinds(r)).toEqual([]);
    const [latest] = await d.deps.store.revisions(1);
    expect(latest).toMatchObject({ revision: bad, valid: false });
    expect(latest!.errors[0]).toMatch(/^campaigns\/gitops\.yaml:\d+:\d+: error /);
    expect(d.reconciler.status().latest).toMatchObject({ revision: bad, valid: false });
    expect((await live()).length).toBe(8);
  });

  it('a removed stage with prune off: nothing killed, the plan shows the orphans', async () => {
    push(['gen']);
    d.reconciler.trigger('test');
    const r = await pass();
    expect(kinds(r)).toEqual([]);
    expect(r.plan.notes.filter((n) => n.kind === 'orphaned').map((n) => n.stage)).toEqual(['gen2']);
    expect((await live()).length).toBe(8);
  });

  it('prune on, beyond the guard fraction: nothing killed until an operator confirms', async () => {
    push(['gen'], { prune: 'true', fraction: 0.1 });
    d.reconciler.trigger('test');
    const r = await pass();
    expect(kinds(r)).toEqual([]);
    expect(r.plan.notes.map((n) => n.kind)).toContain('prune-guard');
    expect((await live()).length).toBe(8);
  });

  it('prune on within the guard: the orphaned jobs, and only those, are killed', async () => {
    push(['gen'], { prune: 'true', fraction: 0.5 });
    d.reconciler.trigger('test');
    const r = await pass();
    expect(kinds(r)).toEqual(['kill gen2']);
    const killed = r.plan.actions.flatMap((a) => ('jobs' in a ? a.jobs : []));
    expect(killed.length).toBeLessThanOrEqual(Math.floor(8 * 0.5));
    // A killed job's supervisor records its end a moment after the signal.
    const left = await vi.waitFor(
      async () => {
        const l = await live();
        expect(l.length).toBe(4);
        return l;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(left.every((j) => j.submission.includes('/gen/'))).toBe(true);
  });

  it('keeps the checkouts of revisions with running submissions and removes the others', async () => {
    const keep = new Set(
      (await d.deps.store.submissions())
        .filter((s) => s.status === 'launched')
        .map((s) => s.revision),
    );
    keep.add((await d.deps.store.appliedRevision())!.revision);
    expect(new Set(readdirSync(path.join(dataDir, 'source', 'checkouts')))).toEqual(keep);
  });
});
