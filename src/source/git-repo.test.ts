import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../test/helpers/git-fixture.js';
import { loadSpec } from '../desired/index.js';
import { formatDiagnostic } from '../desired/diagnostic.js';
import { gitRepo } from './git-repo.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-gitrepo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a git revision as a repository', () => {
  it('reads a committed symbolic link as nothing, and says why', () => {
    git(dir, 'init', '-q', '-b', 'main');
    writeFileSync(
      path.join(dir, 'gitpoms.yaml'),
      'apiVersion: gitpoms/v1\nkind: Config\nspec:\n  paths: [.]\n',
    );
    symlinkSync('/etc/passwd', path.join(dir, 'passwd.yaml'));
    git(dir, 'add', '-A');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-qm', 'link');
    const repo = gitRepo(dir, 'HEAD');
    expect(repo.list('.')).toEqual(['gitpoms.yaml', 'passwd.yaml']);
    expect(repo.read('passwd.yaml')).toBeUndefined();
    expect(repo.problem('passwd.yaml')).toMatch(/^a symbolic link/);
    expect(repo.problem('gitpoms.yaml')).toBeUndefined();
    const diags = loadSpec(repo).diagnostics.map(formatDiagnostic);
    expect(diags).toEqual([
      'passwd.yaml:1:1: error passwd.yaml is a symbolic link; declarations are read from git as they are, never through a link; it is not read [file-refused]',
    ]);
  });
});
