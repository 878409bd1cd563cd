import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/adapters/store/postgres/index.js';
import { MIGRATIONS } from '../../src/adapters/store/postgres/migrations.js';
import { cli } from '../helpers/capture.js';
import {
  copyDemoRepo,
  DEMO_ENV,
  demoRunArgs,
  editFile,
  expectDemoComplete,
} from '../helpers/demo.js';
import { usePostgres, withPostgres } from '../helpers/postgres.js';

const pg = usePostgres();

/**
 * The SBND demo with backends.store: postgres, on a real PostgreSQL 15 this test starts: the
 * reconciler's records, the operator commands' reads and a token all go to the server, and
 * nothing opens an SQLite file.
 */
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe.runIf(withPostgres)('the SBND demo on the PostgreSQL store', () => {
  it('runs gen → anatree with every record in PostgreSQL, and converges', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-pg-data-'));
    const repo = copyDemoRepo(mkdtempSync(path.join(tmpdir(), 'gitpoms-pg-repo-')));
    temps.push(dataDir, repo);
    editFile(
      path.join(repo, 'gitpoms.yaml'),
      'store: sqlite',
      'store: postgres\n    postgres: { schema: sbnd_demo }',
    );
    const env = { ...DEMO_ENV, GITPOMS_STORE_URL: pg().url };
    const r = await cli(demoRunArgs(dataDir, 200), { cwd: repo, env });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/converged after \d+ pass\(es\)/);
    await expectDemoComplete(dataDir, 'on postgres');
    expect(existsSync(path.join(dataDir, 'state.sqlite'))).toBe(false);

    const status = await cli(['status', '--data-dir', dataDir], { cwd: repo, env });
    expect(status.stderr).toBe('');
    expect(status.stdout).toMatch(/sbnd-mcc-test-1\/anatree\s+2\/2\s+0\s+20\b/);
    const token = await cli(
      ['token', 'create', '--role', 'viewer', '--experiment', 'sbnd', '--name', 'alice'],
      { cwd: repo, env },
    );
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^gpt_/m);

    // What the commands read is in the server, under the schema gitpoms.yaml names.
    const store = new PostgresStore({ url: pg().url, schema: 'sbnd_demo', readonly: true });
    const subs = await store.submissions();
    expect(subs.filter((s) => s.stage === 'anatree').map((s) => s.status)).toEqual([
      'located',
      'located',
    ]);
    expect((await store.tokens()).map((t) => t.name)).toEqual(['alice']);
    expect((await store.appliedRevision())?.valid).toBe(true);
    await store.close();

    const migrate = await cli(['store', 'migrate'], { cwd: repo, env });
    expect(migrate.stdout).toMatch(
      new RegExp(
        `^postgres store: schema version ${MIGRATIONS.length} of ${MIGRATIONS.length}$`,
        'm',
      ),
    );

    // Moved back to SQLite (a backup, or a site leaving PostgreSQL): the same status there.
    const out = mkdtempSync(path.join(tmpdir(), 'gitpoms-pg-copy-'));
    const lite = copyDemoRepo(mkdtempSync(path.join(tmpdir(), 'gitpoms-pg-lite-')));
    temps.push(out, lite);
    const copy = await cli(
      ['store', 'copy', '--from', 'postgres', '--to', `sqlite:${out}/state.sqlite`],
      { cwd: repo, env },
    );
    expect(copy.stderr).toBe('');
    expect(copy.stdout).toMatch(/^submissions\s+\d+$/m);
    expect(copy.stdout).toMatch(/every table compared equal/);
    // The embedded catalog is a backend of its own, in its own file: copied as a file.
    copyFileSync(path.join(dataDir, 'catalog.sqlite'), path.join(out, 'catalog.sqlite'));
    const there = await cli(['status', '--data-dir', out], { cwd: lite, env: DEMO_ENV });
    expect(there.stdout).toBe(status.stdout);
    // Into a store that has records: refused, exit 1.
    const again = await cli(
      ['store', 'copy', '--from', `sqlite:${out}/state.sqlite`, '--to', 'postgres'],
      { cwd: repo, env },
    );
    expect(again.stderr).toMatch(/table submissions has rows; copy only into an empty store/);
    expect(again.code).toBe(1);

    // While a replica runs on the store, a copy from it (or into it) would miss its later
    // writes: refused, naming the replica, and nothing is written.
    const live = new PostgresStore({ url: pg().url, schema: 'sbnd_demo' });
    await live.heartbeat('r1');
    const running = await cli(
      ['store', 'copy', '--from', 'postgres', '--to', `sqlite:${out}/running/state.sqlite`],
      { cwd: repo, env },
    );
    expect(running.stderr).toMatch(
      /--from postgres.*: replicas r1 still run on this store .*stop every replica first/,
    );
    expect(running.code).toBe(1);
    expect(existsSync(path.join(out, 'running'))).toBe(false);
    // Gone (it left), the copy goes ahead.
    await live.leave('r1');
    await live.close();
    const after = await cli(
      ['store', 'copy', '--from', 'postgres', '--to', `sqlite:${out}/running/state.sqlite`],
      { cwd: repo, env },
    );
    expect(after.stdout).toMatch(/every table compared equal/);

    // Without the URL, a command says where it looked; nothing else is opened.
    const none = await cli(['status', '--data-dir', dataDir], { cwd: repo, env: DEMO_ENV });
    expect(none.stderr).toMatch(
      /backends\.postgres\.url: environment variable GITPOMS_STORE_URL is not set/,
    );
    expect(none.code).not.toBe(0);
  }, 300_000);
});
