import type { JobState } from '../../../model/index.js';

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
 * `condor_q -json` and `condor_history -json`: a JSON list of ClassAds per schedd queried, or
 * nothing at all when no job matches (HTCondor prints no "[]"). jobsub_q runs condor_q once
 * per schedd and prints their lists one after another. Anything else is an error, never
 * "no jobs".
 */
export function parseJobAds(text: string, what: string): JobAd[] {
  const ads: unknown[] = [];
  for (const chunk of topLevelValues(text)) {
    let v: unknown;
    try {
      v = JSON.parse(chunk);
    } catch {
      throw new Error(`${what} printed something that is not JSON: ${chunk.slice(0, 120)}`);
    }
    if (!Array.isArray(v)) throw new Error(`${what} printed JSON that is not a list of job ads`);
    ads.push(...v);
  }
  for (const ad of ads as Partial<JobAd>[])
    if (
      typeof ad?.ClusterId !== 'number' ||
      typeof ad?.ProcId !== 'number' ||
      typeof ad?.JobStatus !== 'number'
    )
      throw new Error(`${what} printed a job ad without ClusterId, ProcId and JobStatus`);
  return ads as JobAd[];
}

/** Splits text into its top-level JSON values (`[…]\n[…]`); text outside brackets is one chunk of its own. */
function topLevelValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 0 && /\s/.test(c)) continue;
    if (depth === 0 && start < 0) start = i;
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    if (depth === 0 && start >= 0 && (c === ']' || c === '}' || !/[[{]/.test(text[start]!))) {
      // A stray token outside any list: take the rest of its line, so the error shows it.
      const end = c === ']' || c === '}' ? i + 1 : text.indexOf('\n', i) + 1 || text.length;
      out.push(text.slice(start, end));
      start = -1;
      i = end - 1;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
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

/**
 * The cluster and schedd of a jobsub_submit, from the line jobsub_lite prints after
 * condor_submit succeeded: "Use job id 12345.0@jobsub01.fnal.gov to retrieve output".
 * jobsub_submit exits 0 even when condor_submit failed; then there is no such line.
 */
export function parseJobsubSubmit(stdout: string): { cluster: string; schedd: string } | undefined {
  return jobsubSubmissions(stdout)[0];
}

/** Every submission a script's jobsub_submit calls printed. */
export function jobsubSubmissions(stdout: string): Array<{ cluster: string; schedd: string }> {
  return [...stdout.matchAll(/Use job id (\d+)\.0@([\w.-]+) to retrieve output/g)].map((m) => ({
    cluster: m[1]!,
    schedd: m[2]!,
  }));
}

/**
 * What a jobsub_lite command said went wrong, if anything: it passes the condor command's
 * stderr through and exits 0 regardless ("-- Failed to fetch ads from: …", "Error: …").
 */
export function complaint(stderr: string): string | undefined {
  const bad = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /fail|error|unable|cannot|denied|refused|timed out|not found/i.test(l));
  return bad.length ? bad.slice(0, 3).join(' | ') : undefined;
}
