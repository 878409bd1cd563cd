// The crash gauntlet: the SBND demo run while the reconciler is SIGKILLed at random instants
// and restarted, job supervisors are SIGKILLed and jobs are stalled (SIGSTOP, then SIGCONT).
// Trials: GITPOMS_GAUNTLET_TRIALS (default 4; `npm run test:reliability:full` runs 200), each
// from a seed printed with any failure.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { random } from '../../bench/random.mjs';
import { SqliteStore } from '../../src/adapters/store/sqlite/index.js';
import { cli } from '../helpers/capture.js';
import { DEMO_ENV, demoRunArgs, expectDemoComplete } from '../helpers/demo.js';

const TRIALS = Number(process.env.GITPOMS_GAUNTLET_TRIALS ?? 4);
const CAMPAIGN = 'sbnd-mcc-test-1';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function reconciler(dataDir: string) {
  const child = spawn(process.execPath, ['bin/gitpoms.js', ...demoRunArgs(dataDir, 50)], {
    env: { ...DEMO_ENV, DEMO_EVENT_MS: '20' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

const read = (f: string) => {
  try {
    return readFileSync(f, 'latin1');
  } catch {
    return ''; // gone, or another user's
  }
};

/** The local executor's processes for this data directory: supervisors, and every job process. */
function executorProcesses(dataDir: string): { supervisors: number[]; jobs: number[] } {
  const supervisors: number[] = [];
  const jobs: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    const cmdline = read(`/proc/${name}/cmdline`);
    if (cmdline.includes('local-supervisor.js') && cmdline.includes(dataDir))
      supervisors.push(Number(name));
    else if (read(`/proc/${name}/environ`).includes(`GITPOMS_LOCAL_JOB=${dataDir}`))
      jobs.push(Number(name));
  }
  return { supervisors, jobs };
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // it ended meanwhile
  }
};

/** Every ~150 ms, stalls a random job for up to 400 ms; now and then kills a supervisor. */
function chaos(dataDir: string, rnd: () => number, log: string[]) {
  const stopped = new Set<number>();
  let supervisorKills = 0;
  const timer = setInterval(() => {
    const { supervisors, jobs } = executorProcesses(dataDir);
    if (jobs.length && rnd() < 0.4) {
      const pid = jobs[Math.floor(rnd() * jobs.length)]!;
      signal(pid, 'SIGSTOP');
      stopped.add(pid);
      log.push(`stop ${pid}`);
      setTimeout(
        () => {
          signal(pid, 'SIGCONT');
          stopped.delete(pid);
        },
        50 + Math.floor(rnd() * 350),
      );
    }
    if (supervisors.length && supervisorKills < 2 && rnd() < 0.05) {
      const pid = supervisors[Math.floor(rnd() * supervisors.length)]!;
      signal(pid, 'SIGKILL');
      supervisorKills++;
      log.push(`kill supervisor ${pid}`);
    }
  }, 150);
  return () => {
    clearInterval(timer);
    for (const pid of stopped) signal(pid, 'SIGCONT');
  };
}

async function settled(dataDir: string): Promise<{ supervisors: number[]; jobs: number[] }> {
  let left = executorProcesses(dataDir);
  for (let i = 0; i < 50 && left.supervisors.length + left.jobs.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
    left = executorProcesses(dataDir);
  }
  return left;
}

const seeds = Array.from({ length: TRIALS }, (_, i) => 1000 + i);

describe('the crash gauntlet', () => {
  it.each(seeds)(
    'seed %i: reconciler and supervisors killed, jobs stalled: every file once, nothing left',
    async (seed) => {
      const rnd = random(seed);
      const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-crash-'));
      dirs.push(dataDir);
      const log: string[] = [];
      const stopChaos = chaos(dataDir, rnd, log);
      const context = () => `seed ${seed}: ${log.join(', ')}`;
      try {
        for (let i = 0; i < 6; i++) {
          const r = reconciler(dataDir);
          const at = 150 + Math.floor(rnd() * 1500);
          log.push(`kill reconciler at ${at} ms`);
          const timer = setTimeout(() => r.child.kill('SIGKILL'), at);
          const code = await r.exited;
          clearTimeout(timer);
          if (code === 0) break;
          expect(code, `${context()}; ${r.stderr()}`).toBeNull();
        }
        const last = reconciler(dataDir);
        expect(await last.exited, `${context()}; ${last.stderr()}`).toBe(0);
      } finally {
        stopChaos();
      }

      // Every gen file led through each stage to exactly one file: none lost, none twice.
      await expectDemoComplete(dataDir, context());
      const store = new SqliteStore(path.join(dataDir, 'state.sqlite'), { readonly: true });
      try {
        const subs = await store.submissions();
        const slices = subs
          .filter((s) => s.status !== 'launch-failed')
          .map((s) => `${s.campaign}/${s.stage}/${s.slice}`);
        expect(new Set(slices).size, `duplicate submissions; ${context()}`).toBe(slices.length);
        expect(await store.pendingIntents(), context()).toEqual([]);
      } finally {
        await store.close();
      }
      // No process of the executor left running.
      expect(await settled(dataDir), context()).toEqual({ supervisors: [], jobs: [] });
      // And nothing left to do for the campaign.
      const plan = await cli(
        ['reconcile', '--dry-run', '--format', 'json', '--data-dir', dataDir],
        { env: DEMO_ENV },
      );
      expect(plan.code, plan.stderr).toBe(0);
      const actions = (JSON.parse(plan.stdout) as { actions: Array<{ campaign: string }> }).actions;
      expect(
        actions.filter((a) => a.campaign === CAMPAIGN),
        context(),
      ).toEqual([]);
    },
    400_000,
  );
});
