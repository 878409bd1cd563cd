// CLI start: what an operator waits for before a command does anything, against a bare
// `node -e 0` started the same way, interleaved so load on the machine hits both alike.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './timing.mjs';

function wall(argv, cwd) {
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return performance.now() - t;
}

export async function cliStart(reps = 9) {
  const bin = fileURLToPath(import.meta.resolve('../bin/gitpoms.js'));
  const cases = [
    { name: 'CLI start: gitpoms --version vs node -e 0', argv: [bin, '--version'], max: 3 },
    {
      name: 'CLI start: gitpoms validate of one file vs node -e 0',
      argv: [bin, 'validate', 'campaigns/demo.yaml'],
      cwd: 'test/bad-inputs/base',
      max: 4,
    },
  ];
  return cases.map((c) => {
    const subject = [];
    const baseline = [];
    for (let i = 0; i < reps; i++) {
      subject.push(wall(c.argv, c.cwd));
      baseline.push(wall(['-e', '0'], c.cwd));
    }
    const subjectMs = median(subject);
    const baselineMs = median(baseline);
    return {
      name: c.name,
      subjectMs,
      baselineMs,
      ratio: subjectMs / baselineMs,
      goal: { max: c.max },
    };
  });
}
