/**
 * Supervises one job of the local executor, detached from the reconciler so jobs outlive it:
 * waits for a slot, runs the job in its own process group, obeys hold/release/kill from
 * control.json (polled every 100 ms), and records the outcome in state.json.
 *   node supervisor.js JOB_DIR SLOTS_DIR SLOTS
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import {
  createPidLock,
  endJobProcesses,
  isAlive,
  jobMarker,
  jobFiles,
  lockOwner,
  readJson,
  recordLost,
  writeJsonAtomic,
  type LocalJobControl,
  type LocalJobSpecFile,
  type LocalJobState,
} from '../adapters/batch/local/files.js';

const POLL_MS = 100;
const KILL_GRACE_MS = 5000;
const CLOCK_TICKS = 100;

const [jobDir, slotsDir, slotsArg] = process.argv.slice(2) as [string, string, string];
const files = jobFiles(jobDir);
const slots = Number(slotsArg);
let state: LocalJobState = { state: 'idle' };

/** The state as last saved (a function, so type narrowing does not outlive a save). */
function stateNow(): LocalJobState['state'] {
  return state.state;
}

function save(next: Partial<LocalJobState>): void {
  state = { ...state, ...next, supervisorPid: process.pid };
  writeJsonAtomic(files.state, state);
}

/** Exclusive ownership of the job: a second supervisor for it exits at once. */
function takeOwnership(): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createPidLock(files.lock)) return true;
    const owner = lockOwner(files.lock);
    if (owner !== undefined && isAlive(owner)) return false;
    try {
      unlinkSync(files.lock);
    } catch {
      // another supervisor removed it first
    }
  }
  return false;
}

let slotFile: string | undefined;

function tryTakeSlot(): boolean {
  mkdirSync(slotsDir, { recursive: true });
  for (let i = 0; i < slots; i++) {
    const f = path.join(slotsDir, `${i}.lock`);
    if (createPidLock(f)) {
      slotFile = f;
      return true;
    }
    // A slot whose holder died is free again.
    const owner = lockOwner(f);
    if (owner !== undefined && !isAlive(owner)) {
      try {
        unlinkSync(f);
      } catch {
        // another supervisor freed it first
      }
    }
  }
  return false;
}

function freeSlot(): void {
  if (!slotFile) return;
  try {
    unlinkSync(slotFile);
  } catch {
    // already gone
  }
  slotFile = undefined;
}

function childCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

function control(): LocalJobControl | undefined {
  try {
    return readJson<LocalJobControl>(files.control);
  } catch {
    return undefined;
  }
}

function finish(): never {
  freeSlot();
  try {
    unlinkSync(files.lock);
  } catch {
    // nothing to free
  }
  process.exit(0);
}

async function main(): Promise<void> {
  if (!takeOwnership()) process.exit(0);
  // Read again now that the job is ours: a supervisor that died may have started it, and a
  // job that started once is never started again.
  state = readJson<LocalJobState>(files.state) ?? { state: 'idle' };
  if (state.state === 'completed' || state.state === 'removed') finish();
  if (state.state === 'running' || state.startedAt) {
    // Lost only once nothing of it runs; otherwise leave it to the next look.
    if (!(await endJobProcesses(jobDir, state.pid))) finish();
    recordLost(files.state);
    finish();
  }
  save({});
  const spec = readJson<LocalJobSpecFile>(files.spec);
  if (!spec) {
    save({ state: 'removed', reason: 'the job has no spec.json' });
    finish();
  }
  const sleep = () => new Promise((r) => setTimeout(r, POLL_MS));

  // Waiting for a slot, or held before it started.
  for (;;) {
    const want = control()?.want;
    if (want === 'kill') {
      save({
        state: 'removed',
        reason: 'killed before it started',
        endedAt: new Date().toISOString(),
      });
      finish();
    }
    if (want === 'hold') {
      if (state.state !== 'held') save({ state: 'held', reason: 'held before it started' });
    } else {
      if (state.state !== 'idle') save({ state: 'idle', reason: undefined });
      if (tryTakeSlot()) break;
    }
    await sleep();
  }

  mkdirSync(files.work, { recursive: true });
  const out = openSync(files.stdout, 'a');
  const err = openSync(files.stderr, 'a');
  const started = Date.now();
  // Started before it is spawned: a supervisor killed in between leaves a job that counts
  // as lost, never one that a new supervisor would start a second time.
  save({ state: 'running', startedAt: new Date(started).toISOString(), reason: undefined });
  // Its own process group, so hold and kill reach everything the job starts; the marker
  // finds whatever escapes the group when this supervisor dies.
  const child = spawn(spec.argv[0]!, spec.argv.slice(1), {
    cwd: spec.cwd ?? files.work,
    env: { ...spec.env, ...jobMarker(jobDir) },
    stdio: ['ignore', out, err],
    detached: true,
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (e) => {
      writeSync(err, `gitpoms local executor: cannot start ${spec.argv[0]}: ${e.message}\n`);
      resolve({ code: 127, signal: null });
    });
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  save({ pid: child.pid, node: hostname() });

  const group = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // the group is gone
    }
  };
  let done: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((r) => (done = r));
  let killing = 0;
  while (!done) {
    const want = control()?.want;
    if (want === 'kill' && !killing) {
      killing = Date.now();
      group('SIGCONT');
      group('SIGTERM');
    } else if (killing && Date.now() - killing > KILL_GRACE_MS) {
      group('SIGKILL');
    } else if (want === 'hold' && stateNow() === 'running') {
      group('SIGSTOP');
      save({ state: 'held', reason: 'held by gitpoms' });
    } else if (want === 'release' && stateNow() === 'held') {
      group('SIGCONT');
      save({ state: 'running', reason: undefined });
    }
    await Promise.race([exited, sleep()]);
  }
  const ended = Date.now();
  const outcome = done as { code: number | null; signal: NodeJS.Signals | null };
  const cpu = childCpuSeconds();
  save({
    state: killing ? 'removed' : 'completed',
    exitCode: outcome.code,
    signal: outcome.signal,
    endedAt: new Date(ended).toISOString(),
    wallSeconds: (ended - started) / 1000,
    ...(cpu !== undefined ? { cpuSeconds: cpu } : {}),
    ...(killing ? { reason: 'killed' } : {}),
  });
  finish();
}

main().catch((e: unknown) => {
  try {
    save({
      state: 'removed',
      reason: `supervisor failed: ${e instanceof Error ? e.message : String(e)}`,
    });
  } finally {
    finish();
  }
});
