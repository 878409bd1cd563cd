import type { Batch } from '../adapters/batch/types.js';
import type { Catalog } from '../adapters/catalog/types.js';
import { AdapterError } from '../errors.js';
import type { Backends } from '../model/index.js';
import { wrapAsyncMethods } from '../wrap-async.js';

/** How long a call to a batch system, a catalog or a launch may take (gitpoms.yaml backends.deadlines). */
export const DEADLINE_DEFAULTS = { batchSeconds: 120, catalogSeconds: 60, launchSeconds: 600 };

export type Deadlines = typeof DEADLINE_DEFAULTS;

export function deadlinesOf(backends: Backends | undefined): Deadlines {
  return { ...DEADLINE_DEFAULTS, ...backends?.deadlines };
}

/** A backend call that did not answer in time: a failure to observe or to act, never an empty answer. */
export class DeadlineError extends AdapterError {
  readonly call: string;
  constructor(backend: string, call: string, seconds: number, setting: keyof Deadlines) {
    super(
      backend,
      `${call} did not answer within ${seconds} s (backends.deadlines.${setting} in gitpoms.yaml)`,
      { retryable: true, code: 'deadline-missed' },
    );
    this.call = call;
  }
}

/** `p`, or the error `late()` makes when it has not settled within `ms`. */
export function settleWithin<T>(p: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const missed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms);
  });
  return Promise.race([p, missed]).finally(() => clearTimeout(timer));
}

/**
 * `target` with each async method raced against its deadline. The call itself goes on (each
 * adapter's commands and requests have timeouts of their own, so it ends); its late answer
 * is dropped. `close` has none: it runs at shutdown, when nothing waits on a pass.
 */
function withDeadlines<T extends object>(
  backend: string,
  target: T,
  deadlineOf: (call: string) => { seconds: number; setting: keyof Deadlines },
): T {
  return wrapAsyncMethods(
    target,
    (call, out) => {
      const { seconds, setting } = deadlineOf(call);
      return settleWithin(
        out,
        seconds * 1000,
        () => new DeadlineError(backend, call, seconds, setting),
      );
    },
    ['close'],
  );
}

/** A batch backend whose calls have deadlines: submit the launch's, every other the batch's. */
export function batchWithDeadlines(batch: Batch, d: Deadlines): Batch {
  return withDeadlines(`batch ${batch.name}`, batch, (call) =>
    call === 'submit'
      ? { seconds: d.launchSeconds, setting: 'launchSeconds' }
      : { seconds: d.batchSeconds, setting: 'batchSeconds' },
  );
}

export function catalogWithDeadlines(catalog: Catalog, d: Deadlines): Catalog {
  return withDeadlines(`catalog ${catalog.name}`, catalog, () => ({
    seconds: d.catalogSeconds,
    setting: 'catalogSeconds',
  }));
}
