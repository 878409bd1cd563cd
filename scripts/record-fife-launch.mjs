// Records the real fife_launch's dry-run output for src/fife/__fixtures__/cases.json.
// Needs a fife-utils checkout: FIFE_UTILS_DIR=/path/to/fife-utils node scripts/record-fife-launch.mjs
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const utils = process.env.FIFE_UTILS_DIR;
if (!utils) throw new Error('set FIFE_UTILS_DIR to a fife-utils checkout');
const dir = 'src/fife/__fixtures__';
mkdirSync(`${dir}/expected`, { recursive: true });
for (const c of JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8'))) {
  const env = {
    PATH: process.env.PATH,
    HOME: '/tmp',
    USER: 'sbndpro',
    FIFE_UTILS_DIR: utils,
    ...c.env,
  };
  let stdout = '';
  let status = 0;
  try {
    stdout = execFileSync('python3', [`${utils}/bin/fife_launch`, '--dry_run', ...c.args], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    stdout = e.stdout ?? '';
    status = e.status ?? 1;
  }
  const m = /Then I would run: \n-----\n([\s\S]*?)\n-----\n/.exec(stdout);
  const expected = { status, script: status === 0 && m ? m[1] : null };
  writeFileSync(`${dir}/expected/${c.name}.json`, JSON.stringify(expected, null, 1) + '\n');
  console.log(c.name, status);
}
