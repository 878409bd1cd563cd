// CLI start: what an operator waits for before a command does anything, against a bare
// `node -e 0` started the same way, interleaved so load on the machine hits both alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { writeScaleRepo } from './scale.mjs';
import { median } from './timing.mjs';

function wall(argv, cwd) {
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return performance.now() - t;
}

const bin = fileURLToPath(import.meta.resolve('../bin/gitpoms.js'));

/** Each case's median wall time against its baseline's, the two run in turn. */
function interleaved(c, baselineArgv, reps) {
  const subject = [];
  const baseline = [];
  for (let i = 0; i < reps; i++) {
    subject.push(wall(c.argv, c.cwd));
    baseline.push(wall(baselineArgv, c.cwd));
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
}

/**
 * The CI check of a big repository, whole process (start, load, validation, secret scan,
 * the plan, the output): `validate` and `reconcile --dry-run` on `copies` campaign files vs
 * a process that only reads and YAML-parses the same files.
 */
export async function cliBigRepo(copies = 2000, reps = 5) {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-bigrepo-'));
  try {
    writeScaleRepo(dir, copies);
    const parse = [fileURLToPath(import.meta.resolve('./parse-yaml.mjs')), dir];
    return [
      { what: 'validate', argv: [bin, 'validate'] },
      { what: 'reconcile --dry-run', argv: [bin, 'reconcile', '--dry-run'] },
    ].map((c) =>
      interleaved(
        {
          name: `CLI: gitpoms ${c.what} of ${copies} campaign files, whole process with the secret scan, vs a process reading and YAML-parsing them`,
          argv: c.argv,
          cwd: dir,
          max: 3,
        },
        parse,
        reps,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function cliStart(reps = 9) {
  const cases = [
    { name: 'CLI start: gitpoms --version vs node -e 0', argv: [bin, '--version'], max: 3 },
    {
      name: 'CLI start: gitpoms validate of one file vs node -e 0',
      argv: [bin, 'validate', 'campaigns/demo.yaml'],
      cwd: 'test/bad-inputs/base',
      max: 4,
    },
  ];
  return cases.map((c) => interleaved(c, ['-e', '0'], reps));
}
