// Experiment-scale inputs, generated from a seed: a repository of N copies of the SBND
// campaign and an observed snapshot of their submissions and jobs, shaped as a running
// production is (most submissions located, some running, some finished and waiting for the
// catalog, some failed with recoveries to launch).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { random } from './random.mjs';
import { timed } from './timing.mjs';

const SBND = 'campaigns/sbnd';
const STAGES = ['gen', 'g4', 'detsim', 'reco', 'anatree'];

/** Writes gitpoms.yaml, SBND's job types, templates and configs, and `copies` campaign files. */
export function writeScaleRepo(dir, copies) {
  mkdirSync(path.join(dir, SBND), { recursive: true });
  cpSync('gitpoms.yaml', path.join(dir, 'gitpoms.yaml'));
  cpSync('schemas', path.join(dir, 'schemas'), { recursive: true });
  for (const f of ['jobtypes.yaml', 'launch.yaml', 'services.yaml', 'cfg'])
    cpSync(path.join(SBND, f), path.join(dir, SBND, f), { recursive: true });
  const text = readFileSync(path.join(SBND, 'mcc-test-1.yaml'), 'utf8');
  const names = [];
  for (let i = 1; i <= copies; i++) {
    const name = `sbnd-scale-${String(i).padStart(5, '0')}`;
    names.push(name);
    writeFileSync(path.join(dir, SBND, `${name}.yaml`), text.replaceAll('sbnd-mcc-test-1', name));
  }
  return names;
}

/**
 * Submission records and jobs for every stage of the named campaigns: `perStage` submissions
 * of `jobsPer` jobs each. The i-th submission of a dependent stage consumes the i-th of its
 * parent stage, as the planner would have launched it.
 */
export function scaleSnapshot(campaigns, perStage, jobsPer, seed = 1) {
  const rnd = random(seed);
  const records = [];
  const jobs = [];
  const outputs = {};
  const recoveryFiles = {};
  let cluster = 1;
  for (const campaign of campaigns) {
    STAGES.forEach((stage, si) => {
      for (let i = 1; i <= perStage; i++) {
        const slice = `mc-${i}`;
        const key = `${campaign}/${stage}/${slice}#1`;
        const roll = rnd();
        // 80 % located, 8 % running, 6 % finished and waiting for the catalog, 6 % failed.
        const status = roll < 0.8 ? 'located' : roll < 0.94 ? 'launched' : 'failed';
        records.push({
          key,
          campaign,
          stage,
          slice,
          attempt: 1,
          ...(si > 0 ? { parent: `${campaign}/${STAGES[si - 1]}/${slice}#1` } : {}),
          launchedAt: '2026-11-20T00:00:00Z',
          status,
        });
        const running = status === 'launched' && roll < 0.88;
        for (let j = 0; j < jobsPer; j++) {
          const done = !running || j % 2 === 0;
          jobs.push({
            id: `${cluster}.${j}@jobsub01.fnal.gov`,
            submission: key,
            state: done ? 'completed' : j % 4 === 1 ? 'running' : 'idle',
            ...(done ? { exitCode: status === 'failed' && j === 0 ? 1 : 0 } : {}),
            ...(done ? { endedAt: '2026-11-25T11:00:00Z' } : {}),
          });
        }
        cluster++;
        if (stage !== 'gen' && status !== 'located')
          outputs[key] = { expected: jobsPer, located: status === 'failed' ? jobsPer - 1 : 0 };
        if (status === 'failed') recoveryFiles[key] = { consumed_status: 1, process_status: 0 };
        // Half the failed ones have their first recovery launched already, most of it located.
        if (status === 'failed' && stage !== 'gen' && rnd() < 0.5) {
          const rkey = `${campaign}/${stage}/${slice}+r1#1`;
          const located = rnd() < 0.8;
          records.push({
            key: rkey,
            campaign,
            stage,
            slice: `${slice}+r1`,
            attempt: 1,
            recovery: { of: key, type: 'consumed_status', index: 1 },
            launchedAt: '2026-11-21T00:00:00Z',
            status: located ? 'located' : 'launched',
          });
          jobs.push({
            id: `${cluster}.0@jobsub01.fnal.gov`,
            submission: rkey,
            state: 'completed',
            exitCode: 0,
            endedAt: '2026-11-25T11:30:00Z',
          });
          cluster++;
          if (!located) recoveryFiles[rkey] = { process_status: 0 };
        }
      }
    });
  }
  return { observed: { jobs, outputs, recoveryFiles, splits: {}, services: {} }, records };
}

/**
 * Peak RSS of planning, against a process holding the same inputs (the parsed snapshot and
 * the loaded repository) without planning: each measured in a process of its own.
 */
function peakRss(dir, text, submissions, jobs) {
  const file = path.join(dir, 'snapshot.json');
  writeFileSync(file, text);
  const measure = (mode) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        ['--max-old-space-size=8192', 'bench/rss-child.mjs', dir, file, mode],
        { encoding: 'utf8', maxBuffer: 1 << 20 },
      ),
    ).maxRss;
  const hold = measure('hold');
  const planned = measure('plan');
  rmSync(file);
  const mb = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return {
    name: `plan peak RSS: ${submissions} submissions, ${jobs} jobs: ${mb(planned)} vs ${mb(hold)} for a process holding the same parsed snapshot and repository (${mb(text.length)} of JSON)`,
    subjectMs: 0,
    baselineMs: 0,
    subjectBytes: planned,
    baselineBytes: hold,
    ratio: planned / hold,
    goal: { max: 2 },
  };
}

/**
 * Experiment scale: `copies` of the SBND campaign (2,000: 10,000 stages), loaded and
 * validated against a bare YAML parse of the same files; planned over each of `perStage`
 * submissions of 10 jobs per stage (1 and 10: 100,000 and 1,000,000 jobs) against JSON.parse
 * of that snapshot, with the growth exponent between the two and peak RSS at the larger.
 */
export async function experimentScale(
  { plan, loadSpec, fsRepo, parseAllDocuments },
  { copies, perStage: counts },
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-scale-'));
  try {
    const names = writeScaleRepo(dir, copies);
    const repo = fsRepo(dir);
    const files = repo.list('campaigns').filter((f) => f.endsWith('.yaml'));
    const texts = () => files.map((f) => readFileSync(path.join(dir, f), 'utf8'));
    const loaded = loadSpec(repo);
    if (!loaded.desired) throw new Error('the generated repository does not validate');
    const stages = loaded.desired.campaigns.reduce((n, c) => n + c.stages.length, 0);
    const results = [];
    const loadMs = await timed(() => loadSpec(repo), 2);
    const yamlMs = await timed(() => texts().forEach((t) => parseAllDocuments(t)), 2);
    results.push({
      name: `load and validate ${files.length} campaign files (${stages} stages) vs reading and bare YAML parse of them`,
      subjectMs: loadMs,
      baselineMs: yamlMs,
      ratio: loadMs / yamlMs,
      goal: { max: 3 },
    });
    const now = new Date('2026-11-25T12:00:00Z');
    const sizes = [];
    for (const perStage of counts) {
      const snap = scaleSnapshot(names, perStage, 10);
      const text = JSON.stringify(snap);
      const parseMs = await timed(() => JSON.parse(text));
      const planMs = await timed(() => plan(loaded.desired, snap.observed, snap.records, now));
      const jobs = snap.observed.jobs.length;
      sizes.push({ jobs, planMs });
      results.push({
        name: `plan: ${stages} stages, ${snap.records.length} submissions, ${jobs} jobs vs JSON.parse of that snapshot (${(text.length / 1e6).toFixed(0)} MB)`,
        subjectMs: planMs,
        baselineMs: parseMs,
        ratio: planMs / parseMs,
        goal: { max: 3 },
      });
      if (perStage === counts.at(-1)) results.push(peakRss(dir, text, snap.records.length, jobs));
    }
    const [small, large] = sizes;
    const exponent = Math.log(large.planMs / small.planMs) / Math.log(large.jobs / small.jobs);
    results.push({
      name: `plan growth exponent from ${small.jobs} to ${large.jobs} jobs (1 is linear)`,
      subjectMs: large.planMs,
      baselineMs: small.planMs,
      ratio: exponent,
      goal: { max: 1.1 },
    });
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
