import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { git, GitFixture } from '../../test/helpers/git-fixture.js';
import { loadSpec } from '../desired/index.js';
import { GitSource } from './git-source.js';

let fx: GitFixture;
let root: string;
let remote: string;
let work: string;
const demo = () => path.join(work, 'campaigns/demo.yaml');
const commit = (message: string) => fx.commit(message);

beforeEach(() => {
  fx = new GitFixture({ '.': 'test/bad-inputs/base' }, 'gitpoms-source-');
  ({ root, remote, work } = fx);
});
afterEach(() => fx.cleanup());

const source = () =>
  new GitSource({ repository: remote, branch: 'main', dir: path.join(root, 'clone') });

describe('GitSource', () => {
  it('clones once and follows new commits of the branch', async () => {
    const s = source();
    const first = await s.sync();
    expect(first.revision).toBe(git(work, 'rev-parse', 'HEAD'));
    expect(loadSpec(first.repo).desired?.campaigns[0]?.stages.map((x) => x.name)).toEqual([
      'gen',
      'reco',
    ]);
    writeFileSync(
      demo(),
      `${readFileSync(demo(), 'utf8')}    - name: ana\n      dependsOn: [{ stage: reco }]\n`,
    );
    const head = commit('add ana');
    git(work, 'push', '-q', 'origin', 'main');
    const second = await s.sync();
    expect(second.revision).toBe(head);
    expect(loadSpec(second.repo).desired?.campaigns[0]?.stages.map((x) => x.name)).toEqual([
      'gen',
      'reco',
      'ana',
    ]);
    // The earlier revision stays readable: a caller can keep acting on it.
    expect(loadSpec(first.repo).desired?.campaigns[0]?.stages).toHaveLength(2);
  });

  it('follows a force-pushed branch', async () => {
    const s = source();
    await s.sync();
    writeFileSync(
      demo(),
      readFileSync(demo(), 'utf8')
        .replace('name: reco', 'name: reco2')
        .replace('stage: gen', 'stage: gen'),
    );
    const rewritten =
      (git(work, 'commit', '-q', '-a', '--amend', '-m', 'rewritten'),
      git(work, 'rev-parse', 'HEAD'));
    git(work, 'push', '-q', '--force', 'origin', 'main');
    expect((await s.sync()).revision).toBe(rewritten);
  });

  it('reports a deleted branch, an unreachable remote and a non-repository clearly', async () => {
    const s = source();
    await s.sync();
    git(remote, 'branch', '-q', '-m', 'main', 'renamed');
    await expect(s.sync()).rejects.toThrow(
      /^cannot fetch .*remote\.git \(branch main\): .*couldn't find remote ref/,
    );
    await expect(
      new GitSource({
        repository: path.join(root, 'nowhere.git'),
        branch: 'main',
        dir: path.join(root, 'c2'),
      }).sync(),
    ).rejects.toThrow(/cannot fetch .*nowhere\.git \(branch main\)/);
    await expect(
      new GitSource({
        repository: work + '/campaigns',
        branch: 'main',
        dir: path.join(root, 'c3'),
      }).sync(),
    ).rejects.toMatchObject({
      code: 'git-source',
    });
  });
});
