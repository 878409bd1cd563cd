// Benchmarks, each a ratio against a baseline measured side by side in the same run.
// Run after `npm run build`:
//   node bench/run.mjs [--full]   everything at experiment scale (the default), JSON in bench/results/latest.json
//   node bench/run.mjs --short    the CI profile (smaller inputs, no Slurm), JSON in bench/results/short.json
//   --check                       exit 1 when a ratio is worse than twice its goal (a regression guard)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { plan } from '../dist/plan/plan.js';
import { fsRepo } from '../dist/source/fs-repo.js';
import { loadSpec } from '../dist/desired/index.js';
import { cliBigRepo, cliStart } from './cli-start.mjs';
import { commitToLaunch, commitToLaunchCurve } from './commit-to-launch.mjs';
import { commitToLaunchSvg } from './chart.mjs';
import { dashboard } from './dashboard.mjs';
import { fifeRender } from './fife.mjs';
import { localScale } from './local-scale.mjs';
import { journalPostgres } from './journal-pg.mjs';
import { experimentScale } from './scale.mjs';
import { replicaBench } from './replicas.mjs';
import { slurmThroughput } from './slurm-throughput.mjs';
import { markdownTable, meetsGoal, withinGuard } from './table.mjs';

const args = process.argv.slice(2);
const short = args.includes('--short');
const check = args.includes('--check');

function time(fn, minMs = 500) {
  fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    fn();
    n++;
  }
  return (performance.now() - start) / n;
}

/**
 * The demo's size: the example repository, and its SBND campaign with 1,000 submissions of 10
 * jobs. No goals: fixed costs (fife_launch configs, gitpoms.yaml) weigh more in six files
 * than at experiment scale, where the goals are set.
 */
function demoSize() {
  const repo = fsRepo('.');
  const yamlFiles = repo.list('campaigns').filter((f) => f.endsWith('.yaml'));
  const texts = yamlFiles.map((f) => readFileSync(f, 'utf8'));
  const desired = loadSpec(repo).desired;
  const records = [];
  const jobs = [];
  for (const stage of ['gen', 'g4', 'detsim', 'reco', 'anatree']) {
    for (let i = 1; i <= 200; i++) {
      const key = `sbnd-mcc-test-1/${stage}/mc-${i}#1`;
      records.push({
        key,
        campaign: 'sbnd-mcc-test-1',
        stage,
        slice: `mc-${i}`,
        attempt: 1,
        launchedAt: '2026-11-25T00:00:00Z',
        status: i % 2 ? 'located' : 'launched',
      });
      for (let j = 0; j < 10; j++)
        jobs.push({ id: `${i}.${j}@${stage}`, submission: key, state: j % 3 ? 'running' : 'idle' });
    }
  }
  const observed = { jobs, outputs: {}, recoveryFiles: {}, splits: {}, services: {} };
  const snapshotText = JSON.stringify({ observed, records });
  const now = new Date('2026-11-25T12:00:00Z');
  const cases = [
    {
      name: `load and validate the example repository (${yamlFiles.length} campaign files) vs bare YAML parse of the same files`,
      subject: () => loadSpec(repo),
      baseline: () => texts.forEach((t) => parseAllDocuments(t)),
    },
    {
      name: `plan over ${records.length} submissions / ${jobs.length} jobs vs JSON.parse of that snapshot`,
      subject: () => plan(desired, observed, records, now),
      baseline: () => JSON.parse(snapshotText),
    },
  ];
  return cases.map((c) => {
    const subjectMs = time(c.subject);
    const baselineMs = time(c.baseline);
    return { name: c.name, subjectMs, baselineMs, ratio: subjectMs / baselineMs };
  });
}

const results = [...demoSize()];
results.push(...(await cliStart(short ? 5 : 9)));
results.push(...(await cliBigRepo(2000, short ? 3 : 5)));
results.push(
  ...(await experimentScale(
    { plan, loadSpec, fsRepo, parseAllDocuments },
    short ? { copies: 200, perStage: [5, 50] } : { copies: 2000, perStage: [1, 10] },
  )),
);
results.push(...(await localScale({ short })));
results.push(...(await journalPostgres({ short })));
results.push(...(await commitToLaunch({ short })));
results.push(...(await dashboard({ short })));
results.push(...(await fifeRender()));
results.push(...(await replicaBench({ short })));
results.push(
  ...(short
    ? [{ name: 'slurm throughput', skipped: 'not in the short profile (npm run bench runs it)' }]
    : await slurmThroughput()),
);

const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`;
// The README's chart: 10,000 to 1,000,000 jobs elsewhere, before and after the work queue.
const curve = short ? undefined : await commitToLaunchCurve([1, 10, 100], 5);
if (curve) writeFileSync('docs/img/commit-to-launch.svg', commitToLaunchSvg(curve, machine));

mkdirSync('bench/results', { recursive: true });
const out = {
  profile: short ? 'short' : 'full',
  node: process.version,
  machine,
  date: new Date().toISOString(),
  results,
  ...(curve ? { curves: { commitToLaunch: curve } } : {}),
};
writeFileSync(
  `bench/results/${short ? 'short' : 'latest'}.json`,
  `${JSON.stringify(out, null, 2)}\n`,
);
console.log(markdownTable(out));
const regressed = results.filter((r) => !r.skipped && r.goal && !withinGuard(r));
const missed = results.filter((r) => !r.skipped && r.goal && !meetsGoal(r));
if (missed.length) console.log(`\n${missed.length} case(s) miss their goal.`);
if (check && regressed.length) {
  console.error(
    `\nworse than twice the goal:\n${regressed.map((r) => `  ${r.ratio.toFixed(3)}  ${r.name}`).join('\n')}`,
  );
  process.exit(1);
}
