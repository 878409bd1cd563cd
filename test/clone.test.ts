import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cli } from './helpers/capture.js';

const made: string[] = [];
afterEach(() => {
  while (made.length) rmSync(made.pop()!, { recursive: true, force: true });
});

/** A copy of the project's example repository. */
function exampleRepo(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-clone-'));
  made.push(root);
  for (const p of ['gitpoms.yaml', 'campaigns', 'schemas', 'demo'])
    cpSync(p, path.join(root, p), { recursive: true });
  return root;
}

describe('gitpoms clone', () => {
  it('copies a campaign next to the old one with its comments and layout, and the edits asked for', async () => {
    const root = exampleRepo();
    const r = await cli(
      [
        'clone',
        'sbnd-mcc-test-1',
        'sbnd-mcc-test-2',
        '--set',
        'gen.overrides.global.fclfile=prodgenie_nu_cryostat.fcl',
        '--set',
        '*.softwareVersion=v06_49_00',
        '--set',
        'spec.state=held',
        '--set',
        'g4.dependsOn[0].filePatterns=["%gen%.root"]',
        '--set',
        'gen.submissions=3',
      ],
      { cwd: root },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      'wrote campaigns/sbnd/sbnd-mcc-test-2.yaml: campaign sbnd-mcc-test-2, a copy of sbnd-mcc-test-1\n',
    );
    const old = readFileSync(path.join(root, 'campaigns/sbnd/mcc-test-1.yaml'), 'utf8');
    const text = readFileSync(path.join(root, 'campaigns/sbnd/sbnd-mcc-test-2.yaml'), 'utf8');
    // Every comment line of the original is there, and the flow style of the dependencies
    // (yaml writes flow collections without padding).
    for (const line of old.split('\n').filter((l) => l.startsWith('#')))
      expect(text).toContain(line);
    expect(text).toContain('dependsOn: [{stage: gen, filePatterns: ["%gen%.root"]}]');
    expect(text).toContain('dependsOn: [{stage: g4, filePatterns: ["%.root"]}]');
    const a = parse(old) as Campaign;
    const b = parse(text) as Campaign;
    expect(b.metadata).toEqual({ ...a.metadata, name: 'sbnd-mcc-test-2' });
    expect(b.spec.state).toBe('held');
    expect(b.spec.stages.map((s) => s.softwareVersion)).toEqual(
      a.spec.stages.map(() => 'v06_49_00'),
    );
    expect(b.spec.stages[0]!.overrides).toEqual({
      ...a.spec.stages[0]!.overrides,
      'global.fclfile': 'prodgenie_nu_cryostat.fcl',
    });
    expect(b.spec.stages[0]!.submissions).toBe(3);
    // What was not edited is as it was.
    expect(b.spec.stages.slice(2).map((s) => ({ ...s, softwareVersion: undefined }))).toEqual(
      a.spec.stages.slice(2).map((s) => ({ ...s, softwareVersion: undefined })),
    );
    expect((await cli(['validate'], { cwd: root })).code).toBe(0);
    const status = await cli(['reconcile', '--dry-run', '--format', 'json'], { cwd: root });
    const launches = (
      JSON.parse(status.stdout) as { actions: Array<{ kind: string; campaign: string }> }
    ).actions.filter((x) => x.kind === 'launch' && x.campaign === 'sbnd-mcc-test-2');
    // Held: the copy plans no launch until it is made active.
    expect(launches).toEqual([]);
  });

  it('copies one campaign out of a file of several documents', async () => {
    const root = exampleRepo();
    const r = await cli(
      [
        'clone',
        'mcc9-protodune-beam-cosmics-p1gev',
        'pd-p2gev',
        '--set',
        'reco.arguments=[ProtoDUNE_beam_2GeV.xml, reco]',
      ],
      { cwd: root },
    );
    expect(r.code, r.stderr).toBe(0);
    const docs = readFileSync(path.join(root, 'campaigns/dune/pd-p2gev.yaml'), 'utf8');
    expect(docs).not.toContain('kind: JobType');
    expect(docs).toMatch(
      /^# yaml-language-server: \$schema=\.\.\/\.\.\/schemas\/campaign\.schema\.json\n/,
    );
    expect((parse(docs) as Campaign).spec.stages[1]!.arguments).toEqual([
      'ProtoDUNE_beam_2GeV.xml',
      'reco',
    ]);
  });

  it.each([
    [['clone', 'nope', 'x'], /no campaign nope; the campaigns are /],
    [['clone', 'sbnd-mcc-test-1', 'sbnd-reco2'], /a campaign sbnd-reco2 exists already/],
    [
      ['clone', 'sbnd-mcc-test-1', 'x', '--set', 'recoo.dataset=y'],
      /campaign sbnd-mcc-test-1 has no stage recoo; its stages are gen, g4/,
    ],
    [['clone', 'sbnd-mcc-test-1', 'x', '--set', 'gen=3'], /--set gen=3: write STAGE.FIELD=VALUE/],
    [
      ['clone', 'sbnd-mcc-test-1', 'x', '--set', 'gen.colour=red'],
      /sbnd\/x\.yaml:\d+:\d+: error spec\.stages\[0\]\.colour: unknown field "colour"/,
    ],
    [['clone', 'sbnd-mcc-test-1', 'x y'], /error metadata\.name/],
  ])('refuses %j, naming what is wrong, and writes nothing', async (argv, message) => {
    const root = exampleRepo();
    const before = readFileSync(path.join(root, 'campaigns/sbnd/mcc-test-1.yaml'), 'utf8');
    const r = await cli(argv, { cwd: root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(existsSync(path.join(root, 'campaigns/sbnd/x.yaml'))).toBe(false);
    expect(readFileSync(path.join(root, 'campaigns/sbnd/mcc-test-1.yaml'), 'utf8')).toBe(before);
  });
});

interface Campaign {
  metadata: Record<string, unknown>;
  spec: {
    state?: string;
    stages: Array<{
      name: string;
      softwareVersion?: string;
      overrides?: Record<string, unknown>;
      submissions?: number;
      arguments?: string[];
    }>;
  };
}
