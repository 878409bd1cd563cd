// The launch journal on PostgreSQL: submissions through PostgresStore's beginLaunch and
// finishLaunch, driven by `concurrency` launchers at once as apply drives them, against a bare
// `pg` insert loop of the same rows in one transaction, on a throwaway server on 127.0.0.1.
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { PostgresStore } from '../dist/adapters/store/postgres/index.js';
import { postgresAvailable, startPostgres } from '../dist/ops/postgres.js';
import { bareRow, driveJournal } from './local-scale.mjs';

async function journal(server, n, concurrency) {
  const schema = await server.freshSchema();
  const store = new PostgresStore({ url: server.url, schema });
  try {
    // The schema is made by the first call: not timed.
    await store.pendingIntents();
    const subjectMs = await driveJournal(store, n, concurrency);
    const bare = await server.freshSchema();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query(`CREATE TABLE ${bare}.submissions (key text PRIMARY KEY, campaign text, stage text,
        slice text, attempt integer, parent text, command text, input text, job_type text,
        launch_template text, status text, launched_at text)`);
      const t1 = performance.now();
      await client.query('BEGIN');
      for (let i = 0; i < n; i++)
        await client.query(
          `INSERT INTO ${bare}.submissions VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          bareRow(i),
        );
      await client.query('COMMIT');
      return { subjectMs, baselineMs: performance.now() - t1 };
    } finally {
      await client.end();
    }
  } finally {
    await store.close();
  }
}

export async function journalPostgres({ short = false } = {}) {
  if (!postgresAvailable)
    return [
      {
        name: 'store: the launch journal on PostgreSQL',
        skipped: "PostgreSQL 15 (Debian's postgresql) is not installed",
      },
    ];
  const server = await startPostgres();
  try {
    const out = [];
    for (const [n, concurrency] of [
      [short ? 2000 : 20_000, 64],
      [short ? 1000 : 5000, 4],
    ]) {
      const j = await journal(server, n, concurrency);
      out.push({
        name: `store: ${n} submissions through the launch journal on PostgreSQL (${concurrency} launchers at once) vs a bare pg insert loop in one transaction (throughput ratio)`,
        ...j,
        ratio: j.baselineMs / j.subjectMs,
        goal: { min: 0.3 },
        // Known to miss (0.13 at 64, 0.06 at 4 here): a group of launches is still five
        // round trips per submission, and at 4 launchers one commit waits for the disk per 4.
        guard: { min: concurrency === 4 ? 0.03 : 0.065 },
      });
    }
    return out;
  } finally {
    await server.destroy();
  }
}
