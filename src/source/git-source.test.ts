import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSpec } from '../spec/index.js';
import { GitSource } from './git-source.js';

let root: string;
let remote: string;
let work: string;
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();
const demo = () => path.join(work, 'campaigns/demo.yaml');
const commit = (message: string) => {
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', message);
  return git(work, 'rev-parse', 'HEAD');
};

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'gitpoms-source-'));
  remote = path.join(root, 'remote.git');
  work = path.join(root, 'work');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  cpSync('test/bad-inputs/base', work, { recursive: true });
  git(work, 'init', '-q', '-b', 'main');
  git(work, 'remote', 'add', 'origin', remote);
  commit('base');
  git(work, 'push', '-q', 'origin', 'main');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

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
