import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/capture.js';

// An empty state directory keeps these plans independent of any demo run in the working tree.
const NOW = [
  '--now',
  '2026-11-25T12:00:00Z',
  '--data-dir',
  mkdtempSync(path.join(tmpdir(), 'gitpoms-cli-')),
];

describe('gitpoms validate', () => {
  it('prints one line per file and exits 0 on the example campaigns', async () => {
    const r = await cli(['validate', 'campaigns']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'ok   campaigns/dune/protodune.yaml: Campaign mcc9-protodune-beam-cosmics-p1gev, Campaign mcc9-protodune-beam-cosmics-p3gev, Campaign mcc9-protodune-beam-cosmics-p6gev, JobType mcc9-protodune, LaunchTemplate mcc9-protodune',
      'ok   campaigns/sbnd/jobtypes.yaml: JobType sbnd-gen-fife-launch, JobType sbnd-fife-launch',
      'ok   campaigns/sbnd/launch.yaml: LaunchTemplate sbnd-launch',
      'ok   campaigns/sbnd/mcc-test-1.yaml: Campaign sbnd-mcc-test-1',
      'ok   campaigns/sbnd/reco2.yaml: Campaign sbnd-reco2',
      'ok   campaigns/sbnd/services.yaml: Service sam-sbnd, Service dcache-sbnd',
    ]);
  });

  it('includes gitpoms.yaml when validating the whole repository', async () => {
    const r = await cli(['validate']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ok   gitpoms.yaml: Config');
  });

  it('validates a single file given from another directory with --repo', async () => {
    const r = await cli(['validate', 'sbnd/mcc-test-1.yaml', '--repo', '..'], {
      cwd: path.resolve('campaigns'),
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok   campaigns/sbnd/mcc-test-1.yaml: Campaign sbnd-mcc-test-1');
  });

  it('finds the repository from the path, as git does, wherever it is run from', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'gitpoms-elsewhere-'));
    const target = path.relative(elsewhere, path.resolve('campaigns/sbnd'));
    const r = await cli(['validate', target], { cwd: elsewhere });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'ok   campaigns/sbnd/jobtypes.yaml: JobType sbnd-gen-fife-launch, JobType sbnd-fife-launch',
      'ok   campaigns/sbnd/launch.yaml: LaunchTemplate sbnd-launch',
      'ok   campaigns/sbnd/mcc-test-1.yaml: Campaign sbnd-mcc-test-1',
      'ok   campaigns/sbnd/reco2.yaml: Campaign sbnd-reco2',
      'ok   campaigns/sbnd/services.yaml: Service sam-sbnd, Service dcache-sbnd',
    ]);
    // From a subdirectory with no path, the whole repository, gitpoms.yaml included.
    const sub = await cli(['validate'], { cwd: path.resolve('campaigns/sbnd') });
    expect(sub.code).toBe(0);
    expect(sub.stdout.split('\n')[0]).toBe('ok   gitpoms.yaml: Config');
  });

  it('fails with a clear message for a path that does not exist', async () => {
    const r = await cli(['validate', 'no-such-dir']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'no-such-dir:1:1: error path "no-such-dir" does not exist in the repository [path-missing]',
    );
  });
});

describe('gitpoms reconcile --dry-run', () => {
  it('plans the first launches of every campaign and changes nothing', async () => {
    const r = await cli(['reconcile', '--dry-run', ...NOW]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('5 to launch, 0 to hold, 0 to release, 0 to kill.');
    expect(r.stdout).toContain(
      '  + launch       gen/mc-1#1\n      Monte Carlo submission 1 of 2\n      $ fife_launch -c campaigns/sbnd/cfg/sbnd_launch.cfg',
    );
  });

  it('exits 2 with --detailed-exitcode when there are changes, 0 when there are none', async () => {
    expect((await cli(['reconcile', '--dry-run', '--detailed-exitcode', ...NOW])).code).toBe(2);
    const held = await cli(['reconcile', '--dry-run', '--detailed-exitcode', ...NOW], {
      cwd: path.resolve('test/fixtures/held-repo'),
    });
    expect(held.stderr).toBe('');
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('launch(es) waiting: job launches are held globally');
  });

  it('plans from an observed snapshot: marks located, launches the dependent', async () => {
    const r = await cli([
      'reconcile',
      '--dry-run',
      '--format',
      'json',
      '--observed',
      'test/fixtures/sbnd-midway.json',
      ...NOW,
    ]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      version: number;
      actions: Array<{ kind: string; key: string }>;
      counts: Record<string, number>;
    };
    expect(plan.version).toBe(1);
    const sbnd = plan.actions.filter((a) => a.key.startsWith('sbnd'));
    expect(sbnd.map((a) => `${a.kind} ${a.key}`)).toEqual([
      'mark-located sbnd-mcc-test-1/gen/mc-2#1',
      'launch sbnd-mcc-test-1/g4/mc-2#1',
    ]);
  });

  it('writes markdown for a pull-request comment', async () => {
    const r = await cli(['reconcile', '--dry-run', '--format', 'markdown', ...NOW]);
    expect(r.stdout.startsWith('### gitpoms plan')).toBe(true);
    expect(r.stdout).toContain(
      '| + | launch | `sbnd-mcc-test-1/gen/mc-1#1` | Monte Carlo submission 1 of 2 |',
    );
  });

  it('refuses a hypothetical observed state when applying', async () => {
    const r = await cli(['reconcile', '--observed', 'test/fixtures/sbnd-midway.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      '--observed and --now describe a hypothetical state: use them with --dry-run',
    );
  });

  it.each([
    [['--format', 'yaml'], '--format yaml: use one of text, json, markdown'],
    [['--now', 'yesterday'], '--now yesterday: not an ISO 8601 time'],
    [
      ['--observed', 'test/fixtures/missing.json'],
      'test/fixtures/missing.json: cannot read the observed-state file (ENOENT)',
    ],
    [
      ['--observed', 'package.json'],
      'package.json: name: unknown field; a snapshot has "observed" and "records"',
    ],
  ])('rejects %j', async (args, message) => {
    const r = await cli(['reconcile', '--dry-run', ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });
});

describe('flags of the long-running commands', () => {
  it.each([
    [['run', '--interval', 'fast'], '--interval fast: must be a positive number'],
    [['run', '--timeout', '-5'], '--timeout -5: must be a positive number'],
    [['reconcile', '--watch', '--interval', '0'], '--interval 0: must be a positive number'],
  ])('refuses %j before touching any state', async (args, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-flags-'));
    const r = await cli([...args, '--data-dir', path.join(dir, 'state')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(existsSync(path.join(dir, 'state'))).toBe(false);
  });
});

describe('gitpoms graph and schema', () => {
  it('draws the SBND chain in DOT with POMS-style counts from a snapshot', async () => {
    const r = await cli([
      'graph',
      '--format',
      'dot',
      '--campaign',
      'sbnd-mcc-test-1',
      '--observed',
      'test/fixtures/sbnd-midway.json',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('sbnd_mcc_test_1__gen [label="gen\\nSubmissions 2 Located 1"];');
    expect(r.stdout).toContain('sbnd_mcc_test_1__gen -> sbnd_mcc_test_1__g4;');
    expect(r.stdout).toContain('sbnd_mcc_test_1__reco -> sbnd_mcc_test_1__anatree;');
  });

  it("prints a kind's JSON Schema and suggests a kind for a typo", async () => {
    const r = await cli(['schema', 'Campaign']);
    expect(JSON.parse(r.stdout).$id).toBe('https://gitpoms.dev/schemas/v1/campaign.schema.json');
    const bad = await cli(['schema', 'Campain']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown kind "Campain" (did you mean Campaign?)');
  });
});

describe('gitpoms fife-launch', () => {
  const env = { FIFE_UTILS_DIR: '/opt/fife_utils' };
  it('prints the jobsub_submit script', async () => {
    const r = await cli(
      ['fife-launch', '-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg', '--dry_run', '-Osubmit.N=3'],
      { env },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  -N 3  \\\n');
    expect(r.stdout).toContain('  file://///opt/fife_utils/libexec/fife_wrap \\\n');
    expect(r.stdout.endsWith('      -s \\\n')).toBe(true);
  });

  it.each([
    [['-c', 'nope.cfg', '--dry_run'], "fife_launch: error: config file 'nope.cfg' not found"],
    [['--dry_run'], 'Error: missing required -c configfile option'],
    [['-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg'], 'add --dry_run'],
    [
      ['-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg', '--dry_run', 'extra'],
      'extra command line arguments ["extra"]',
    ],
    [
      ['-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg', '--dry_run', '--bogus'],
      'no such option: --bogus',
    ],
  ])('fails clearly for %j', async (args, message) => {
    const r = await cli(['fife-launch', ...args], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
  });

  it('needs FIFE_UTILS_DIR, as fife_launch does', async () => {
    const r = await cli(['fife-launch', '-c', 'campaigns/sbnd/cfg/sbnd_launch.cfg', '--dry_run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('FIFE_UTILS_DIR is not set');
  });
});
