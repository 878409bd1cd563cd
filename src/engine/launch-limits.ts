import type { LaunchesInFlight } from '../model/index.js';

/** What a launch counts against: its campaign's experiment and the batch backend it goes to. */
export interface LaunchSlot {
  experiment: string;
  batch: string;
}

/**
 * Launches under way at once, per experiment and per batch backend (gitpoms.yaml's
 * defaults.launchesInFlight). A launch waits until each of its keys has room; one waiting on
 * a full key does not hold back another whose keys have room. Lives as long as the
 * reconciler, so passes and operator launches share the counts.
 */
export class LaunchLimits {
  private readonly inFlight = new Map<string, number>();
  /** Waiting launches by slot, each in arrival order from `head` on: a release looks at each slot's first. */
  private readonly waiting = new Map<string, { starts: Array<() => void>; head: number }>();

  constructor(private readonly limits: LaunchesInFlight = {}) {}

  private limitOf(key: string): number {
    const [kind, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    const n =
      kind === 'experiment'
        ? this.limits.perExperiment
        : this.limits.perBatch?.[name as keyof NonNullable<LaunchesInFlight['perBatch']>];
    return n ?? Infinity;
  }

  private fits(keys: readonly string[]): boolean {
    return keys.every((k) => (this.inFlight.get(k) ?? 0) < this.limitOf(k));
  }

  private take(keys: readonly string[], by: number): void {
    for (const k of keys) {
      const n = (this.inFlight.get(k) ?? 0) + by;
      if (n) this.inFlight.set(k, n);
      else this.inFlight.delete(k);
    }
  }

  /** Launches of this experiment, or to this batch backend, under way now. */
  count(slot: Partial<LaunchSlot>): number {
    const key = slot.experiment ? `experiment:${slot.experiment}` : `batch:${slot.batch}`;
    return this.inFlight.get(key) ?? 0;
  }

  /** Runs `fn` once its slot has room, counting it until it ends. */
  async run<T>(slot: LaunchSlot, fn: () => Promise<T>): Promise<T> {
    const keys = [`experiment:${slot.experiment}`, `batch:${slot.batch}`];
    if (this.fits(keys)) this.take(keys, 1);
    else {
      const id = keys.join('\0');
      const queue = this.waiting.get(id) ?? { starts: [], head: 0 };
      this.waiting.set(id, queue);
      await new Promise<void>((start) => queue.starts.push(start));
    }
    try {
      return await fn();
    } finally {
      this.take(keys, -1);
      this.wake();
    }
  }

  private wake(): void {
    for (const [id, queue] of this.waiting) {
      const keys = id.split('\0');
      while (queue.head < queue.starts.length && this.fits(keys)) {
        this.take(keys, 1);
        queue.starts[queue.head++]!();
      }
      if (queue.head === queue.starts.length) this.waiting.delete(id);
    }
  }
}
