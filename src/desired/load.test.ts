import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsRepo } from '../source/fs-repo.js';
import { formatDiagnostic } from './diagnostic.js';
import { loadSpec } from './index.js';
import { memoryRepo } from './repo.js';

const base = fsRepo('test/bad-inputs/base');
const baseFiles = Object.fromEntries(base.list('.').map((f) => [f, base.read(f)!]));
const demo = baseFiles['campaigns/demo.yaml']!;

function withDemo(edit: (text: string) => string) {
  return loadSpec(memoryRepo({ ...baseFiles, 'campaigns/demo.yaml': edit(demo) }));
}

describe('the example campaigns', () => {
  it('validate without a single diagnostic', () => {
    const r = loadSpec(fsRepo('.'));
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.desired?.campaigns.map((c) => c.name)).toEqual([
      'mcc9-protodune-beam-cosmics-p1gev',
      'mcc9-protodune-beam-cosmics-p3gev',
      'mcc9-protodune-beam-cosmics-p6gev',
      'sbnd-mcc-test-1',
      'sbnd-reco2',
    ]);
    const sbnd = r.desired!.campaigns.find((c) => c.name === 'sbnd-mcc-test-1')!;
    expect(
      sbnd.stages.map((s) => [s.name, s.completion.type, s.completion.percent, s.dataset.kind]),
    ).toEqual([
      ['gen', 'complete', 100, 'none'],
      ['g4', 'located', 95, 'fromParent'],
      ['detsim', 'located', 95, 'fromParent'],
      ['reco', 'located', 95, 'fromParent'],
      ['anatree', 'located', 95, 'fromParent'],
    ]);
  });

  it('carry a yaml-language-server schema line for every document, naming the schema of its kind', () => {
    const repo = fsRepo('.');
    const files = ['gitpoms.yaml', ...repo.list('campaigns').filter((f) => f.endsWith('.yaml'))];
    for (const f of files) {
      const docs = readFileSync(f, 'utf8').split(/^---$/m);
      for (const doc of docs) {
        const schema = /^# yaml-language-server: \$schema=(\S+)$/m.exec(doc)?.[1];
        const kind = /^kind: (\w+)$/m.exec(doc)?.[1];
        expect(schema, `${f}: a document without a schema line`).toBeDefined();
        expect(path.basename(schema!), f).toBe(`${kind!.toLowerCase()}.schema.json`);
        expect(
          repo.exists(path.join(path.dirname(f), schema!)),
          `${f}: ${schema} does not exist`,
        ).toBe(true);
      }
    }
  });
});

describe('resolution and warnings', () => {
  it('inherits from the campaign and applies defaults', () => {
    const r = withDemo((t) =>
      t
        .replace('  jobType: jt\n', '  jobType: jt\n  state: held\n')
        .replace('    - name: reco\n', '    - name: reco\n      active: false\n'),
    );
    const [gen, reco] = r.desired!.campaigns[0]!.stages;
    expect(r.desired!.campaigns[0]!.state).toBe('held');
    expect(gen).toMatchObject({
      state: 'held',
      completion: { type: 'located', percent: 95 },
      dataset: { kind: 'none' },
      submissions: 1,
      voRole: 'production',
    });
    expect(reco).toMatchObject({
      state: 'inactive',
      dataset: { kind: 'fromParent' },
      dependsOn: [{ campaign: 'demo', stage: 'gen', filePatterns: ['%.root'] }],
    });
  });

  it('merges overrides: job type, then campaign, then stage', () => {
    const r = withDemo((t) =>
      t
        .replace(
          '  outputFilePatterns: ["%.root"]\n',
          '  outputFilePatterns: ["%.root"]\n  definitionParameters: { overrides: { submit.N: 1, global.basename: jt } }\n',
        )
        .replace('  jobType: jt\n', '  jobType: jt\n  overrides: { submit.N: 5 }\n'),
    );
    expect(r.desired!.campaigns[0]!.stages[1]!.overrides).toEqual([
      ['submit.N', '5'],
      ['global.basename', 'reco'],
    ]);
  });

  it('warns about an override of a key the config does not use when a close one exists (POMS\'s "global.fcfile")', () => {
    const r = withDemo((t) => t.replace('global.fclfile: gen.fcl', 'global.fcfile: gen.fcl'));
    expect(r.desired).toBeDefined();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'campaigns/demo.yaml:22:20: warning spec.stages[0].overrides["global.fcfile"]: override "global.fcfile" sets "fcfile", which [global] of campaigns/cfg/launch.cfg does not use (did you mean "global.fclfile"?) [override-unknown-key]',
    ]);
  });

  it('warns about settings of a backend gitpoms.yaml does not select: nothing would read them', () => {
    const config = (backends: string) => `${baseFiles['gitpoms.yaml']!}  backends:\n${backends}`;
    const load = (backends: string) =>
      loadSpec(memoryRepo({ ...baseFiles, 'gitpoms.yaml': config(backends) }));
    const unused = load('    postgres: { schema: sbnd }\n    slurm: { finishedFrom: sacct }\n');
    expect(unused.desired).toBeDefined();
    expect(unused.diagnostics.map(formatDiagnostic)).toEqual([
      'gitpoms.yaml:6:15: warning spec.backends.postgres: backends.postgres is not used: backends.store is not postgres (select the backend, or remove backends.postgres) [backend-settings-unused]',
      'gitpoms.yaml:7:12: warning spec.backends.slurm: backends.slurm is not used: backends.batch does not name slurm (select the backend, or remove backends.slurm) [backend-settings-unused]',
    ]);
    const used = load(
      '    store: postgres\n    postgres: { schema: sbnd }\n    batch: [local, slurm]\n    slurm: {}\n',
    );
    expect(used.diagnostics.map(formatDiagnostic)).toEqual([]);
  });

  it('warns when a stage waits for parents but reads another dataset', () => {
    const r = withDemo((t) =>
      t.replace(
        '      dependsOn: [{ stage: gen }]\n',
        '      dependsOn: [{ stage: gen }]\n      dataset: sbnd_calib_files\n',
      ),
    );
    expect(r.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual([
      'warning dependency-not-consumed',
    ]);
    expect(r.desired!.campaigns[0]!.stages[1]!.dataset).toEqual({
      kind: 'definition',
      name: 'sbnd_calib_files',
    });
  });

  it('locates errors in later documents of a multi-document file', () => {
    const r = withDemo(
      (t) =>
        `${t}---\napiVersion: gitpoms/v1\nkind: Service\nmetadata: { name: s, experiment: demo }\nspec:\n  probe: { http: ftp://x }\n`,
    );
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'campaigns/demo.yaml:31:18: error spec.probe.http: the string "ftp://x" does not have the required form: an http:// or https:// URL, fetched with GET [schema-pattern]',
    ]);
  });
});

describe('the time zone of a new split in local time', () => {
  it('comes from gitpoms.yaml, so the plan does not depend on the machine', () => {
    const raw = `    - name: raw\n      dataset: sbnd_raw\n      split: new(window=1d,localtime=true)\n      overrides: { global.fclfile: gen.fcl }\n`;
    const r = loadSpec(
      memoryRepo({
        ...baseFiles,
        'gitpoms.yaml': `${baseFiles['gitpoms.yaml']!}  timeZone: America/Chicago\n`,
        'campaigns/demo.yaml': demo.replace('  stages:\n', `  stages:\n${raw}`),
      }),
    );
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(r.desired!.campaigns[0]!.stages.find((s) => s.name === 'raw')!.split).toMatchObject({
      type: 'new',
      localtime: true,
      timeZone: 'America/Chicago',
    });
  });
});

describe('a gitpoms.yaml that is not a file', () => {
  it('is an error, not a repository without configuration', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-config-dir-'));
    try {
      for (const [f, text] of Object.entries(baseFiles)) {
        if (f === 'gitpoms.yaml') continue;
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), text);
      }
      mkdirSync(path.join(dir, 'gitpoms.yaml'));
      const r = loadSpec(fsRepo(dir));
      expect(r.desired).toBeUndefined();
      expect(r.diagnostics.map(formatDiagnostic)).toContainEqual(
        expect.stringMatching(
          /^gitpoms\.yaml.*gitpoms\.yaml is not a file that can be read \(a directory\?\)/,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
