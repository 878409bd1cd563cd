import {
  closeSync,
  existsSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** What the job's supervisor writes about it; it alone writes this file. */
export interface LocalJobState {
  state: 'idle' | 'running' | 'held' | 'completed' | 'removed';
  supervisorPid?: number;
  pid?: number;
  node?: string;
  startedAt?: string;
  endedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
  cpuSeconds?: number;
  wallSeconds?: number;
  reason?: string;
}

/** What the controller asks of a job; it alone writes this file. */
export interface LocalJobControl {
  want: 'hold' | 'release' | 'kill';
  at: string;
}

export interface LocalJobSpecFile {
  id: string;
  label: string;
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  submittedAt: string;
}

/** Write-then-rename, so a reader never sees half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(value));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

export const jobFiles = (dir: string) => ({
  spec: path.join(dir, 'spec.json'),
  state: path.join(dir, 'state.json'),
  control: path.join(dir, 'control.json'),
  lock: path.join(dir, 'supervisor.lock'),
  stdout: path.join(dir, 'stdout'),
  stderr: path.join(dir, 'stderr'),
  work: path.join(dir, 'work'),
});

/**
 * Creates `file` holding our pid, atomically (write a private file, then hard-link it into
 * place), so nobody ever reads a half-made lock. False when it exists already.
 */
export function createPidLock(file: string): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, String(process.pid));
  try {
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** The pid a lock file names, or undefined when it is gone. */
export function lockOwner(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whether a process runs; a zombie (dead, not yet reaped by its parent) does not. */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // Gone between the two looks; without /proc at all, kill(0) is all we know.
    return !existsSync('/proc/self/stat');
  }
}

/** Why a started job whose supervisor died is removed (after its processes were ended). */
export const LOST = 'the local executor lost the job (its supervisor died)';

/**
 * Records a started job whose supervisor is gone, and nothing of it runs, as lost, unless that
 * supervisor saved its outcome after the caller last read the state: it may have finished
 * between that read and the look that found it gone, and an outcome is never overwritten.
 */
export function recordLost(stateFile: string): LocalJobState {
  const now = readJson<LocalJobState>(stateFile) ?? { state: 'idle' };
  if (now.state === 'completed' || now.state === 'removed') return now;
  const lost: LocalJobState = {
    ...now,
    state: 'removed',
    reason: LOST,
    endedAt: new Date().toISOString(),
  };
  writeJsonAtomic(stateFile, lost);
  return lost;
}

/** The variable every process of a local job inherits, naming its job directory. */
const MARKER = 'GITPOMS_LOCAL_JOB';

/** What the supervisor adds to a job's environment so the job's processes can be found. */
export function jobMarker(dir: string): Record<string, string> {
  return { [MARKER]: path.resolve(dir) };
}

/**
 * The live processes of a local job: every process whose environment carries its marker,
 * the job and whatever it started, even one that left the job's process group. Undefined
 * when this system has no /proc to look in.
 */
export function jobProcesses(dir: string): number[] | undefined {
  if (!existsSync('/proc/self/environ')) return undefined;
  const want = `${MARKER}=${path.resolve(dir)}`;
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let env: string;
    try {
      env = readFileSync(`/proc/${name}/environ`, 'latin1');
    } catch {
      continue; // gone, or another user's
    }
    if (env.split('\0').includes(want) && isAlive(Number(name))) out.push(Number(name));
  }
  return out;
}

/**
 * Ends every process of a job whose supervisor died, so a job is never reported lost while
 * it may still run (and declare outputs a recovery will make again). True once none is
 * left; false when some outlived the wait, and the job must still be counted as running.
 * Without /proc, the job's process group is all that can be reached.
 */
export async function endJobProcesses(
  dir: string,
  groupLeader: number | undefined,
  waitMs = 3000,
): Promise<boolean> {
  const until = Date.now() + waitMs;
  for (;;) {
    const pids = jobProcesses(dir);
    const left = pids ?? (groupLeader && groupAlive(groupLeader) ? [-groupLeader] : []);
    if (left.length === 0) return true;
    for (const p of left) {
      try {
        process.kill(p, 'SIGKILL');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function groupAlive(leader: number): boolean {
  try {
    process.kill(-leader, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
