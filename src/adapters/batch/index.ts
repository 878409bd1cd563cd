// The batch backends gitpoms can run on: one entry per backend, each opened the same way.
// The schemas' enums, the CLI's --batch choices and the README's table are checked against it.
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import path from 'node:path';
import { GitpomsError } from '../../errors.js';
import type { Backends } from '../../model/index.js';
import { CondorBatch } from './condor/index.js';
import { LocalExecutor } from './local/index.js';
import type { BatchSpec } from './shim.js';
import { SlurmBatch } from './slurm/index.js';
import type { Batch } from './types.js';

/** What every batch backend is opened with. */
export interface BatchOpenOptions {
  /** The reconciler's data directory; each backend keeps its own files below it. */
  dataDir: string;
  /** gitpoms.yaml's backends section: each backend reads its own settings there. */
  backends: Backends;
  /** Job slots of the local executor (gitpoms.yaml local.slots). */
  slots?: number;
  env: Readonly<Record<string, string | undefined>>;
}

export interface BatchBackend {
  /** What it is, in a phrase (CLI output, docs). */
  title: string;
  open(o: BatchOpenOptions): Batch;
}

/** Jobs of one data directory only: another reconciler's are not ours. */
export function namespaceOf(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 12);
}

/** The jobsub_lite group (gitpoms.yaml, else $GROUP as jobsub_lite itself reads it) and role. */
function jobsubIdentity(o: BatchOpenOptions): { group: string; role?: string } {
  const settings = o.backends.jobsub;
  const group = settings?.group ?? o.env.GROUP;
  if (!group)
    throw new GitpomsError(
      'backend-unavailable',
      'batch backend jobsub needs a group: set backends.jobsub.group in gitpoms.yaml, or GROUP in the environment',
    );
  return { group, ...(settings?.role ? { role: settings.role } : {}) };
}

export const BATCH_BACKENDS = {
  local: {
    title: 'the local executor',
    open: (o) =>
      new LocalExecutor({
        root: path.join(o.dataDir, 'local-batch'),
        slots: o.slots ?? cpus().length,
      }),
  },
  slurm: {
    title: 'Slurm',
    open: (o) =>
      new SlurmBatch({
        root: path.join(o.dataDir, 'slurm'),
        namespace: namespaceOf(o.dataDir),
        finishedFrom: o.backends.slurm?.finishedFrom ?? 'jobcomp',
        jobcompLog: o.backends.slurm?.jobcompLog ?? '/var/log/slurm/jobcomp.log',
      }),
  },
  condor: {
    title: 'HTCondor',
    open: (o) =>
      new CondorBatch({ root: path.join(o.dataDir, 'condor'), namespace: namespaceOf(o.dataDir) }),
  },
  jobsub: {
    title: 'HTCondor through jobsub_lite',
    open: (o) =>
      new CondorBatch({
        root: path.join(o.dataDir, 'jobsub'),
        namespace: namespaceOf(o.dataDir),
        jobsub: jobsubIdentity(o),
      }),
  },
} as const satisfies Record<string, BatchBackend>;

export type BatchBackendName = keyof typeof BATCH_BACKENDS;
export const BATCH_BACKEND_NAMES = Object.keys(BATCH_BACKENDS) as BatchBackendName[];

export function isBatchBackend(name: string): name is BatchBackendName {
  return Object.hasOwn(BATCH_BACKENDS, name);
}

export function openBatch(name: BatchBackendName, o: BatchOpenOptions): Batch {
  return BATCH_BACKENDS[name].open(o);
}

/** A batch system opened again in another process from what its launchEnvironment handed over. */
export function reopenBatch(spec: BatchSpec): Batch {
  switch (spec.kind) {
    case 'local':
      return new LocalExecutor(spec);
    case 'slurm':
      return new SlurmBatch(spec);
    case 'condor':
      return new CondorBatch(spec);
  }
}
