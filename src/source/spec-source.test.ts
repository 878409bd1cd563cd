import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GitFixture } from '../../test/helpers/git-fixture.js';
import { loadSpec } from '../desired/index.js';
import { GitSpecSource, WorkingTreeSource } from './spec-source.js';

const cleanup: Array<() => void> = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

describe('WorkingTreeSource', () => {
  it('calls back once for a burst of edits, and not for the data directory or .git', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-wt-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(path.join(root, 'campaigns'));
    mkdirSync(path.join(root, '.gitpoms-data'));
    mkdirSync(path.join(root, '.git'));
    const src = new WorkingTreeSource(root, {
      ignore: [path.join(root, '.gitpoms-data')],
      debounceMs: 100,
    });
    // As the reconciler does: load the newest revision, then watch.
    loadSpec((await src.latest()).repo);
    const calls: string[] = [];
    const stop = await src.watch((why) => calls.push(why));
    try {
      writeFileSync(path.join(root, '.gitpoms-data', 'state.sqlite'), 'x');
      writeFileSync(path.join(root, '.git', 'index'), 'x');
      await new Promise((r) => setTimeout(r, 400));
      expect(calls).toEqual([]);
      writeFileSync(path.join(root, 'campaigns', 'a.yaml'), 'a');
      writeFileSync(path.join(root, 'campaigns', 'b.yaml'), 'b');
      await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(calls).toHaveLength(1);
    } finally {
      await stop();
    }
  });
});

describe('WorkingTreeSource: what starts a pass', () => {
  it('a file the load read, or a new declaration; not a log written beside them', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-wt-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(path.join(root, 'campaigns', 'cfg'), { recursive: true });
    writeFileSync(
      path.join(root, 'gitpoms.yaml'),
      'apiVersion: gitpoms/v1\nkind: Config\nspec: {}\n',
    );
    writeFileSync(path.join(root, 'campaigns', 'a.yaml'), 'a: 1\n');
    const src = new WorkingTreeSource(root, { ignore: [], debounceMs: 50 });
    loadSpec((await src.latest()).repo);
    const calls: string[] = [];
    const stop = await src.watch((why) => calls.push(why));
    try {
      for (let i = 0; i < 5; i++) {
        writeFileSync(path.join(root, 'serve.log'), `line ${i}\n`, { flag: 'a' });
        writeFileSync(path.join(root, 'campaigns', 'cfg', 'notes.txt'), `${i}`);
      }
      // Nothing to wait for but time: well past the debounce, no call came.
      await new Promise((r) => setTimeout(r, 400));
      expect(calls).toEqual([]);
      writeFileSync(path.join(root, 'campaigns', 'new.yaml'), 'b: 1\n');
      await vi.waitFor(() => expect(calls).toHaveLength(1), { timeout: 5000 });
      expect(calls[0]).toMatch(/campaigns[/\\]new\.yaml$/);
      writeFileSync(path.join(root, 'campaigns', 'a.yaml'), 'a: 2\n');
      await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 5000 });
      expect(calls[1]).toMatch(/campaigns[/\\]a\.yaml$/);
    } finally {
      await stop();
    }
  });
});

describe('GitSpecSource', () => {
  const fixture = () => {
    const fx = new GitFixture({ 'prod/': 'test/bad-inputs/base' }, 'gitpoms-spec-');
    cleanup.push(() => fx.cleanup());
    return fx;
  };

  it('reads the declarations under the sub-path, checks a revision out, and prunes old checkouts', async () => {
    const fx = fixture();
    const src = new GitSpecSource({
      repository: fx.remote,
      branch: 'main',
      path: 'prod',
      dir: path.join(fx.root, 'data'),
    });
    const first = await src.latest();
    expect(loadSpec(first.repo).desired?.campaigns.map((c) => c.name)).toEqual(['demo']);
    const dir1 = await src.checkout(first);
    expect(dir1).toBe(path.join(fx.root, 'data', 'checkouts', first.id, 'prod'));
    expect(readFileSync(path.join(dir1, 'gitpoms.yaml'), 'utf8')).toContain('kind: Config');
    fx.write('prod/campaigns/cfg/launch.cfg', `${fx.read('prod/campaigns/cfg/launch.cfg')}\n`);
    fx.commitAndPush('second');
    const second = await src.latest();
    expect(second.id).not.toBe(first.id);
    await src.checkout(second);
    expect(await src.checkout(second)).toBe(
      path.join(fx.root, 'data', 'checkouts', second.id, 'prod'),
    );
    await src.prune(new Set([second.id]));
    expect(existsSync(path.join(fx.root, 'data', 'checkouts', first.id))).toBe(false);
    expect(existsSync(path.join(fx.root, 'data', 'checkouts', second.id))).toBe(true);
    // The pruned revision is still readable from the clone, and can be checked out again.
    const again = await src.byId(first.id);
    expect(again?.id).toBe(first.id);
    expect(existsSync(await src.checkout(again!))).toBe(true);
    expect(await src.byId('0'.repeat(40))).toBeUndefined();
  });

  it('redoes a checkout a crash left half made', async () => {
    const fx = fixture();
    const src = new GitSpecSource({
      repository: fx.remote,
      branch: 'main',
      dir: path.join(fx.root, 'data'),
    });
    const rev = await src.latest();
    const dir = path.join(fx.root, 'data', 'checkouts', rev.id);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'partial'), '');
    expect(existsSync(path.join(await src.checkout(rev), 'prod', 'gitpoms.yaml'))).toBe(true);
    expect(existsSync(path.join(dir, 'partial'))).toBe(false);
  });

  it('refuses a sub-path that leaves the repository', () => {
    expect(
      () => new GitSpecSource({ repository: '/x', branch: 'main', path: '../etc', dir: '/tmp/x' }),
    ).toThrow('source path ../etc leaves the repository');
  });
});
