import type { JobState } from '../../../plan/types.js';

/** A job ClassAd as `condor_q -json` / `condor_history -json` print it (only what gitpoms reads). */
export interface JobAd {
  ClusterId: number;
  ProcId: number;
  JobStatus: number;
  GlobalJobId?: string;
  HoldReason?: string;
  ExitCode?: number;
  ExitBySignal?: boolean;
  ExitSignal?: number;
  RemoteHost?: string;
  LastRemoteHost?: string;
  JobStartDate?: number;
  JobCurrentStartDate?: number;
  CompletionDate?: number;
  EnteredCurrentStatus?: number;
  [attr: string]: unknown;
}

/**
 * `condor_q -json` and `condor_history -json`: a JSON list of ClassAds, or nothing at all
 * when no job matches (HTCondor prints no "[]"). Anything else is an error, never "no jobs".
 */
export function parseJobAds(text: string, what: string): JobAd[] {
  if (text.trim() === '') return [];
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`${what} printed something that is not JSON: ${text.slice(0, 120)}`);
  }
  if (!Array.isArray(v)) throw new Error(`${what} printed JSON that is not a list of job ads`);
  for (const ad of v)
    if (
      typeof ad?.ClusterId !== 'number' ||
      typeof ad?.ProcId !== 'number' ||
      typeof ad?.JobStatus !== 'number'
    )
      throw new Error(`${what} printed a job ad without ClusterId, ProcId and JobStatus`);
  return v as JobAd[];
}

/** The jobsub-style id of a job: CLUSTER.PROC@SCHEDD, the schedd from GlobalJobId (schedd#C.P#time). */
export function jobId(ad: JobAd, schedd: string): string {
  const name = ad.GlobalJobId?.split('#')[0] || schedd;
  return `${ad.ClusterId}.${ad.ProcId}@${name}`;
}

/**
 * HTCondor's JobStatus as gitpoms's states: 1 Idle, 2 Running, 3 Removed, 4 Completed,
 * 5 Held, 6 Transferring output (still running), 7 Suspended (held). A job that ended by a
 * signal has exit code 128+signal.
 */
export function jobState(ad: JobAd): { state: JobState; exitCode?: number; heldReason?: string } {
  const exitCode = ad.ExitBySignal ? 128 + (ad.ExitSignal ?? 0) : ad.ExitCode;
  switch (ad.JobStatus) {
    case 1:
      return { state: 'idle' };
    case 2:
    case 6:
      return { state: 'running' };
    case 3:
      return { state: 'removed', ...(exitCode !== undefined ? { exitCode } : {}) };
    case 4:
      return { state: 'completed', exitCode: exitCode ?? 0 };
    case 5:
      return { state: 'held', heldReason: ad.HoldReason ?? 'held' };
    case 7:
      return { state: 'held', heldReason: 'suspended' };
    default:
      return { state: 'idle' };
  }
}

/** A ClassAd string literal. */
export function classAdString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
