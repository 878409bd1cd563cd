import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  it('reads the YAML files of a listing in one go, each exactly as git cat-file gives it alone', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'gitpoms-gitrepo-batch-'));
    try {
      git(d, 'init', '-q', '-b', 'main');
      mkdirSync(path.join(d, 'c'));
      const contents: Record<string, string | Buffer> = {
        'c/a.yaml': 'kind: Campaign\n',
        'c/no-newline.yaml': 'a: 1',
        'c/empty.yaml': '',
        'c/utf8 name é.yaml': 'détecteur: «ν»\n',
        'c/bad-utf8.yaml': Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
        'c/large.yaml': `x: "${'y'.repeat(300_000)}"\n`,
        'c/cfg.cfg': '[global]\n',
      };
      for (const [f, text] of Object.entries(contents)) writeFileSync(path.join(d, f), text);
      git(d, 'add', '-A');
      git(d, '-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-qm', 'files');
      const repo = gitRepo(d, 'HEAD');
      const listed = repo.list('c');
      expect(listed).toEqual(Object.keys(contents).sort());
      for (const f of listed)
        expect(repo.read(f), f).toBe(
          execFileSync('git', ['cat-file', 'blob', `HEAD:${f}`], { cwd: d }).toString('utf8'),
        );
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
