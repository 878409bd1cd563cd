// Commit-to-launch latency: from `git push` returning to the new stage's launch recorded,
// when the push reaches the reconciler by a watch on the repository's refs and by a signed
// webhook, against a baseline measured side by side: the same pass started by hand right
// after the push (fetch, validate, check out, launch: the floor any trigger can reach).
// Measured on the demo's size and with a production's load observed: campaigns whose
// submissions all run, their jobs reported by the batch system on every pass.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { SqliteStore } from '../dist/adapters/store/sqlite/index.js';
import { openDaemon } from '../dist/cli/daemon.js';
import { buildServer } from '../dist/server/index.js';
import { STAGES, submission } from './local-scale.mjs';

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'b',
  GIT_AUTHOR_EMAIL: 'b@x',
  GIT_COMMITTER_NAME: 'b',
  GIT_COMMITTER_EMAIL: 'b@x',
};
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' }).trim();
const SECRET = 'bench-secret';

function campaign(stages) {
  const body = stages
    .map(
      (s) => `    - name: ${s}
      dataset: none
      completion: { type: complete, percent: 100 }
      overrides: { global.fclfile: ${s}.fcl, global.basename: ${s}, submit.N: 1, executable.arg_5: -n1 }
`,
    )
    .join('');
  return `apiVersion: gitpoms/v1
kind: Campaign
metadata: { name: latency, experiment: sbnd }
spec:
  launchTemplate: sbnd-launch
  jobType: sbnd-gen-fife-launch
  stages:
${body}`;
}

/**
 * `busy.campaigns` copies of the SBND campaign, each stage with `busy.perStage` submissions
 * launched and running, `busy.jobsPer` jobs each: written into the repository, journalled in
 * the store, and their jobs returned by every observation (after the executor's own). A
 * steady state: the planner has nothing to do for them but must read them all.
 */
function busyCampaigns(work, busy) {
  const text = readFileSync('campaigns/sbnd/mcc-test-1.yaml', 'utf8').replace(
    'submissions: 2',
    `submissions: ${busy.perStage}`,
  );
  const names = [];
  for (let c = 1; c <= busy.campaigns; c++) {
    const name = `busy-${String(c).padStart(4, '0')}`;
    names.push(name);
    writeFileSync(
      path.join(work, 'campaigns/sbnd', `${name}.yaml`),
      text.replaceAll('sbnd-mcc-test-1', name),
    );
  }
  return names;
}

async function seedBusy(dataDir, names, busy) {
  mkdirSync(dataDir, { recursive: true });
  const store = new SqliteStore(path.join(dataDir, 'state.sqlite'));
  const jobs = [];
  const launches = [];
  let cluster = 0;
  for (const campaign of names)
    for (const stage of STAGES)
      for (let i = 1; i <= busy.perStage; i++) {
        const sub = submission(campaign, stage, i);
        cluster++;
        launches.push(
          store
            .beginLaunch(sub, 'bench', 'local')
            .then((id) => store.finishLaunch(id, { ok: true })),
        );
        for (let p = 0; p < busy.jobsPer; p++)
          jobs.push({
            id: `${cluster}.${p}@busy`,
            submission: sub.key,
            state: p % 2 ? 'running' : 'idle',
          });
      }
  await Promise.all(launches);
  await store.close();
  return jobs;
}

function setup(busy) {
  const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-bench-'));
  const remote = path.join(root, 'remote.git');
  const work = path.join(root, 'work');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  mkdirSync(work);
  for (const f of ['jobtypes.yaml', 'launch.yaml', 'cfg'])
    cpSync(`campaigns/sbnd/${f}`, path.join(work, 'campaigns/sbnd', f), { recursive: true });
  cpSync('demo', path.join(work, 'demo'), { recursive: true });
  writeFileSync(
    path.join(work, 'gitpoms.yaml'),
    `apiVersion: gitpoms/v1
kind: Config
spec:
  paths: [campaigns]
  local: { slots: 2, path: [demo/bin], passEnv: ['DEMO_*'] }
  source: { webhookSecret: { fromEnv: BENCH_SECRET } }
`,
  );
  const busyNames = busy ? busyCampaigns(work, busy) : [];
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'remote', 'add', 'origin', remote);
  const stages = ['s0'];
  const push = () => {
    writeFileSync(path.join(work, 'campaigns/latency.yaml'), campaign(stages));
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', stages.at(-1));
    git(work, 'push', '-q', 'origin', 'main');
  };
  push();
  return { root, remote, stages, push, busyNames };
}

const io = {
  stdout: () => {},
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
  env: { PATH: process.env.PATH, HOME: tmpdir(), DEMO_EVENT_MS: '0', BENCH_SECRET: SECRET },
  now: () => new Date(),
};

/**
 * Times `rounds` pushes of a new stage until its launch, through `mode`, with `busy` campaigns
 * observed. `direct` starts the pass by hand, of `kind`: keyed (what a trigger makes: the
 * campaigns the push changed) or full (every campaign, as every pass was before the work queue).
 */
export async function measure(mode, rounds, busy, kind = 'keyed') {
  const fx = setup(busy);
  const dataDir = path.join(fx.root, 'data');
  const busyJobs = busy ? await seedBusy(dataDir, fx.busyNames, busy) : [];
  const source = mode === 'watch' ? fx.remote : pathToFileURL(fx.remote).href;
  let waiting;
  let ready;
  const started = new Promise((resolve) => (ready = resolve));
  const d = await openDaemon(
    io,
    { repo: fx.root, dataDir, source, interval: '3600', poll: '3600' },
    {
      watch: mode === 'watch',
      onPass: (r) => {
        ready();
        const launched = r.results.some(
          (x) => x.ok && x.action.kind === 'launch' && x.action.stage === fx.stages.at(-1),
        );
        if (launched && waiting) waiting();
      },
    },
  );
  if (!d) throw new Error('the reconciler did not start');
  const executor = d.deps.batch.observe.bind(d.deps.batch);
  d.deps.batch.observe = async () => [...(await executor()), ...busyJobs];
  const app = buildServer({
    reconciler: d.reconciler,
    branch: 'main',
    webhookSecret: SECRET,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  // The first pass launches s0; only then does timing start.
  const running = mode === 'direct' ? undefined : d.reconciler.run();
  if (mode === 'direct') await d.reconciler.pass(0);
  else await started;
  const times = [];
  try {
    for (let i = 1; i <= rounds; i++) {
      fx.stages.push(`s${i}`);
      // A push after a quiet spell: one right behind the last triggered pass waits out the
      // loop's gap between triggered passes (minTriggerGapMs, 250 ms), a storm guard.
      if (mode !== 'direct') await new Promise((r) => setTimeout(r, 300));
      const launched = new Promise((resolve) => (waiting = resolve));
      fx.push();
      const t0 = performance.now();
      if (mode === 'webhook') {
        const body = JSON.stringify({ ref: 'refs/heads/main' });
        const sig = createHmac('sha256', SECRET).update(body).digest('hex');
        const res = await fetch(`${base}/hooks/git`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': `sha256=${sig}`,
          },
          body,
        });
        if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      } else if (mode === 'direct') {
        d.reconciler.trigger('bench');
        const r = await d.reconciler.pass(i, kind);
        if (!r.results.some((x) => x.ok && x.action.stage === `s${i}`))
          throw new Error('the direct pass launched nothing');
        const others = r.results.filter((x) => x.action.campaign !== 'latency');
        if (others.length) throw new Error(`the pass acted on ${others.length} busy submissions`);
        waiting();
      }
      await launched;
      times.push(performance.now() - t0);
    }
  } finally {
    d.reconciler.stop();
    await running;
    await app.close();
    // Let the 1-event jobs end before their directory goes.
    for (let t = 0; t < 100; t++) {
      const live = (await executor()).filter((j) => j.state === 'idle' || j.state === 'running');
      if (!live.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await d.close();
    rmSync(fx.root, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  // Nearest rank: with fewer than 100 trials the 99th percentile is the slowest.
  const rank = (q) => times[Math.ceil(q * times.length) - 1];
  return { median: rank(0.5), p99: rank(0.99), max: times.at(-1), times };
}

/**
 * The cases of one load: the trigger against the pass started by hand, and the 1 s budget;
 * `budgetGuard`, the floor of a budget known to be missed.
 */
async function cases(rounds, busy, budgetGuard) {
  const direct = await measure('direct', rounds, busy);
  const watch = await measure('watch', rounds, busy);
  const webhook = await measure('webhook', rounds, busy);
  const load = busy
    ? `, ${busy.campaigns * STAGES.length * busy.perStage} submissions / ${busy.campaigns * STAGES.length * busy.perStage * busy.jobsPer} jobs running in ${busy.campaigns} other campaigns`
    : '';
  return [
    ['watch on the repository refs', watch],
    ['signed webhook', webhook],
  ].flatMap(([how, m]) => [
    {
      name: `commit-to-launch via ${how}${load} (median of ${rounds}) vs the same pass started by hand`,
      subjectMs: m.median,
      baselineMs: direct.median,
      ratio: m.median / direct.median,
      maxMs: m.max,
      goal: { max: 1.5 },
    },
    {
      name: `commit-to-launch via ${how}${load}: the median against a budget of 1 s`,
      subjectMs: m.median,
      baselineMs: 1000,
      ratio: m.median / 1000,
      goal: { max: 1 },
      ...(budgetGuard ? { guard: budgetGuard } : {}),
    },
    {
      name: `commit-to-launch via ${how}${load}: the 99th percentile of ${rounds} against a budget of 2 s`,
      subjectMs: m.p99,
      baselineMs: 2000,
      ratio: m.p99 / 2000,
      goal: { max: 1 },
      ...(budgetGuard ? { guard: budgetGuard } : {}),
    },
  ]);
}

/**
 * Commit-to-launch against the jobs observed elsewhere, for the README's chart: the pass a
 * push starts by hand, keyed (now) and full (every campaign, as before the work queue).
 */
export async function commitToLaunchCurve(sizes, rounds) {
  const points = [];
  for (const campaigns of sizes) {
    const busy = campaigns ? { campaigns, perStage: 200, jobsPer: 10 } : undefined;
    const jobs = campaigns * STAGES.length * 200 * 10;
    const keyed = await measure('direct', rounds, busy, 'keyed');
    const full = await measure('direct', rounds, busy, 'full');
    points.push({ jobs, keyedMs: keyed.median, fullMs: full.median });
  }
  return points;
}

/** On the demo's size, then with 1,000,000 jobs observed (100,000 in the short profile). */
export async function commitToLaunch({ short = false } = {}) {
  const rounds = short ? 3 : 15;
  const quiet = await cases(rounds);
  const busy = { campaigns: short ? 10 : 100, perStage: 200, jobsPer: 10 };
  const loaded = await cases(rounds, busy);
  return [...quiet, ...loaded];
}
