import type { Batch } from '../../src/adapters/batch/types.js';

/** `real`, with the calls `over` gives taken instead (a failing or stalling submit). */
export function wrapBatch(real: Batch, over: Partial<Batch>): Batch {
  return {
    name: real.name,
    submit: (req) => real.submit(req),
    observe: () => real.observe(),
    hold: (ids) => real.hold(ids),
    release: (ids) => real.release(ids),
    kill: (ids) => real.kill(ids),
    logs: (id) => real.logs(id),
    launchEnvironment: (label) => real.launchEnvironment(label),
    ...(real.noteLaunchOutput
      ? { noteLaunchOutput: (out: string) => real.noteLaunchOutput!(out) }
      : {}),
    close: () => real.close(),
    ...over,
  };
}
