// The reconciler's work queue: campaigns to reconcile, each at most once however often it is
// asked for, with a back-off per campaign after a failed pass, as a Kubernetes controller's
// rate-limited work queue holds object keys. Time comes in as an argument.

export interface QueueOptions {
  /** The first retry's delay after a failed pass (ms); each further failure doubles it. */
  baseDelayMs?: number;
  /** The longest retry delay (ms). */
  maxDelayMs?: number;
}

/** What a worker takes: the campaigns due, and when each was first asked for. */
export interface Batch {
  keys: string[];
  /** Milliseconds each key waited, from its first enqueue to the take. */
  waitedMs: number[];
}

export class WorkQueue {
  /** Keys due now, with the time they were first asked for (kept while they wait). */
  private readonly due = new Map<string, number>();
  /** Keys waiting out a back-off: when they are due and since when they were asked for. */
  private readonly later = new Map<string, { at: number; since: number }>();
  private readonly failures = new Map<string, number>();
  private readonly base: number;
  private readonly max: number;
  /** Retries scheduled since the queue began. */
  retries = 0;

  constructor(opts: QueueOptions = {}) {
    this.base = opts.baseDelayMs ?? 1000;
    this.max = opts.maxDelayMs ?? 300_000;
  }

  /** Asks for `keys` to be reconciled; one already waiting stays one, with its first time. */
  add(keys: Iterable<string>, now: number): void {
    for (const k of keys) {
      if (this.due.has(k)) continue;
      // A key backing off waits its turn: a storm of events does not defeat the back-off.
      if (this.later.has(k)) continue;
      this.due.set(k, now);
    }
  }

  /** Takes every key due at `now`, those whose back-off ended included. */
  take(now: number): Batch {
    for (const [k, l] of this.later)
      if (l.at <= now) {
        this.later.delete(k);
        this.due.set(k, l.since);
      }
    const keys = [...this.due.keys()].sort();
    const waitedMs = keys.map((k) => now - this.due.get(k)!);
    this.due.clear();
    return { keys, waitedMs };
  }

  /** The keys' pass failed: each is due again after its back-off, doubled per failure in a row. */
  failed(keys: Iterable<string>, now: number): void {
    for (const k of keys) {
      const n = (this.failures.get(k) ?? 0) + 1;
      this.failures.set(k, n);
      this.retries++;
      this.due.delete(k);
      this.later.set(k, { at: now + Math.min(this.base * 2 ** (n - 1), this.max), since: now });
    }
  }

  /** The keys' pass succeeded: their back-off starts again from the first delay. */
  succeeded(keys: Iterable<string>): void {
    for (const k of keys) this.failures.delete(k);
  }

  /** Keys due or backing off. */
  get depth(): number {
    return this.due.size + this.later.size;
  }

  /** When the next key is due: now if one is, the end of the soonest back-off, or undefined. */
  nextDue(now: number): number | undefined {
    if (this.due.size) return now;
    let soonest: number | undefined;
    for (const l of this.later.values())
      if (soonest === undefined || l.at < soonest) soonest = l.at;
    return soonest;
  }
}
