import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from './helpers/capture.js';

const FIXTURES = path.resolve('src/desired/poms/__fixtures__');
const FILES = [
  '--files',
  path.resolve('campaigns/sbnd/cfg'),
  '--files',
  path.resolve('campaigns/dune/scripts'),
];

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** An empty gitpoms repository: the project's gitpoms.yaml and schemas, no campaign. */
function emptyRepo(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-poms-'));
  made.push(root);
  copyFileSync('gitpoms.yaml', path.join(root, 'gitpoms.yaml'));
  mkdirSync(path.join(root, 'campaigns'));
  return root;
}

/** Every file under dir, by relative path, with its text. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const importInto = (root: string, file: string, ...extra: string[]) =>
  cli(['import-poms', file, ...FILES, ...extra], { cwd: root });

describe('gitpoms import-poms and export-poms', () => {
  it.each(['sbnd-mcc-test-1', 'dune-protodune', 'sbnd-reco2'])(
    '%s: import, validate, export and import again give the same YAML',
    async (name) => {
      const a = emptyRepo();
      const first = await importInto(a, path.join(FIXTURES, `${name}.ini`));
      expect(first.code, first.stderr).toBe(0);
      expect(first.stderr).not.toMatch(/error/);
      expect((await cli(['validate'], { cwd: a })).code).toBe(0);
      const exported = await cli(['export-poms', campaignName(a), '--repo', a]);
      expect(exported.code, exported.stderr).toBe(0);
      // The export is read back by the same reader, under the same name.
      const again = mkdtempSync(path.join(tmpdir(), 'gitpoms-poms-ini-'));
      made.push(again);
      writeFileSync(path.join(again, `${name}.ini`), exported.stdout);
      const b = emptyRepo();
      const second = await importInto(b, path.join(again, `${name}.ini`));
      expect(second.code, second.stderr).toBe(0);
      expect(tree(path.join(b, 'campaigns'))).toEqual(tree(path.join(a, 'campaigns')));
    },
  );

  it('maps the SBND campaign of the seed: stages, overrides, dependencies, job types and login setup', async () => {
    const root = emptyRepo();
    const r = await importInto(root, path.join(FIXTURES, 'sbnd-mcc-test-1.ini'));
    expect(r.code, r.stderr).toBe(0);
    const files = tree(path.join(root, 'campaigns/sbnd'));
    expect(Object.keys(files).sort()).toEqual([
      'files/sbnd_launch.cfg',
      'jobtypes/sbnd_fife_launch_test.yaml',
      'jobtypes/sbnd_gen_fife_launch_test.yaml',
      'launch/sbnd_launch_test_1.yaml',
      'sbnd_mcc_test_1.yaml',
    ]);
    expect(files['files/sbnd_launch.cfg']).toBe(
      readFileSync('campaigns/sbnd/cfg/sbnd_launch.cfg', 'utf8'),
    );
    const imported = parse(files['sbnd_mcc_test_1.yaml']!) as { spec: { stages: Stage[] } };
    // The project's own hand-written campaign says the same, stage by stage.
    const ours = parse(readFileSync('campaigns/sbnd/mcc-test-1.yaml', 'utf8')) as {
      spec: { stages: Stage[] };
    };
    expect(imported.spec.stages.map((s) => [s.dataset, s.completion, s.overrides])).toEqual(
      ours.spec.stages.map((s) => [s.dataset, s.completion, s.overrides]),
    );
    expect(imported.spec.stages.map((s) => s.dependsOn?.[0]?.stage)).toEqual([
      undefined,
      'sbnd_gen_test',
      'sbnd_g4_test',
      'sbnd_detsim_test',
      'sbnd_reco_test',
    ]);
    expect(imported).toMatchObject({
      metadata: { name: 'sbnd_mcc_test_1', experiment: 'sbnd' },
      spec: {
        voRole: 'production',
        softwareVersion: 'v06_48_00_MCC',
        launchTemplate: 'sbnd_launch_test_1',
        jobType: 'sbnd_fife_launch_test',
      },
    });
    expect(parse(files['jobtypes/sbnd_fife_launch_test.yaml']!)).toMatchObject({
      spec: {
        launch: ['fife_launch', '-c', 'campaigns/sbnd/files/sbnd_launch.cfg'],
        definitionParameters: { overrides: { 'submit.n_files_per_job': 1 } },
        outputFilePatterns: ['%.root'],
        recoveries: [
          { type: 'consumed_status' },
          { type: 'process_status', overrides: { 'submit.memory': '4000MB' } },
        ],
      },
    });
    expect(parse(files['launch/sbnd_launch_test_1.yaml']!)).toMatchObject({
      spec: {
        host: 'sbndgpvm01.fnal.gov',
        account: 'sbndpro',
        setup: [
          ['setup', 'fife_utils', 'v3_2_0'],
          ['setup', 'poms_client'],
          ['setup', 'poms_jobsub_wrapper'],
        ],
        environment: { X509_USER_PROXY: { value: '/opt/sbndpro/sbndpro.Production.proxy' } },
      },
    });
    // The plan of the imported campaign launches its first stage with the seed's overrides.
    const plan = await cli(['reconcile', '--dry-run', '--format', 'json', '--repo', root]);
    expect(plan.code, plan.stderr).toBe(0);
    const launch = (
      JSON.parse(plan.stdout) as {
        actions: Array<{ kind: string; stage: string; command: string[] }>;
      }
    ).actions.find((a) => a.kind === 'launch' && a.stage === 'sbnd_gen_test');
    expect(launch?.command).toEqual(
      expect.arrayContaining([
        '-Oglobal.fclfile=prodgenie_nu_singleinteraction_cryostat_gsimple-config-v1.fcl',
        '-Osubmit.N=10',
      ]),
    );
  });

  it('fills campaign keywords in, merges the defaults’ overrides first, and reports what it does not keep', async () => {
    const root = emptyRepo();
    const r = await importInto(root, path.join(FIXTURES, 'sbnd-reco2.ini'));
    expect(r.code, r.stderr).toBe(0);
    const c = parse(
      readFileSync(path.join(root, 'campaigns/sbnd/sbnd_reco2_2024.yaml'), 'utf8'),
    ) as {
      spec: { state: string; stages: Stage[] };
    };
    expect(c.spec.state).toBe('inactive');
    // An empty param_overrides takes the defaults' (save_campaign's "or"); merge_overrides puts
    // them first, the stage's own after (launch_jobs).
    expect(c.spec.stages[0]).toMatchObject({
      dataset: 'sbnd_reco1_2024_v1',
      split: 'drainingn(100)',
      overrides: { 'global.basename': 'reco2', 'global.fclfile': 'reco2_sce.fcl' },
    });
    expect(Object.entries(c.spec.stages[1]!.overrides!)).toEqual([
      ['global.basename', 'ana'],
      ['global.fclfile', 'reco2_sce.fcl'],
    ]);
    expect(c.spec.stages[1]).toMatchObject({
      voRole: 'analysis',
      completion: { type: 'located', percent: 90 },
    });
    expect(r.stderr).toMatch(
      /sbnd-reco2\.ini:30:1: warning \[campaign_stage reco2\] test_param_overrides: test_param_overrides are not kept/,
    );
    expect(r.stderr).toMatch(
      /sbnd-reco2\.ini:44:1: warning \[campaign_stage reco2_ana\] stage_type: stage_type test is not kept/,
    );
    const dune = emptyRepo();
    const d = await importInto(dune, path.join(FIXTURES, 'dune-protodune.ini'));
    expect(d.code, d.stderr).toBe(0);
    const dc = parse(
      readFileSync(
        path.join(dune, 'campaigns/dune/mcc9_protodune_beam_cosmics_p1gev.yaml'),
        'utf8',
      ),
    ) as {
      spec: { stages: Stage[] };
    };
    expect(dc.spec.stages.map((s) => s.arguments)).toEqual([
      ['ProtoDUNE_beam_1GeV_cosmics_3ms.xml', 'detsim'],
      ['ProtoDUNE_beam_1GeV_cosmics_3ms.xml', 'reco'],
      ['ProtoDUNE_beam_1GeV_cosmics_3ms.xml', 'mergeana'],
    ]);
    expect(
      parse(readFileSync(path.join(dune, 'campaigns/dune/jobtypes/mcc9_protodune.yaml'), 'utf8')),
    ).toMatchObject({
      spec: {
        launch: ['campaigns/dune/files/mcc9_submit.sh'],
        recoveries: [{ type: 'process_status' }],
      },
    });
    expect(d.stderr).toMatch(
      /warning \[campaign\]: campaign "mcc9 protodune beam cosmics p1gev" is named mcc9_protodune_beam_cosmics_p1gev/,
    );
    expect(d.stderr).toMatch(
      /warning \[node_positions\]: the editor’s node positions are not kept/,
    );
  });

  it('writes nothing over a file with other content without --force, and replaces it with', async () => {
    const root = emptyRepo();
    const target = path.join(root, 'campaigns/sbnd/launch/sbnd_launch_test_1.yaml');
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, '# ours\n');
    const r = await importInto(root, path.join(FIXTURES, 'sbnd-mcc-test-1.ini'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'campaigns/sbnd/launch/sbnd_launch_test_1.yaml exists with other content; --force replaces it',
    );
    expect(Object.keys(tree(path.join(root, 'campaigns')))).toEqual([
      'sbnd/launch/sbnd_launch_test_1.yaml',
    ]);
    const forced = await importInto(root, path.join(FIXTURES, 'sbnd-mcc-test-1.ini'), '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('kind: LaunchTemplate');
    // The same import again changes nothing and needs no --force.
    const again = await importInto(root, path.join(FIXTURES, 'sbnd-mcc-test-1.ini'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('wrote ');
  });

  it.each([
    [
      'not a POMS export',
      '[general]\nname=x\n',
      /:1:1: error not-a-poms-export|no \[campaign\] section/,
    ],
    [
      'an unknown section',
      (t: string) => `${t}\n[campaign_stuff x]\na=1\n`,
      /:\d+:1: error \[campaign_stuff x\]: unknown section/,
    ],
    [
      'an unknown key',
      (t: string) =>
        t.replace(
          'stage_type=regular\noutput_ancestor_depth=1',
          'stage_type=regular\ncolour=red\noutput_ancestor_depth=1',
        ),
      /:23:1: error \[campaign_defaults\] colour: unknown key colour/,
    ],
    [
      'malformed JSON in an override list',
      (t: string) => t.replace('["-Oglobal.basename=", "g4"]]', '["-Oglobal.basename=", "g4"]'),
      /:\d+:1: error \[campaign_stage sbnd_g4_test\] param_overrides: param_overrides is not JSON/,
    ],
    [
      'a dependency on a stage it does not define',
      (t: string) =>
        t.replace('campaign_stage_1 = sbnd_gen_test', 'campaign_stage_1 = sbnd_gen_tset'),
      /error \[dependencies sbnd_g4_test\] campaign_stage_1: sbnd_g4_test depends on sbnd_gen_tset, a stage the export does not define/,
    ],
    [
      'a launch script that needs a shell',
      (t: string) =>
        t.replace(
          'launch_script=fife_launch -c /sbnd/app/home/poms_test/cfg/sbnd_launch.cfg\nparameters=[["-Osubmit',
          'launch_script=cd /tmp && fife_launch -c x.cfg\nparameters=[["-Osubmit',
        ),
      /error \[job_type sbnd_fife_launch_test\] launch_script: launch_script uses the shell operator "&&"/,
    ],
    [
      'a placeholder POMS fills at launch',
      (t: string) => t.replace('"-n15"', '"%(version)s"'),
      /error \[campaign_stage sbnd_gen_test\] param_overrides: %\(version\)s is filled in by POMS at launch time/,
    ],
  ])(
    'refuses %s: names the section and key, exit 1, nothing written',
    async (_what, edit, message) => {
      const src = readFileSync(path.join(FIXTURES, 'sbnd-mcc-test-1.ini'), 'utf8');
      const text = typeof edit === 'string' ? edit : edit(src);
      expect(text).not.toBe(src);
      const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-poms-bad-'));
      made.push(dir);
      writeFileSync(path.join(dir, 'bad.ini'), text);
      const root = emptyRepo();
      const r = await importInto(root, path.join(dir, 'bad.ini'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/nothing was changed/);
      expect(tree(path.join(root, 'campaigns'))).toEqual({});
    },
  );

  it('refuses a fife_launch config it cannot find, and an output outside the declaration paths', async () => {
    const root = emptyRepo();
    const r = await cli(['import-poms', path.join(FIXTURES, 'sbnd-mcc-test-1.ini')], { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'fife_launch config /sbnd/app/home/poms_test/cfg/sbnd_launch.cfg is on the launch host, not in the repository (copy it into a directory and give that directory with --files DIR)',
    );
    const out = await importInto(
      root,
      path.join(FIXTURES, 'sbnd-mcc-test-1.ini'),
      '--out',
      'elsewhere',
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("--out elsewhere: not under gitpoms.yaml's paths (campaigns)");
    expect(tree(root)).toEqual({ 'gitpoms.yaml': readFileSync('gitpoms.yaml', 'utf8') });
  });
});

interface Stage {
  name: string;
  dataset?: string;
  split?: string;
  completion?: unknown;
  overrides?: Record<string, unknown>;
  arguments?: string[];
  voRole?: string;
  dependsOn?: Array<{ stage: string }>;
}

function campaignName(root: string): string {
  const f = Object.entries(tree(path.join(root, 'campaigns'))).find(([p]) =>
    /^[^/]+\/[^/]+\.yaml$/.test(p),
  )!;
  return (parse(f[1]) as { metadata: { name: string } }).metadata.name;
}
