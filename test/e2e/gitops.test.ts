import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDaemon, type Daemon } from '../../src/cli/daemon.js';
import type { Io } from '../../src/cli/io.js';
import type { PassReport } from '../../src/engine/loop.js';
import { cli } from '../helpers/capture.js';
import { git, type GitFixture } from '../helpers/git-fixture.js';
import { gitopsFixture, writeGitopsRepo, type GitopsOptions } from '../helpers/gitops-repo.js';

/**
 * The reconciler following a real git branch: a bare repository on disk, commits pushed by
 * the test, jobs on the local executor that run until killed.
 */
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
const push = (stages: string[], opts: GitopsOptions = {}) => {
  writeGitopsRepo(fx, stages, opts);
  return fx.commitAndPush(`stages ${stages.join(' ')}`);
};
/** A killed job's supervisor records its end a moment after the signal. */
const liveSoon = (n: number) =>
  vi.waitFor(
    async () => {
      const l = await live();
      expect(l.length).toBe(n);
      return l;
    },
    { timeout: 10_000, interval: 100 },
  );
const kinds = (r: PassReport) => r.plan.actions.map((a) => `${a.kind} ${a.stage}`);

beforeAll(async () => {
  fx = gitopsFixture(['gen']);
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
    const show = await cli([
      'show',
      'gitops/gen2/mc-1#1',
      ...['--data-dir', dataDir, '--repo', fx.work],
    ]);
    expect(JSON.parse(show.stdout)).toMatchObject({
      revision: head,
      status: 'launched',
      definition: {
        stage: { name: 'gen2', overrides: expect.arrayContaining([['submit.N', '4']]) },
        jobType: { name: 'sbnd-gen-fife-launch' },
        launchTemplate: { name: 'sbnd-launch' },
      },
    });
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
    const left = await liveSoon(4);
    expect(left.every((j) => j.submission.includes('/gen/'))).toBe(true);
  });

  it('past the guard, an operator confirms with gitpoms prune: killed on the next pass', async () => {
    push(['gen', 'gen3'], { prune: 'true', fraction: 0.1 });
    d.reconciler.trigger('test');
    expect(kinds(await pass())).toEqual(['launch gen3']);
    await liveSoon(8);
    push(['gen'], { prune: 'true', fraction: 0.1 });
    d.reconciler.trigger('test');
    expect(kinds(await pass())).toEqual([]);
    const cmd = ['prune', 'gitops', 'gen3', '--data-dir', dataDir, '--repo', fx.work];
    expect((await cli(cmd)).stderr).toContain('add --yes to confirm');
    const ok = await cli([...cmd, '--yes', '--reason', 'gen3 retired'], {
      env: { USER: 'alice' },
    });
    expect(ok.stdout).toMatch(
      /^override \d+: prune gitops\/gen3 confirmed for revision [0-9a-f]{12}/,
    );
    const r = await pass();
    expect(kinds(r)).toEqual(['kill gen3']);
    expect(r.plan.actions[0]!.reason).toContain('prune confirmed by alice: gen3 retired');
    await liveSoon(4);
    const status = await cli(['status', '--data-dir', dataDir, '--repo', fx.work]);
    expect(status.stdout).toMatch(new RegExp(`^revision: ${r.revision.slice(0, 12)} applied`, 'm'));
  });

  it('git unreachable: reported, and passes go on with the last valid revision', async () => {
    const applied = (await d.deps.store.appliedRevision())!.revision;
    renameSync(fx.remote, `${fx.remote}.away`);
    try {
      d.reconciler.trigger('test');
      const r = await pass();
      expect(r.revision).toBe(applied);
      expect(kinds(r)).toEqual([]);
      expect(d.reconciler.status().sourceError).toMatch(
        /^cannot fetch .*remote\.git \(branch main\)/,
      );
    } finally {
      renameSync(`${fx.remote}.away`, fx.remote);
    }
    d.reconciler.trigger('test');
    await pass();
    expect(d.reconciler.status().sourceError).toBeUndefined();
  });

  it('restarted on an invalid revision: acts on the revision it applied last', async () => {
    const applied = (await d.deps.store.appliedRevision())!.revision;
    fx.write('campaigns/gitops.yaml', 'kind: Campaign\n');
    const bad = fx.commitAndPush('broken again');
    await d.close();
    stderr = '';
    d = (await openDaemon(
      io,
      { repo: fx.root, dataDir, source: fx.remote, interval: '3600', poll: '3600' },
      { watch: false },
    ))!;
    const r = await pass();
    expect(r.revision).toBe(applied);
    expect(d.reconciler.status().latest).toMatchObject({ revision: bad, valid: false });
    expect((await live()).length).toBe(4);
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
