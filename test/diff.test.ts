import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli } from './helpers/capture.js';

let dir: string;
const git = (...args: string[]) =>
  execFileSync('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
  });
const demo = () => path.join(dir, 'campaigns/demo.yaml');

/** Jobs of reco's first submission are running; gen is located. */
const snapshot = {
  records: [
    {
      key: 'demo/gen/mc-1#1',
      campaign: 'demo',
      stage: 'gen',
      slice: 'mc-1',
      attempt: 1,
      launchedAt: '2026-11-25T08:00:00Z',
      status: 'located',
    },
    {
      key: 'demo/reco/mc-1#1',
      campaign: 'demo',
      stage: 'reco',
      slice: 'mc-1',
      attempt: 1,
      launchedAt: '2026-11-25T09:00:00Z',
      status: 'launched',
    },
  ],
  observed: {
    jobs: [
      { id: '101.0@jobsub01.fnal.gov', submission: 'demo/reco/mc-1#1', state: 'running' },
      { id: '101.1@jobsub01.fnal.gov', submission: 'demo/reco/mc-1#1', state: 'running' },
    ],
  },
};

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-diff-'));
  cpSync('test/bad-inputs/base', dir, { recursive: true });
  writeFileSync(path.join(dir, 'observed.json'), JSON.stringify(snapshot));
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = ['--now', '2026-11-25T12:00:00Z'];

describe('gitpoms diff --base', () => {
  it('shows an added stage; with no located parent it launches nothing yet', async () => {
    writeFileSync(
      demo(),
      `${readFileSync(demo(), 'utf8')}    - name: ana\n      dependsOn: [{ stage: reco }]\n`,
    );
    const r = await cli(['diff', '--base', 'HEAD', ...NOW], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  added stage demo/ana');
    expect(r.stdout).toContain('What it would do:\n  nothing different');
  });

  it('says loudly that removing a stage with prune on kills its jobs', async () => {
    const text = readFileSync(demo(), 'utf8')
      .replace('  launchTemplate: lt\n', '  launchTemplate: lt\n  prune: true\n')
      .replace(/ {4}- name: reco\n( {6}.*\n)+/, '');
    writeFileSync(
      path.join(dir, 'gitpoms.yaml'),
      'apiVersion: gitpoms/v1\nkind: Config\nspec:\n  paths: [campaigns]\n  defaults: { pruneMaxFraction: 1 }\n',
    );
    writeFileSync(demo(), text);
    git('commit', '-q', '-am', 'drop reco');
    const r = await cli(
      ['diff', '--base', 'HEAD~1', '--head', 'HEAD', '--observed', 'observed.json', ...NOW],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('WARNING: THIS CHANGE KILLS 2 JOB(S) in 1 submission(s).');
    expect(r.stdout).toContain('  removed stage demo/reco');
    expect(r.stdout).toContain('  changed campaign demo (prune)');
    expect(r.stdout).toContain(
      '  + KILL demo/reco/mc-1#1 (2 jobs): stage reco left campaign demo (prune is on)',
    );
    const md = await cli(
      [
        'diff',
        '--base',
        'HEAD~1',
        '--head',
        'HEAD',
        '--observed',
        'observed.json',
        '--format',
        'markdown',
        ...NOW,
      ],
      { cwd: dir },
    );
    expect(md.stdout).toContain(
      '> [!CAUTION]\n> **This change kills 2 job(s)** in 1 submission(s).',
    );
  });

  it('with prune off, the same removal kills nothing', async () => {
    writeFileSync(
      demo(),
      readFileSync(demo(), 'utf8').replace(/ {4}- name: reco\n( {6}.*\n)+/, ''),
    );
    const r = await cli(['diff', '--base', 'HEAD', '--observed', 'observed.json', ...NOW], {
      cwd: dir,
    });
    expect(r.stdout).not.toContain('KILL');
    expect(r.stdout).toContain('removed stage demo/reco');
  });

  it('reports an invalid head with diagnostics and exit 1', async () => {
    writeFileSync(demo(), readFileSync(demo(), 'utf8').replace('jobType: jt\n', 'jobType: jtt\n'));
    const r = await cli(['diff', '--base', 'HEAD'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('job type "jtt" is not defined for experiment demo');
  });

  it('names a base revision that does not exist', async () => {
    const r = await cli(['diff', '--base', 'no-such-branch'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('"no-such-branch" is not a commit of the git repository');
  });
});
