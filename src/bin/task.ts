import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobSpec } from '../adapters/batch/types.js';

/**
 * One task of a Slurm job array or an HTCondor cluster: runs the argument vector of its task file (no shell), with
 * its environment and working directory; Slurm has already sent stdout and stderr to the
 * task's log files. Exits as the program did (127 when it cannot start, 128+N on signal N).
 */
const dir = process.argv[2]!;
// The task index: HTCondor passes $(Process) as an argument, Slurm sets SLURM_ARRAY_TASK_ID.
const task = process.argv[3] ?? process.env.SLURM_ARRAY_TASK_ID ?? '0';
const spec = JSON.parse(readFileSync(path.join(dir, `task-${task}.json`), 'utf8')) as JobSpec;
// Each task in a directory of its own, as on a worker node.
const cwd = spec.cwd ?? path.join(dir, `work-${task}`);
mkdirSync(cwd, { recursive: true });
const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
  env: spec.env,
  cwd,
  stdio: 'inherit',
});
child.on('error', (e) => {
  process.stderr.write(`cannot run ${spec.argv[0]}: ${e.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  process.exit(
    code ??
      128 + (signal ? (({ SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1) : 1),
  );
});
