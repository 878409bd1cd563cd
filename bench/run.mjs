// Benchmarks, each a ratio against a baseline measured side by side in the same run.
// Writes bench/results/latest.json. Run after `npm run build`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { plan } from '../dist/plan/plan.js';
import { fsRepo } from '../dist/source/fs-repo.js';
import { loadSpec } from '../dist/desired/index.js';
import { cliStart } from './cli-start.mjs';
import { commitToLaunch } from './commit-to-launch.mjs';
import { experimentScale } from './scale.mjs';
import { slurmThroughput } from './slurm-throughput.mjs';

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

const repo = fsRepo('.');
const yamlFiles = repo.list('campaigns').filter((f) => f.endsWith('.yaml'));
const texts = yamlFiles.map((f) => readFileSync(f, 'utf8'));
const desired = loadSpec(repo).desired;

// A large observed state: every SBND stage with 200 submissions of 10 jobs each.
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
    name: 'validate example campaigns vs bare YAML parse of the same files',
    subject: () => loadSpec(repo),
    baseline: () => texts.forEach((t) => parseAllDocuments(t)),
  },
  {
    name: `plan over ${records.length} submissions / ${jobs.length} jobs vs JSON.parse of that snapshot`,
    subject: () => plan(desired, observed, records, now),
    baseline: () => JSON.parse(snapshotText),
  },
];

const results = cases.map((c) => {
  const subjectMs = time(c.subject);
  const baselineMs = time(c.baseline);
  return { name: c.name, subjectMs, baselineMs, ratio: subjectMs / baselineMs };
});
results.push(...(await cliStart()));
results.push(...(await experimentScale({ plan, loadSpec, fsRepo, parseAllDocuments })));
results.push(...(await commitToLaunch()));
results.push(...(await slurmThroughput()));
mkdirSync('bench/results', { recursive: true });
const out = { node: process.version, date: new Date().toISOString(), results };
writeFileSync('bench/results/latest.json', `${JSON.stringify(out, null, 2)}\n`);
for (const r of results.filter((x) => x.skipped)) console.log(`skipped: ${r.name}: ${r.skipped}`);
const verdict = (r) =>
  !r.goal
    ? ''
    : (r.goal.max !== undefined ? r.ratio <= r.goal.max : r.ratio >= r.goal.min)
      ? 'meets goal  '
      : 'MISSES GOAL ';
for (const r of results.filter((x) => !x.skipped))
  console.log(
    `${r.ratio.toFixed(2)}x  ${verdict(r)}${r.subjectMs.toFixed(3)} ms vs ${r.baselineMs.toFixed(3)} ms  ${r.name}`,
  );
