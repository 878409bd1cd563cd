import { fsRepo } from '../../src/source/fs-repo.js';
import { loadSpec } from '../../src/desired/index.js';
import type { DesiredState, Observed } from '../../src/model/index.js';

/** The example campaigns of this repository, resolved. */
export function exampleDesired(): DesiredState {
  const r = loadSpec(fsRepo(process.cwd()));
  if (!r.desired) throw new Error(`campaigns/ does not validate: ${JSON.stringify(r.diagnostics)}`);
  return r.desired;
}

export function emptyObserved(over: Partial<Observed> = {}): Observed {
  return { jobs: [], outputs: {}, recoveryFiles: {}, splits: {}, services: {}, ...over };
}
