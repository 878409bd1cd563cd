import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { distEntry } from '../../paths.js';
import { shellQuote } from './command.js';

/**
 * Which batch system gitpoms's own jobsub_submit submits to, and how to open it: handed to
 * a submission script in GITPOMS_BATCH_SPEC, since the script runs as a process of its own.
 */
export type BatchSpec =
  | { kind: 'local'; root: string; slots: number }
  | { kind: 'slurm'; root: string; namespace: string; partition?: string }
  | { kind: 'condor'; root: string; namespace: string };

/**
 * A submission script's environment for a batch system without jobsub_lite: gitpoms's
 * jobsub_submit first on PATH (written into `binDir`), and the spec it submits with. The
 * script's jobs then carry the submission key like any other.
 */
export function jobsubShim(
  binDir: string,
  spec: BatchSpec,
): { path: string[]; env: Record<string, string> } {
  mkdirSync(binDir, { recursive: true });
  const entry = distEntry('bin/jobsub-submit.js');
  writeFileSync(
    path.join(binDir, 'jobsub_submit'),
    `#!/bin/sh\nexec ${shellQuote(process.execPath)} ${shellQuote(entry)} "$@"\n`,
    { mode: 0o755 },
  );
  return { path: [binDir], env: { GITPOMS_BATCH_SPEC: JSON.stringify(spec) } };
}
