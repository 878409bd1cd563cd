import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { launchAction, storeContract } from '../../../../test/contracts/store.js';
import { SqliteStore } from './index.js';

const tmpFile = () => path.join(mkdtempSync(path.join(tmpdir(), 'store-')), 'state.sqlite');

storeContract('sqlite', async () => new SqliteStore(tmpFile()));

describe('sqlite store', () => {
  it("stamps what it records with the reconciler's clock", async () => {
    const at = new Date('2031-02-03T04:05:06Z');
    const s = new SqliteStore(tmpFile(), { clock: () => at });
    const id = await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
    await s.finishLaunch(id, { ok: true });
    const sub = await s.submission('c/gen/mc-1#1');
    expect(sub?.launchedAt).toBe(at.toISOString());
    expect(sub?.history.map((h) => h.at)).toEqual([at.toISOString(), at.toISOString()]);
    await s.close();
  });

  it('lets a read-only reader see what the writer committed, while it writes', async () => {
    const file = tmpFile();
    const w = new SqliteStore(file);
    const r = new SqliteStore(file, { readonly: true });
    const id = await w.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
    expect((await r.submission('c/gen/mc-1#1'))?.status).toBe('launching');
    await w.finishLaunch(id, { ok: true });
    expect((await r.submission('c/gen/mc-1#1'))?.status).toBe('launched');
    await r.close();
    await w.close();
  });

  it("reads submissions once, then only what its own writes changed, and all again after another connection's commit", async () => {
    const file = tmpFile();
    // Each write a millisecond after the one before: launch order is the order of the calls.
    let t = Date.parse('2026-11-25T12:00:00Z');
    const w = new SqliteStore(file, { clock: () => new Date(t++) });
    const r = new SqliteStore(file, { readonly: true });
    const keys = ['c/gen/mc-1#1', 'c/gen/mc-2#1', 'c/gen/mc-3#1'];
    for (const k of keys)
      await w.finishLaunch(await w.beginLaunch(launchAction(k), undefined, 'local'), { ok: true });
    const first = await w.submissions();
    expect(first.map((s) => [s.key, s.status])).toEqual(keys.map((k) => [k, 'launched']));
    // Unchanged: the same records, frozen, since every caller shares them.
    expect(await w.submissions()).toEqual(first);
    expect((await w.submissions())[0]).toBe(first[0]);
    expect(() => ((first[0] as { status: string }).status = 'located')).toThrow(TypeError);
    expect(() => first[0]!.history.push(first[0]!.history[0]!)).toThrow(TypeError);
    expect(() => first[0]!.command.push('x')).toThrow(TypeError);
    // Its own write: that record is read again, the others are kept.
    await w.setStatus(keys[1]!, 'located', 'test');
    const second = await w.submissions();
    expect(second.map((s) => s.status)).toEqual(['launched', 'located', 'launched']);
    expect(second[1]!.history.map((h) => h.status)).toEqual(['launching', 'launched', 'located']);
    expect(second[0]).toBe(first[0]);
    expect(second[2]).toBe(first[2]);
    // A launch begun and abandoned: there, then gone, in launch order throughout.
    const id = await w.beginLaunch(launchAction('c/gen/mc-0#1'), undefined, 'local');
    expect((await w.submissions()).map((s) => s.key)).toEqual([...keys, 'c/gen/mc-0#1']);
    await w.abandonLaunch(id, 'test');
    expect((await w.submissions()).map((s) => s.key)).toEqual(keys);
    // A write refused (a second launch of a key that exists) changes nothing.
    await expect(w.beginLaunch(launchAction(keys[0]!), undefined, 'local')).rejects.toThrow();
    expect((await w.submissions()).map((s) => s.status)).toEqual([
      'launched',
      'located',
      'launched',
    ]);
    // Another connection's reads follow the writer's commits.
    const seen = await r.submissions();
    expect(seen.map((s) => s.status)).toEqual(['launched', 'located', 'launched']);
    await w.setHeld(keys[2]!, true);
    expect((await r.submissions()).map((s) => s.heldByGitpoms)).toEqual([false, false, true]);
    // And the writer's reads follow another writer's.
    const other = new SqliteStore(file);
    await other.setStatus(keys[0]!, 'failed', 'test');
    expect((await w.submissions()).map((s) => s.status)).toEqual(['failed', 'located', 'launched']);
    await other.close();
    await r.close();
    await w.close();
  });

  it("keeps the job cache in memory: its own writes in place, another connection's commit read again", async () => {
    const file = tmpFile();
    const w = new SqliteStore(file);
    const r = new SqliteStore(file, { readonly: true });
    const at = (m: number) => `2026-11-25T12:0${m}:00.000Z`;
    await w.recordJobs(
      [
        { id: '2.0@x', submission: 'b', state: 'running' },
        { id: '1.1@x', submission: 'a', state: 'idle' },
      ],
      at(0),
    );
    const ids = (js: Array<{ id: string; state: string }>) => js.map((j) => `${j.id} ${j.state}`);
    expect(ids(await w.jobs())).toEqual(['1.1@x idle', '2.0@x running']);
    expect(ids(await r.jobs())).toEqual(['1.1@x idle', '2.0@x running']);
    const first = await w.jobs();
    expect(() => ((first[0] as { state: string }).state = 'held')).toThrow(TypeError);
    // Its own writes: a change, a new job sorted in, a job relabelled to another submission.
    await w.recordJobs(
      [
        { id: '1.1@x', submission: 'a', state: 'completed', exitCode: 0 },
        { id: '1.0@x', submission: 'a', state: 'running' },
        { id: '2.0@x', submission: 'c', state: 'running' },
      ],
      at(1),
    );
    const want = ['1.0@x running', '1.1@x completed', '2.0@x running'];
    expect(ids(await w.jobs())).toEqual(want);
    expect((await w.jobs()).map((j) => j.submission)).toEqual(['a', 'a', 'c']);
    expect((await w.jobPage({ submission: 'b', limit: 10, offset: 0 })).total).toBe(0);
    // The reader sees the writer's commit, as the table has it.
    expect(ids(await r.jobs())).toEqual(want);
    expect(await r.jobs()).toEqual(await w.jobs());
    const page = await r.jobPage({ submission: 'a', state: 'completed', limit: 5, offset: 0 });
    expect(page).toEqual({
      items: [{ id: '1.1@x', submission: 'a', state: 'completed', exitCode: 0, updatedAt: at(1) }],
      total: 1,
    });
    await w.close();
    await r.close();
  });

  it('commits journal writes made together once, and settles each only after that commit', async () => {
    const file = tmpFile();
    const w = new SqliteStore(file);
    const r = new SqliteStore(file, { readonly: true });
    const commits = () => w.commits;
    const before = commits();
    const keys = Array.from({ length: 50 }, (_, i) => `c/gen/mc-${i}#1`);
    const begun = keys.map((k) => w.beginLaunch(launchAction(k), undefined, 'local'));
    // Nothing is committed before the callers are answered.
    expect(await r.submission(keys[0]!)).toBeUndefined();
    const ids = await Promise.all(begun);
    expect(commits()).toBe(before + 1);
    expect((await r.submissions()).map((s) => s.key).sort()).toEqual([...keys].sort());
    await Promise.all(ids.map((id) => w.finishLaunch(id, { ok: true })));
    expect(commits()).toBe(before + 2);
    await r.close();
    await w.close();
  });

  it('refuses one bad write of a group and keeps the others, in the order they were made', async () => {
    const s = new SqliteStore(tmpFile());
    const first = s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
    const twice = s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
    const other = s.beginLaunch(launchAction('c/gen/mc-2#1'), undefined, 'local');
    await expect(twice).rejects.toThrow(/already exists; refusing to launch it twice/);
    expect(await first).toBeLessThan(await other);
    // A read made before the group is committed still sees it: the store acts in call order.
    const status = s.setStatus('c/gen/mc-2#1', 'failed', 'test');
    expect((await s.submission('c/gen/mc-2#1'))?.status).toBe('failed');
    await status;
    expect((await s.submissions()).map((x) => x.key)).toEqual(['c/gen/mc-1#1', 'c/gen/mc-2#1']);
    expect((await s.pendingIntents()).length).toBe(2);
    await s.close();
  });

  it('migrates once and keeps data across reopening', async () => {
    const file = tmpFile();
    const a = new SqliteStore(file);
    await a.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
    await a.close();
    const b = new SqliteStore(file);
    expect((await b.submissions()).map((s) => s.key)).toEqual(['c/gen/mc-1#1']);
    await b.close();
  });

  it('refuses a store written by a newer gitpoms', () => {
    const file = tmpFile();
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema version 99, newer than this gitpoms knows/);
  });

  it('gives a clear error for a corrupted store file', () => {
    const file = tmpFile();
    writeFileSync(
      file,
      'this is not a database, it is a text file that got in the way'.repeat(100),
    );
    expect(() => new SqliteStore(file)).toThrow(
      /sqlite-store: cannot open the state store .*state.sqlite: file is not a database/,
    );
  });

  it('gives a clear, retryable error when another writer holds the lock too long', async () => {
    const file = tmpFile();
    const s = new SqliteStore(file, { busyTimeoutMs: 100 });
    const blocker = new Database(file);
    blocker.exec('BEGIN IMMEDIATE');
    await expect(
      s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local'),
    ).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(
        /is locked by another writer \(is another reconciler running\?\)/,
      ),
    });
    blocker.exec('ROLLBACK');
    blocker.close();
    expect(await s.submissions()).toEqual([]);
    await s.close();
  });
});
