// The dashboard's pages rendered by the server over a real SQLite store: the campaign page
// (stage table, DAG) and the first page of its submission tree, for a campaign with 10,000
// submissions of 10 jobs, against a budget of 200 ms and against the numbers they show computed
// without a page (the store reads and the stage statistics of gitpoms status).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../dist/adapters/store/sqlite/index.js';
import { loadSpec } from '../dist/desired/index.js';
import { stageStats } from '../dist/engine/stats.js';
import { plan } from '../dist/plan/plan.js';
import { buildServer } from '../dist/server/index.js';
import { fsRepo } from '../dist/source/fs-repo.js';
import { STAGES, submission } from './local-scale.mjs';
import { timed } from './timing.mjs';

const CAMPAIGN = 'sbnd-mcc-test-1';

export async function dashboard({ short = false } = {}) {
  const perStage = short ? 400 : 2000;
  const jobsPer = 10;
  const rounds = short ? 5 : 15;
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-bench-pages-'));
  const store = new SqliteStore(path.join(dir, 'state.sqlite'));
  try {
    const desired = loadSpec(fsRepo('.')).desired;
    const jobs = [];
    const launches = [];
    let cluster = 0;
    for (const stage of STAGES)
      for (let i = 1; i <= perStage; i++) {
        const sub = submission(CAMPAIGN, stage, i);
        cluster++;
        launches.push(
          store.beginLaunch(sub, 'bench', 'local').then(async (id) => {
            await store.finishLaunch(id, { ok: true });
            if (i % 2) await store.setStatus(sub.key, 'located', 'bench');
          }),
        );
        for (let p = 0; p < jobsPer; p++)
          jobs.push({
            id: `${cluster}.${p}@bench`,
            submission: sub.key,
            state: i % 2 ? 'completed' : p % 3 ? 'running' : 'idle',
            ...(i % 2
              ? {
                  exitCode: p === 3 ? 1 : 0,
                  cpuSeconds: 80 + p,
                  wallSeconds: 100 + p,
                  node: `wn${p}`,
                }
              : {}),
          });
      }
    await Promise.all(launches);
    await store.recordJobs(jobs, new Date().toISOString());
    const records = await store.submissions();
    const p = plan(
      desired,
      { jobs, outputs: {}, recoveryFiles: {}, splits: {}, services: {} },
      records,
      new Date(),
    );
    const reconciler = {
      current: () => ({ revision: 'bench', desired }),
      lastPass: () => ({
        pass: 1,
        seconds: 0,
        revision: 'bench',
        plan: p,
        results: [],
        events: [],
      }),
      trigger: () => {},
      status: () => ({
        source: 'bench',
        passes: 1,
        failures: 0,
        applied: { revision: 'bench', at: '' },
      }),
    };
    const app = buildServer({
      reconciler,
      branch: 'main',
      webhookSecret: undefined,
      api: { store, reconciler, settings: () => ({ readAccess: 'open' }) },
      web: { reconciler },
    });
    await app.ready();
    const get = async (url) => {
      const r = await app.inject({ method: 'GET', url });
      if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    };
    // The numbers without a page: the store reads and the stage statistics gitpoms status prints.
    const campaignOnly = {
      ...desired,
      campaigns: desired.campaigns.filter((c) => c.name === CAMPAIGN),
    };
    const numbers = async () => {
      const recs = (await store.submissions()).filter((r) => r.campaign === CAMPAIGN);
      const js = (await store.jobPage({ campaign: CAMPAIGN, limit: 1e9, offset: 0 })).items;
      stageStats(campaignOnly, recs, js, new Map());
    };
    const size = `${records.length} submissions / ${jobs.length} jobs`;
    const out = [];
    const numbersMs = await timed(numbers, rounds);
    for (const [what, url] of [
      ['campaign page (stage table, DAG)', `/campaigns/${CAMPAIGN}`],
      ['submission tree, first page', `/campaigns/${CAMPAIGN}/submissions`],
    ]) {
      const ms = await timed(() => get(url), rounds);
      out.push(
        {
          name: `dashboard ${what} of a campaign with ${size}, rendered by the server (median of ${rounds}) vs its numbers computed alone`,
          subjectMs: ms,
          baselineMs: numbersMs,
          ratio: ms / numbersMs,
          goal: { max: 2 },
        },
        {
          name: `dashboard ${what} of a campaign with ${size}: the median against a budget of 200 ms`,
          subjectMs: ms,
          baselineMs: 200,
          ratio: ms / 200,
          goal: { max: 1 },
        },
      );
    }
    await app.close();
    return out;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
