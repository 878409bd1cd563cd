// fife_launch rendering against the real fife_launch (python3, --dry_run) on the recorded
// cases, when FIFE_UTILS_DIR names a fife-utils checkout: the scripts must be identical.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseFifeLaunchArgs } from '../dist/fife/argv.js';
import { fifeLaunch } from '../dist/fife/launch.js';

const DIR = 'src/fife/__fixtures__';
const files = { exists: (p) => existsSync(p), read: (p) => readFileSync(p, 'utf8') };

export async function fifeRender(env = process.env) {
  const utils = env.FIFE_UTILS_DIR;
  const name =
    'fife_launch render of the recorded configs vs python3 running the real fife_launch --dry_run (per render)';
  if (!utils || !existsSync(`${utils}/bin/fife_launch`))
    return [
      {
        name,
        skipped: 'set FIFE_UTILS_DIR to a fife-utils checkout to compare with the real fife_launch',
      },
    ];
  const cases = JSON.parse(readFileSync(`${DIR}/cases.json`, 'utf8')).filter(
    (c) => JSON.parse(readFileSync(`${DIR}/expected/${c.name}.json`, 'utf8')).status === 0,
  );
  const childEnv = (c) => ({
    PATH: env.PATH,
    HOME: '/tmp',
    USER: 'sbndpro',
    FIFE_UTILS_DIR: utils,
    ...c.env,
  });
  let pythonMs = 0;
  const real = new Map();
  for (const c of cases) {
    const t = performance.now();
    const out = execFileSync('python3', [`${utils}/bin/fife_launch`, '--dry_run', ...c.args], {
      env: childEnv(c),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    pythonMs += performance.now() - t;
    real.set(c.name, /Then I would run: \n-----\n([\s\S]*?)\n-----\n/.exec(out)?.[1]);
  }
  const render = (c) => {
    const a = parseFifeLaunchArgs(c.args);
    const e = Object.fromEntries(Object.entries(childEnv(c)).sort(([x], [y]) => (x < y ? -1 : 1)));
    return fifeLaunch({
      config: a.config,
      overrides: a.overrides,
      stages: a.stages,
      argPush: a.argPush,
      argDel: a.argDel,
      fake: a.fake,
      env: e,
      files,
    }).script;
  };
  const differ = cases.filter((c) => render(c) !== real.get(c.name)).map((c) => c.name);
  if (differ.length)
    throw new Error(`fife_launch renders differ from the real one for: ${differ.join(', ')}`);
  const rounds = 20;
  const t = performance.now();
  for (let i = 0; i < rounds; i++) for (const c of cases) render(c);
  const oursMs = (performance.now() - t) / rounds;
  return [
    {
      name: `${name.replace('recorded configs', `${cases.length} recorded configs (identical scripts)`)}`,
      subjectMs: oursMs / cases.length,
      baselineMs: pythonMs / cases.length,
      ratio: pythonMs / oursMs,
      goal: { min: 20 },
    },
  ];
}
