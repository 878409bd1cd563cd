// The loop's keyed passes: a push plans the campaigns it changed, an operator's action the
// campaign it names, each from the jobs as last observed; a poll plans what changed or is not
// at rest; a full resync plans everything and finds nothing the events missed, unless events
// were dropped, which it then makes good.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryDeps, type MemoryDeps } from '../../test/helpers/memory-deps.js';
import { fsRepo } from '../source/fs-repo.js';
import type { SpecSource } from '../source/spec-source.js';
import { Reconciler, type PassReport, type ReconcilerOptions } from './loop.js';

const campaignYaml = (name: string, stages: string[]) => `apiVersion: gitpoms/v1
kind: Campaign
metadata: { name: ${name}, experiment: demo }
spec:
  jobType: jt
  launchTemplate: lt
  stages:
${stages.map((s) => `    - { name: ${s}, dataset: none, completion: { type: complete }, overrides: { global.basename: ${s} } }\n`).join('')}`;

let deps: MemoryDeps | undefined;
let dir: string | undefined;
afterEach(async () => {
  await deps?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Campaigns a, b and c of one generation stage each, in a repository whose revision bumps on edit. */
function setup(opts: Partial<ReconcilerOptions> = {}) {
  const root = (dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-queue-')));
  cpSync('test/bad-inputs/base', root, { recursive: true });
  const demo = path.join(root, 'campaigns/demo.yaml');
  // The base's job type and launch template, without its campaign.
  writeFileSync(
    path.join(root, 'campaigns/types.yaml'),
    readFileSync(demo, 'utf8').split(/---\s*apiVersion: gitpoms\/v1\s*kind: Campaign/)[0]!,
  );
  rmSync(demo);
  let version = 1;
  const write = (name: string, stages: string[]) => {
    writeFileSync(path.join(root, `campaigns/${name}.yaml`), campaignYaml(name, stages));
    version++;
  };
  for (const c of ['a', 'b', 'c']) write(c, ['gen']);
  const source: SpecSource = {
    description: 'a test repository',
    latest: async () => ({ revision: `r${version}`, id: `r${version}`, repo: fsRepo(root) }),
    checkout: async () => root,
    byId: async () => undefined,
    watch: async () => async () => {},
    prune: async () => {},
  };
  const d = (deps = memoryDeps());
  let observed = 0;
  const observe = d.batch.observe.bind(d.batch);
  d.batch.observe = () => (observed++, observe());
  const reports: PassReport[] = [];
  const r = new Reconciler(d, source, {
    intervalMs: 3_600_000,
    pollMs: 3_600_000,
    resyncMs: 3_600_000,
    minTriggerGapMs: 0,
    onPass: (p) => reports.push(p),
    ...opts,
  });
  const running = r.run();
  /** Waits for pass n and returns its report. */
  const pass = async (n: number) => {
    await expect.poll(() => reports.length, { timeout: 5000 }).toBeGreaterThanOrEqual(n);
    return reports[n - 1]!;
  };
  const stop = async () => {
    r.stop();
    await running;
  };
  return { r, d, write, pass, stop, observed: () => observed };
}

const launched = (p: PassReport) =>
  p.results.filter((x) => x.ok && x.action.kind === 'launch').map((x) => x.action.key);
const done = (p: PassReport) => p.results.map((x) => `${x.action.kind} ${x.action.key}`);

describe('keyed passes', () => {
  it('a push plans the campaigns it changed, an action the one it names, from the jobs as last observed; a resync then finds nothing to do', async () => {
    const t = setup();
    const first = await t.pass(1);
    expect(first.kind).toBe('full');
    expect(launched(first).sort()).toEqual(['a/gen/mc-1#1', 'b/gen/mc-1#1', 'c/gen/mc-1#1']);
    expect(t.observed()).toBe(1);

    t.write('a', ['gen', 'gen2']);
    t.r.trigger('push');
    const push = await t.pass(2);
    expect(push).toMatchObject({ kind: 'keyed', campaigns: 1, revision: expect.any(String) });
    expect(done(push)).toEqual(['launch a/gen2/mc-1#1']);
    // The page still shows every campaign: the others as their last pass planned them.
    expect(new Set(push.plan.stages.map((s) => s.campaign))).toEqual(new Set(['a', 'b', 'c']));

    // An operator holds b: its jobs, launched by the first pass, are held without a new look.
    await t.d.store.addOverride({
      action: 'hold',
      campaign: 'b',
      actor: 'op',
      reason: 'dCache outage',
    });
    t.r.trigger('hold of b by op', ['b']);
    const hold = await t.pass(3);
    expect(hold.kind).toBe('keyed');
    expect(done(hold)).toEqual(['hold b/gen/mc-1#1']);
    const jobs = await t.d.batch.observe();
    const ofB = jobs.filter((j) => j.submission === 'b/gen/mc-1#1');
    expect(ofB.length).toBeGreaterThan(0);
    expect(jobs.filter((j) => j.state === 'held')).toEqual(
      ofB.map((j) => ({ ...j, state: 'held' })),
    );
    expect(t.observed()).toBe(2); // the line above
    await t.stop();

    // Everything the events asked for was done: a full pass has nothing left.
    const resync = await t.r.pass(4);
    expect(resync.kind).toBe('full');
    expect(resync.plan.actions).toEqual([]);
  });

  it('a full resync makes good what dropped events missed', async () => {
    const t = setup();
    await t.pass(1);
    // Two events lost: an override written with no word to the reconciler, and a push whose
    // webhook never came.
    await t.d.store.addOverride({ action: 'hold', campaign: 'c', actor: 'op', reason: 'lost' });
    t.write('b', ['gen', 'gen2']);
    // A push of a's that does come plans a alone (the source's newest revision has b's edit too,
    // which this pass sees as changed and plans with it).
    t.write('a', ['gen', 'late']);
    t.r.trigger('push');
    const push = await t.pass(2);
    expect(push.kind).toBe('keyed');
    expect(done(push).sort()).toEqual(['launch a/late/mc-1#1', 'launch b/gen2/mc-1#1']);
    // c's hold was missed: no event named c.
    expect((await t.d.batch.observe()).some((j) => j.state === 'held')).toBe(false);
    await t.stop();
    const resync = await t.r.pass(3);
    expect(resync.kind).toBe('full');
    expect(done(resync)).toEqual(['hold c/gen/mc-1#1']);
    expect((await t.r.pass(4)).plan.actions).toEqual([]);
  });

  it('a poll plans the campaigns whose jobs changed and those not at rest, from one observation each', async () => {
    const t = setup({ intervalMs: 200 });
    await t.pass(1);
    // c's jobs end: its jobs changed, and a's and b's idle jobs keep them from rest.
    for (const j of await t.d.batch.observe())
      if (j.submission.startsWith('c/')) t.d.batch.finish(j.id, 0);
    const n = t.observed();
    const poll = await t.pass(2);
    expect(poll).toMatchObject({ kind: 'poll', campaigns: 3 });
    expect(done(poll)).toEqual(['mark-located c/gen/mc-1#1']);
    // The poll after an action looks once more, and finds c at rest: the next ones plan a
    // and b only, until an event names c.
    expect(await t.pass(3)).toMatchObject({ kind: 'poll', campaigns: 3, results: [] });
    const rest = await t.pass(4);
    expect(rest).toMatchObject({ kind: 'poll', campaigns: 2 });
    expect(rest.plan.stages.find((s) => s.campaign === 'c')?.submissions).toEqual({ located: 1 });
    expect(t.observed() - n).toBe(3);
    await t.stop();
  });
});
