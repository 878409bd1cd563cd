import type { JobState } from '../../../model/index.js';

/** One Slurm job or array task, whichever `squeue --json` shape it came from. */
export interface SlurmRecord {
  /** "ARRAY_TASK" for array tasks, the numeric id otherwise. */
  id: string;
  /** Slurm's own numeric id of the record (array tasks get one each once they start). */
  jobId: number;
  state: string;
  reason: string;
  comment: string;
  exit?: { code: number; signal: number };
  node?: string;
  start?: number;
  end?: number;
  /** CPU seconds the job used, user and system, all its steps (sacct's TotalCPU). */
  cpu?: number;
  /** Wall seconds it ran (sacct's Elapsed). */
  elapsed?: number;
}

/** Slurm ≥ 23.02 writes numbers as {set, infinite, number}; 22.05 writes them plain. */
function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'number' in v) {
    const o = v as { set?: boolean; infinite?: boolean; number: number };
    return o.set === false || o.infinite ? undefined : o.number;
  }
  return undefined;
}

/** 22.05: exit_code is the raw wait status; ≥ 23.02: {status, return_code, signal: {id}}. */
function exitOf(v: unknown): { code: number; signal: number } | undefined {
  const raw = num(v);
  if (raw !== undefined) return { code: raw >> 8, signal: raw & 0x7f };
  if (v && typeof v === 'object') {
    const o = v as { return_code?: unknown; signal?: { id?: unknown } };
    return { code: num(o.return_code) ?? 0, signal: num(o.signal?.id) ?? 0 };
  }
  return undefined;
}

/** Array task ids of a pending remainder such as "0-9", "3,5-7" or "0-99%4". */
export function expandTaskString(s: string): number[] {
  const out: number[] = [];
  for (const part of s.replace(/%\d+$/, '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    const step = m[3] === undefined ? 1 : Number(m[3]);
    for (let i = lo; i <= hi; i += step) out.push(i);
  }
  return out;
}

/**
 * `squeue --json`: every job slurmctld knows (22.05 ignores -j and -t with --json), in the
 * 22.05 shape (job_state a string) or the ≥ 23.02 one (an array; numbers as objects). A
 * pending array remainder is expanded into one record per task.
 */
export function parseSqueueJson(text: string): SlurmRecord[] {
  let doc: { jobs?: unknown; errors?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    throw new Error(`squeue --json printed something that is not JSON: ${text.slice(0, 120)}`);
  }
  if (!Array.isArray(doc.jobs)) throw new Error('squeue --json printed no "jobs" list');
  const errors = Array.isArray(doc.errors) ? doc.errors : [];
  if (errors.length)
    throw new Error(`squeue reported errors: ${JSON.stringify(errors).slice(0, 300)}`);
  const out: SlurmRecord[] = [];
  for (const j of doc.jobs as Array<Record<string, unknown>>) {
    const stateField = j.job_state;
    const state = String(Array.isArray(stateField) ? (stateField[0] ?? 'UNKNOWN') : stateField);
    const jobId = num(j.job_id)!;
    const arrayJobId = num(j.array_job_id) ?? 0;
    const taskId = num(j.array_task_id);
    const base = {
      jobId,
      state,
      reason: String(j.state_reason ?? ''),
      comment: String(j.comment ?? ''),
    };
    const exit = exitOf(j.exit_code);
    const node = String(j.nodes ?? j.batch_host ?? '') || undefined;
    const start = num(j.start_time) || undefined;
    const end = num(j.end_time) || undefined;
    const extra = {
      ...(exit ? { exit } : {}),
      ...(node ? { node } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    };
    if (arrayJobId && taskId === undefined) {
      // The tasks not yet started, as one record.
      for (const t of expandTaskString(String(j.array_task_string ?? '')))
        out.push({ ...base, id: `${arrayJobId}_${t}` });
    } else if (arrayJobId) {
      out.push({ ...base, id: `${arrayJobId}_${taskId}`, ...extra });
    } else {
      out.push({ ...base, id: String(jobId), ...extra });
    }
  }
  return out;
}

/** A Slurm time stamp ("2026-11-25T14:38:54", this machine's zone: UTC) in seconds; "Unknown", "None": undefined. */
function slurmTime(v: string | undefined): number | undefined {
  const t = v ? Date.parse(`${v}Z`) : NaN;
  return Number.isNaN(t) ? undefined : t / 1000;
}

/** The fields gitpoms asks sacct for, in this order. */
export const SACCT_FORMAT = 'JobID,JobIDRaw,State,ExitCode,Start,End,NodeList,TotalCPU,Elapsed';

/**
 * A Slurm duration in seconds: "[DD-[HH:]]MM:SS[.mmm]" (TotalCPU: "00:01.234", "1-02:03:04")
 * or "[DD-]HH:MM:SS" (Elapsed); anything else (empty, "INVALID") undefined.
 */
export function slurmDuration(v: string | undefined): number | undefined {
  const m = v ? /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(v.trim()) : null;
  if (!m) return undefined;
  const [, d, h, min, sec] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min) * 60 + Number(sec);
}

/**
 * `sacct -P -n --format=SACCT_FORMAT` ('|'-separated, no header): jobs slurmdbd recorded,
 * finished or not, each followed by its steps ("14.batch"), which are skipped. Not `-X`: with
 * it sacct prints the allocations alone and their TotalCPU as 0; without it, a job's line
 * carries the CPU time of all its steps. A pending array remainder ("6_[0-3]") is expanded
 * into one record per task; "CANCELLED by 0" is CANCELLED; ExitCode is "code:signal". sacct
 * has no hold reason: a held job reads as pending.
 */
export function parseSacct(text: string): SlurmRecord[] {
  const out: SlurmRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split('|');
    // A step ("14.batch", "14.extern", "14.0"): its job's line has it all.
    if (f.length === 9 && /^\d+\.\w+$/.test(f[1]!)) continue;
    if (f.length !== 9 || !/^\d+$/.test(f[1]!))
      throw new Error(`sacct printed a line that is not ${SACCT_FORMAT}: ${line.slice(0, 120)}`);
    const [jobIdField, raw, state, exit, start, end, node, totalCpu, elapsed] = f as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const [code = 0, signal = 0] = exit.split(':').map(Number);
    const word = state.split(' ')[0]!;
    // Accounting keeps exit codes modulo 128 (137 reads 9, 128 would read 0): a failed job
    // that shows 0:0 has lost its code, and is not read as a success.
    const lost = word === 'FAILED' && code === 0 && signal === 0;
    const base = {
      jobId: Number(raw),
      state: word,
      reason: '',
      comment: '',
      ...(lost ? {} : { exit: { code, signal } }),
      ...(node && node !== 'None assigned' ? { node } : {}),
      ...(slurmTime(start) ? { start: slurmTime(start)! } : {}),
      ...(slurmTime(end) ? { end: slurmTime(end)! } : {}),
      ...(slurmDuration(totalCpu) !== undefined ? { cpu: slurmDuration(totalCpu)! } : {}),
      ...(slurmDuration(elapsed) !== undefined ? { elapsed: slurmDuration(elapsed)! } : {}),
    };
    const m = /^(\d+)_\[(.+)\]$/.exec(jobIdField);
    if (m) for (const t of expandTaskString(m[2]!)) out.push({ ...base, id: `${m[1]}_${t}` });
    else out.push({ ...base, id: jobIdField });
  }
  return out;
}

/** jobcomp/filetxt lines (finished jobs, kept after slurmctld forgets them): Key=Value tokens. */
export function parseJobcomp(text: string): SlurmRecord[] {
  const out: SlurmRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('JobId=')) continue;
    const kv = new Map<string, string>();
    for (const m of line.matchAll(/(\w+)=(\S*)/g)) kv.set(m[1]!, m[2]!);
    const jobId = Number(kv.get('JobId'));
    const arr = kv.get('ArrayJobId');
    const task = kv.get('ArrayTaskId');
    const [code, signal] = (kv.get('ExitCode') ?? '0:0').split(':').map(Number);
    const node = kv.get('NodeList');
    const start = slurmTime(kv.get('StartTime'));
    const end = slurmTime(kv.get('EndTime'));
    out.push({
      id: arr && task && arr !== '0' ? `${arr}_${task}` : String(jobId),
      jobId,
      state: kv.get('JobState') ?? 'UNKNOWN',
      reason: '',
      comment: '',
      exit: { code: code ?? 0, signal: signal ?? 0 },
      ...(node && node !== '(null)' ? { node } : {}),
      ...(start ? { start } : {}),
      ...(end ? { end } : {}),
    });
  }
  return out;
}

const RUNNING = ['RUNNING', 'COMPLETING', 'CONFIGURING', 'RESIZING', 'SIGNALING', 'STAGE_OUT'];
const ENDED = [
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
];

/**
 * Slurm states as gitpoms's Idle / Running / Held / Completed / Removed. A job that ended
 * (even by the time limit or a node failure) is completed with its exit code, 128+signal for
 * a signal; a cancelled job is removed.
 */
export function jobState(r: SlurmRecord): {
  state: JobState;
  exitCode?: number;
  heldReason?: string;
} {
  if (r.state === 'PENDING' || r.state === 'REQUEUED' || r.state === 'REQUEUE_HOLD') {
    if (/Held/.test(r.reason) || r.state === 'REQUEUE_HOLD')
      return { state: 'held', heldReason: r.reason };
    return { state: 'idle' };
  }
  if (r.state === 'SUSPENDED') return { state: 'held', heldReason: 'suspended' };
  if (RUNNING.includes(r.state)) return { state: 'running' };
  const exitCode = r.exit ? (r.exit.signal ? 128 + r.exit.signal : r.exit.code) : undefined;
  if (r.state === 'CANCELLED')
    return { state: 'removed', ...(exitCode !== undefined ? { exitCode } : {}) };
  if (ENDED.includes(r.state))
    return { state: 'completed', exitCode: exitCode ?? (r.state === 'COMPLETED' ? 0 : 1) };
  return { state: 'idle' };
}
