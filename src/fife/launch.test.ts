import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFifeLaunchArgs } from './argv.js';
import { fifeLaunch, FifeLaunchError, parseWrapHelp, bundledWrapFlags } from './launch.js';
import { urlQuote, expandVars, evalStringExpression } from './python.js';

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const dir = 'src/fife/__fixtures__';
const cases = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) as Case[];
const files = {
  exists: (p: string) => existsSync(p),
  read: (p: string) => readFileSync(p, 'utf8'),
};

function run(c: Case) {
  const a = parseFifeLaunchArgs(c.args);
  return fifeLaunch({
    config: a.config!,
    overrides: a.overrides,
    stages: a.stages,
    argPush: a.argPush,
    argDel: a.argDel,
    fake: a.fake,
    // Node hands a child its environment sorted by name; the recordings saw it that way.
    env: Object.fromEntries(
      Object.entries({ FIFE_UTILS_DIR: '/tmp/fu', USER: 'sbndpro', ...c.env }).sort(([a], [b]) =>
        a < b ? -1 : 1,
      ),
    ),
    files,
  });
}

describe('fife_launch dry-run script, compared with the real fife_launch', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const expected = JSON.parse(readFileSync(`${dir}/expected/${c.name}.json`, 'utf8')) as {
      status: number;
      script: string | null;
    };
    if (expected.status === 0) {
      expect(run(c).script).toBe(expected.script);
    } else {
      expect(() => {
        try {
          parseFifeLaunchArgs(c.args);
        } catch (e) {
          throw new FifeLaunchError('args', (e as Error).message);
        }
        return run(c);
      }).toThrow(FifeLaunchError);
    }
  });
});

describe('fife_launch error messages', () => {
  const msg = (name: string) => {
    try {
      run(cases.find((c) => c.name === name)!);
    } catch (e) {
      return (e as Error).message;
    }
    return 'no error';
  };
  it.each([
    ['missing-config', "config file 'src/fife/__fixtures__/configs/nope.cfg' not found"],
    [
      'bad-missing-section',
      '[stage_gen] jobb_output.add_to_dataset: there is no section [jobb_output]',
    ],
    [
      'bad-interpolation',
      '[global] group: %(experimnt)s refers to "experimnt", which the config does not define',
    ],
    [
      'bad-syntax',
      'lines that are neither [section], key = value nor comments: line 3: "this line has no delimiter"',
    ],
    [
      'bad-submit-expansion',
      '[submit] dataset_definition = %(no_such_dataset)s: the value could not be expanded',
    ],
    ['bad-override', "cannot parse '-Oglobalfclfile': expected -Osection.key=value"],
  ])('%s', (name, text) => {
    expect(msg(name)).toContain(text);
  });
});

describe('python helpers', () => {
  it('quotes as urllib.parse.quote', () => {
    expect(urlQuote('sbndcode v06 -q e14:prof/x~y')).toBe('sbndcode%20v06%20-q%20e14%3Aprof/x~y');
    expect(urlQuote('é')).toBe('%C3%A9');
  });
  it('expands variables as os.path.expandvars', () => {
    expect(expandVars('a/${X}/$Y/$NOPE/${}', { X: '1', Y: '2' })).toBe('a/1/2/$NOPE/${}');
  });
  it('evaluates string literals only', () => {
    expect(evalStringExpression(`'a' + "b"`)).toBe('ab');
    expect(evalStringExpression('os.system("x")')).toBeUndefined();
    expect(evalStringExpression(`'a' +`)).toBeUndefined();
  });
  it('reads fife_wrap --help as fife_launch does', () => {
    const help =
      '  --debug               Turn on debugging\n  -L LIMIT, --limit=LIMIT\n     conflicts with --config\n';
    expect([...parseWrapHelp(help)]).toEqual([
      ['debug', true],
      ['limit', false],
      ['config', true],
    ]);
    expect(bundledWrapFlags().get('add_location')).toBe(true);
    expect(bundledWrapFlags().get('dest')).toBe(false);
  });
});

describe('fife_launch includes', () => {
  const cfg = (own: string) =>
    `[global]\n${own}group = demo\nexperiment = demo\n\n[submit]\nN = 1\n\n[executable]\nname = lar\n`;
  const render = (texts: Record<string, string>) =>
    fifeLaunch({
      config: 'a.cfg',
      env: { FIFE_UTILS_DIR: '/tmp/fu' },
      files: {
        exists: (p) => p.replace(/^\.?\//, '') in texts,
        read: (p) => texts[p.replace(/^\.?\//, '')]!,
      },
    });

  it('reads a file two includes share once (a diamond is no loop)', () => {
    expect(() =>
      render({
        'a.cfg': cfg('includes = b.cfg c.cfg\n'),
        'b.cfg': '[global]\nincludes = d.cfg\nfrom_b = 1\n',
        'c.cfg': '[global]\nincludes = d.cfg\nfrom_c = 1\n',
        'd.cfg': '[global]\nfrom_d = 1\n',
      }),
    ).not.toThrow();
  });

  it('reports a loop with its chain', () => {
    expect(() =>
      render({
        'a.cfg': cfg('includes = b.cfg\n'),
        'b.cfg': '[global]\nincludes = c.cfg\n',
        'c.cfg': '[global]\nincludes = a.cfg\n',
      }),
    ).toThrow(/config includes loop: a\.cfg -> b\.cfg -> c\.cfg -> a\.cfg/);
  });
});
