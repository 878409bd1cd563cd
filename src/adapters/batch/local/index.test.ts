import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { batchContract, waitFor } from '../../../../test/contracts/batch.js';
import { distEntry } from '../../../paths.js';
import { jobProcesses, LOST, readJson, recordLost, writeJsonAtomic } from './files.js';
import type { LocalJobState } from './files.js';
import { LocalExecutor } from './index.js';

const fresh = (slots = 4) =>
  new LocalExecutor({ root: mkdtempSync(path.join(tmpdir(), 'local-batch-')), slots });
const sh = (script: string) => ({
  argv: ['/bin/sh', '-c', script],
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
});

/** A running job whose supervisor (and the job itself) was killed with SIGKILL. */
async function startThenKillSupervisor() {
  const root = mkdtempSync(path.join(tmpdir(), 'local-batch-'));
  const b = new LocalExecutor({ root, slots: 2 });
  const count = path.join(root, 'count');
  const [id] = await b.submit({ label: 'k', jobs: [sh(`echo started >> ${count}; sleep 30`)] });
  await waitFor(b, 'k', (js) => js[0]?.state === 'running');
  const dir = path.join(root, 'jobs', id!.split('.')[0]!, '0');
  // The job counts as running from just before it is spawned; its pid is written just after.
  const st = await vi.waitFor(() => {
    const s = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      supervisorPid: number;
      pid?: number;
    };
    if (s.pid === undefined) throw new Error('no pid yet');
    return s as { supervisorPid: number; pid: number };
  });
  // On a busy machine the pid is written before the job's first line: wait for that line, or
  // the kill can land before the job ran at all.
  await vi.waitFor(() => expect(readFileSync(count, 'utf8')).toBe('started\n'), {
    timeout: 10_000,
  });
  process.kill(st.supervisorPid, 'SIGKILL');
  process.kill(-st.pid, 'SIGKILL');
  return { root, b, count, dir };
}

batchContract('local', async () => fresh());

describe('local executor', () => {
  it('runs no more jobs at once than it has slots; the rest wait idle', async () => {
    const b = fresh(2);
    await b.submit({ label: 'k', jobs: Array.from({ length: 5 }, () => sh('sleep 0.8')) });
    await waitFor(b, 'k', (js) => js.filter((j) => j.state === 'running').length === 2);
    const now = await b.observe();
    expect(now.filter((j) => j.state === 'running')).toHaveLength(2);
    expect(now.filter((j) => j.state === 'idle')).toHaveLength(3);
    await waitFor(b, 'k', (js) => js.every((j) => j.state === 'completed'));
  });

  it('holds a job that has not started, and it starts only when released', async () => {
    const b = fresh(1);
    const [first, second] = await b.submit({ label: 'k', jobs: [sh('sleep 0.5'), sh('echo ran')] });
    await b.hold([second!]);
    await waitFor(b, 'k', (js) => js.find((j) => j.id === first)?.state === 'completed');
    await new Promise((r) => setTimeout(r, 300));
    expect((await b.observe()).find((j) => j.id === second)?.state).toBe('held');
    await b.release([second!]);
    await waitFor(b, 'k', (js) => js.every((j) => j.state === 'completed'));
    expect((await b.logs(second!)).stdout).toBe('ran\n');
  });

  it('keeps running jobs through a restart of the reconciler and never reruns them', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'local-batch-'));
    const first = new LocalExecutor({ root, slots: 2 });
    const count = path.join(root, 'count');
    const [id] = await first.submit({ label: 'k', jobs: [sh(`echo once >> ${count}; sleep 0.5`)] });
    await waitFor(first, 'k', (js) => js[0]?.state === 'running');
    const second = new LocalExecutor({ root, slots: 2 });
    const [job] = await waitFor(second, 'k', (js) => js[0]?.state === 'completed');
    expect(job).toMatchObject({ id, exitCode: 0 });
    await second.observe();
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(count, 'utf8')).toBe('once\n');
  });

  it('reports a started job whose supervisor died as removed, and does not rerun it', async () => {
    const { b, count } = await startThenKillSupervisor();
    const [job] = await waitFor(b, 'k', (js) => js[0]?.state === 'removed');
    expect(job!.state).toBe('removed');
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(count, 'utf8')).toBe('started\n');
  });

  it('a job whose supervisor died is ended before it is reported lost: it declares nothing after', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'local-batch-'));
    const b = new LocalExecutor({ root, slots: 2 });
    const count = path.join(root, 'count');
    // A child that leaves the job's process group, as a daemonizing tool would.
    const escape = `setsid sh -c 'sleep 1.5; echo escaped >> ${count}' &`;
    const [id] = await b.submit({
      label: 'k',
      jobs: [sh(`echo started >> ${count}; ${escape} sleep 1.5; echo late >> ${count}`)],
    });
    await waitFor(b, 'k', (js) => js[0]?.state === 'running');
    // Running is written at the spawn; the job's first line may come later on a busy machine.
    await vi.waitFor(() => expect(readFileSync(count, 'utf8')).toBe('started\n'), {
      timeout: 10_000,
    });
    const dir = path.join(root, 'jobs', id!.split('.')[0]!, '0');
    const st = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      supervisorPid: number;
    };
    process.kill(st.supervisorPid, 'SIGKILL');
    const [job] = await waitFor(b, 'k', (js) => js[0]?.state === 'removed');
    expect(job!.state).toBe('removed');
    expect(jobProcesses(dir)).toEqual([]);
    await new Promise((r) => setTimeout(r, 2000));
    expect(readFileSync(count, 'utf8')).toBe('started\n');
  });

  it('a job that finished after it was last seen running keeps its outcome when found orphaned', () => {
    // The reader saw "running"; the supervisor then saved the outcome, freed its lock and exited.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'local-batch-')), 'state.json');
    const done: LocalJobState = { state: 'completed', exitCode: 0, startedAt: 'a', endedAt: 'b' };
    writeJsonAtomic(file, done);
    expect(recordLost(file)).toEqual(done);
    expect(readJson(file)).toEqual(done);
    // Still "running" on disk: nothing saved an outcome, so it is lost.
    writeJsonAtomic(file, { state: 'running', startedAt: 'a', pid: 1 });
    expect(recordLost(file)).toMatchObject({ state: 'removed', reason: LOST, pid: 1 });
    expect(readJson(file)).toMatchObject({ state: 'removed', reason: LOST });
  });

  it('a supervisor that starts late, after the job ran under another that died, does not rerun it', async () => {
    const { root, count, dir } = await startThenKillSupervisor();
    // As a supervisor spawned during a busy start-up would, arriving only now.
    const late = spawnSync(process.execPath, [
      distEntry('bin/local-supervisor.js'),
      dir,
      path.join(root, 'slots'),
      '2',
    ]);
    expect(late.status).toBe(0);
    const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as {
      state: string;
      reason: string;
    };
    expect(state).toMatchObject({
      state: 'removed',
      reason: 'the local executor lost the job (its supervisor died)',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(count, 'utf8')).toBe('started\n');
  });

  it('measures CPU and wall time of the job', async () => {
    const b = fresh();
    // Burns 0.3 s of its own CPU however loaded the machine is.
    const burn = 'while (process.cpuUsage().user + process.cpuUsage().system < 300000) {}';
    await b.submit({ label: 'k', jobs: [{ argv: [process.execPath, '-e', burn], env: {} }] });
    const [job] = await waitFor(b, 'k', (js) => js[0]?.state === 'completed');
    expect(job!.cpuSeconds).toBeGreaterThanOrEqual(0.29);
    expect(job!.wallSeconds).toBeGreaterThanOrEqual(job!.cpuSeconds! - 0.05);
  });
});
