import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/**
 * For a test file that runs the condor adapter on the fakes of HTCondor's and jobsub_lite's
 * commands (test/fakes/NAME/bin): the adapter runs them from the reconciler's own PATH.
 * Restores PATH and FAKE_CONDOR_ROOT and removes the temporary directories afterwards.
 */
export function condorFakes(): {
  temp(prefix: string): string;
  /** Puts these fakes first on PATH, with a fresh fake pool. */
  use(names: string[]): void;
} {
  const saved = { PATH: process.env.PATH, FAKE_CONDOR_ROOT: process.env.FAKE_CONDOR_ROOT };
  const temps: string[] = [];
  const temp = (prefix: string) => {
    temps.push(mkdtempSync(path.join(tmpdir(), prefix)));
    return temps.at(-1)!;
  };
  afterAll(() => {
    process.env.PATH = saved.PATH;
    if (saved.FAKE_CONDOR_ROOT === undefined) delete process.env.FAKE_CONDOR_ROOT;
    else process.env.FAKE_CONDOR_ROOT = saved.FAKE_CONDOR_ROOT;
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });
  return {
    temp,
    use(names) {
      const bins = names.map((n) => path.resolve(`test/fakes/${n}/bin`));
      process.env.PATH = [...bins, saved.PATH].join(':');
      process.env.FAKE_CONDOR_ROOT = temp('fake-condor-');
    },
  };
}
