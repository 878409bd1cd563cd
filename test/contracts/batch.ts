import { describe, expect, it } from 'vitest';
import type { Batch, BatchJob } from '../../src/adapters/batch/types.js';

const sh = (script: string) => ({
  argv: ['/bin/sh', '-c', script],
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
});

/** Polls observe() until `done` holds for the jobs of `label`. */
export async function waitFor(
  batch: Batch,
  label: string,
  done: (jobs: BatchJob[]) => boolean,
  timeoutMs = 20_000,
): Promise<BatchJob[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const jobs = (await batch.observe()).filter((j) => j.submission === label);
    if (done(jobs))
      return jobs.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
    if (Date.now() > until) throw new Error(`timed out; jobs of ${label}: ${JSON.stringify(jobs)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const all = (state: string) => (jobs: BatchJob[]) =>
  jobs.length > 0 && jobs.every((j) => j.state === state);

/** What every batch backend must do; `make` returns a backend whose observe() sees only this suite's jobs. */
export function batchContract(name: string, make: () => Promise<Batch>): void {
  describe(`batch contract: ${name}`, () => {
    it("runs a submission's jobs under its label and reports exit codes", async () => {
      const b = await make();
      const ids = await b.submit({
        label: 's/gen/mc-1#1',
        jobs: [sh('echo hello; exit 0'), sh('echo oops >&2; exit 3')],
      });
      expect(ids).toHaveLength(2);
      const jobs = await waitFor(b, 's/gen/mc-1#1', all('completed'));
      expect(jobs.map((j) => [j.state, j.exitCode])).toEqual([
        ['completed', 0],
        ['completed', 3],
      ]);
      // The ids submit names are those observe reports: a pass acts on jobs it launched by them.
      expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort());
      expect((await b.logs(ids[0]!)).stdout).toBe('hello\n');
      expect((await b.logs(ids[1]!)).stderr).toBe('oops\n');
      expect(jobs[0]).toMatchObject({
        node: expect.any(String),
        startedAt: expect.any(String),
        endedAt: expect.any(String),
      });
      await b.close();
    });

    it('a missing executable is a failed job with a log, not a fault', async () => {
      const b = await make();
      const [id] = await b.submit({
        label: 's/gen/mc-2#1',
        jobs: [{ argv: ['/no/such/program'], env: {} }],
      });
      const [job] = await waitFor(b, 's/gen/mc-2#1', all('completed'));
      expect(job!.exitCode).toBe(127);
      expect((await b.logs(id!)).stderr).toContain('/no/such/program');
      await b.close();
    });

    it('holds and releases a running job, and kills one', async () => {
      const b = await make();
      const [run, victim] = await b.submit({
        label: 's/g4/mc-1#1',
        // Long enough to be caught running on a busy cluster, short enough for a test.
        jobs: [sh('sleep 6; exit 0'), sh('sleep 30')],
      });
      await waitFor(b, 's/g4/mc-1#1', all('running'));
      await b.hold([run!]);
      await waitFor(b, 's/g4/mc-1#1', (js) => js.find((j) => j.id === run)?.state === 'held');
      await new Promise((r) => setTimeout(r, 1000));
      expect((await b.observe()).find((j) => j.id === run)?.state).toBe('held');
      await b.release([run!]);
      await b.kill([victim!]);
      const jobs = await waitFor(b, 's/g4/mc-1#1', (js) =>
        js.every((j) => j.state === 'completed' || j.state === 'removed'),
      );
      expect(jobs.map((j) => j.state)).toEqual(['completed', 'removed']);
      expect(jobs[0]!.exitCode).toBe(0);
      await b.close();
    });

    it('refuses to act on a job id it does not know', async () => {
      const b = await make();
      await expect(b.hold(['999999.0@nowhere'])).rejects.toThrow();
      await b.close();
    });
  });
}
