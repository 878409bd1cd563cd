import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { GitpomsError } from '../errors.js';
import type { RepoFiles } from '../desired/repo.js';
import { campaignsChanged, specChanges, type SpecChange } from '../desired/spec-changes.js';
import type { Config, DesiredState, ServiceStatus, SubmissionRecord } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import {
  checkSpec,
  formatDiagnostic,
  loadSpec,
  withSecretScan,
  type Diagnostic,
  type SpecResult,
} from '../desired/index.js';
import type { Revision, SpecSource } from '../source/spec-source.js';
import type { ActionResult } from './apply.js';
import type { Deps } from './deps.js';
import { freshMemory, passEvents, type Notifier, type NotifyEvent } from './notify.js';
import type { ServiceProbes } from './probes.js';
import { planFromStore, reconcileOnce } from './pass.js';
import { scopedDesired, withDependents, withOthers } from './scope.js';
import { observeJobs } from './observe.js';
import { LiveJobs } from './live-jobs.js';
import { WorkQueue } from './work-queue.js';
import { unsettled } from './attention.js';
import { EVERY_CAMPAIGN } from '../model/index.js';

export interface ReconcilerOptions {
  /** Milliseconds between passes when nothing triggers one sooner. */
  intervalMs: number;
  /** Milliseconds between fetches of the source when no webhook or watch event arrives. */
  pollMs: number;
  /** Stop after this many passes (default: run until stopped). */
  maxPasses?: number;
  /** A replica plans its others' campaigns for its pages at most this often (ms). Default: 15 s. */
  othersMs?: number;
  /** Longest wait after repeated failures. */
  maxBackoffMs?: number;
  /**
   * Milliseconds between full passes, which plan every campaign (default: every interval).
   * Between them each interval's pass observes the batch system and plans only the campaigns
   * whose jobs changed, those not at rest and those asked for; a trigger plans the campaigns
   * it names (a commit's, an operator's) from the jobs as last observed.
   */
  resyncMs?: number;
  /** The first retry's delay for a campaign whose pass failed (default 1 s; doubles per failure). */
  retryBaseMs?: number;
  /**
   * Shortest time between the starts of two passes triggers ask for (default 250 ms): a storm of
   * pushes or file events makes four passes a second at most, however many there are, while a
   * push after a quiet spell starts its pass at once.
   */
  minTriggerGapMs?: number;
  probes?: ServiceProbes;
  notifier?: Notifier;
  /**
   * Shows and never acts (serve --no-reconcile): each pass plans from the store's records and
   * the acting reconciler's last observation of the jobs, and writes nothing.
   */
  readOnly?: boolean;
  onPass?(report: PassReport): void;
  onInvalid?(revision: string, diagnostics: readonly Diagnostic[]): void;
  onFailure?(pass: number, error: GitpomsError): void;
  onSourceError?(error: GitpomsError): void;
  /** Each fetch of the source: how long it took and whether it could be read. */
  onFetch?(seconds: number, ok: boolean): void;
}

/**
 * full: observed and planned everything; poll: observed everything, planned the campaigns
 * that needed it; keyed: planned the campaigns asked for, from the jobs as last observed.
 */
export type PassKind = 'full' | 'poll' | 'keyed';

export interface PassReport {
  pass: number;
  kind: PassKind;
  /** The campaigns planned, those they depend on included (undefined: all of them). */
  campaigns?: number;
  /** How long each campaign asked for waited in the queue before this pass took it (ms). */
  waitedMs: number[];
  /** Wall time of the pass, from fetching the source to its last write. */
  seconds: number;
  revision: string;
  plan: Plan;
  results: ActionResult[];
  events: NotifyEvent[];
}

/** A new revision applied: from which, when, and what it changed. */
export interface RevisionChange {
  from: string;
  to: string;
  at: string;
  changes: SpecChange[];
}

/** What the reconciler is doing, for `serve`'s status endpoint and logs. */
export interface ReconcilerStatus {
  source: string;
  applied?: { revision: string; at: string };
  latest?: { revision: string; valid: boolean; errors: string[] };
  passes: number;
  failures: number;
  lastError?: string;
  /** Why the source could not be read on the last fetch, while it cannot. */
  sourceError?: string;
  lastPassAt?: string;
  /** When the last pass that observed everything ended: what the pages show is as of then. */
  lastGoodPassAt?: string;
  /** The time between passes when nothing triggers one (the backoff after failures aside). */
  intervalMs?: number;
  /** Campaigns waiting to be planned, and retries of failed ones scheduled so far. */
  queue?: { depth: number; retries: number };
}

interface Good {
  rev: Revision;
  root: string;
  desired: DesiredState;
  /** Its gitpoms.yaml: what serve's access follows (never an invalid revision's). */
  config: Config | undefined;
}

/**
 * Loads a revision and digests every file the load read, so an edit is noticed; `scan` adds
 * the secret scan of those files, which only a revision not seen before needs.
 */
function loadTracked(repo: RepoFiles): {
  spec: SpecResult;
  digest: string;
  scan: () => Promise<SpecResult>;
} {
  const hash = createHash('sha256');
  const texts = new Map<string, string>();
  const spec = loadSpec({
    ...repo,
    label: repo.label,
    list: (dir) => {
      const files = repo.list(dir);
      hash.update(`list ${dir}\0${files.join('\0')}\0`);
      return files;
    },
    read: (p) => {
      const text = repo.read(p);
      hash.update(`read ${p}\0${text ?? '\u0001missing'}\0`);
      if (text !== undefined) texts.set(p, text);
      return text;
    },
  });
  return { spec, digest: hash.digest('hex'), scan: () => withSecretScan(spec, texts) };
}

const errorsOf = (spec: SpecResult) =>
  spec.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);

/**
 * The long-running loop: take the newest revision from the source, validate it, and act on
 * the last valid one. A trigger (webhook, file watch) starts a pass at once; otherwise a pass
 * runs every interval and the source is fetched every poll interval. A failed pass acts on
 * nothing and backs off; an invalid revision is recorded and reported and never acted on.
 * Passes never overlap.
 */
export class Reconciler {
  private good: Good | undefined;
  private latestId: string | undefined;
  private latestFingerprint: string | undefined;
  private fetchDue = 0;
  private sourceFailures = 0;
  private wake: (() => void) | undefined;
  private triggered = false;
  private stopped = false;
  /** When the last pass a trigger began started. */
  private triggeredAt = 0;
  private readonly memory = freshMemory();
  private last: PassReport | undefined;
  /** A replica's view of the campaigns it does not plan (see withOthers). */
  private others: { key: string; at: number; plan: Plan } | undefined;
  private change: RevisionChange | undefined;
  private readonly state: ReconcilerStatus;
  /** Campaigns asked for by events, planned by the next pass that is not a full one. */
  private readonly queue: WorkQueue;
  /** The jobs as the last pass that observed the batch system saw them. */
  private readonly jobs = new LiveJobs();
  /** When the last full pass began; -Infinity before one. */
  private lastFullAt = -Infinity;
  /** A change every campaign reads (the defaults) wants a full pass. */
  private fullWanted = true;
  /** The campaigns not at rest at their last plan: each poll plans them again. */
  private restless = new Set<string>();
  /** Active overrides as last polled (id: campaign): one added or ended names its campaign. */
  private overridesSeen = new Map<number, string>();
  /** What ended the last wait: a trigger or a campaign due, or the interval. */
  private woken: 'interval' | 'event' = 'interval';

  constructor(
    private readonly deps: Deps,
    private readonly source: SpecSource,
    private readonly opts: ReconcilerOptions,
  ) {
    this.state = {
      source: source.description,
      passes: 0,
      failures: 0,
      intervalMs: opts.intervalMs,
    };
    this.queue = new WorkQueue({
      baseDelayMs: opts.retryBaseMs ?? 1000,
      maxDelayMs: opts.maxBackoffMs ?? 300_000,
    });
  }

  /**
   * Starts a pass now. Without `campaigns` it fetches the source first (a push arrived or a
   * file changed) and plans what the new revision changed; with, it plans those campaigns
   * (an operator acted on them).
   */
  trigger(why: string, campaigns?: Iterable<string>): void {
    this.deps.log.info({ why }, 'pass triggered');
    if (campaigns) {
      const list = [...campaigns];
      this.queue.add(
        list.filter((c) => c !== EVERY_CAMPAIGN),
        Date.now(),
      );
      // The launch switch holds every campaign: all are planned again.
      if (list.includes(EVERY_CAMPAIGN)) {
        this.fullWanted = true;
        this.triggered = true;
      }
    } else this.triggered = true;
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  status(): ReconcilerStatus {
    return structuredClone({
      ...this.state,
      queue: { depth: this.queue.depth, retries: this.queue.retries },
    });
  }

  /** The revision passes act on and its desired state; undefined before the first valid one. */
  current(): { revision: string; desired: DesiredState; config?: Config } | undefined {
    const g = this.good;
    return (
      g && { revision: g.rev.id, desired: g.desired, ...(g.config ? { config: g.config } : {}) }
    );
  }

  /** What the last change of the applied revision changed; undefined before one. */
  lastChange(): RevisionChange | undefined {
    return this.change;
  }

  /** What the last pass planned and did (the server shows it without planning again). */
  lastPass(): PassReport | undefined {
    return this.last;
  }

  /**
   * Fetches when due and validates a new revision; returns the revision to act on. A source
   * that cannot be read (git unreachable, branch deleted) is reported and fetched again with
   * backoff while passes go on acting on the last valid revision, as Flux keeps applying the
   * last artifact it has.
   */
  private async refresh(): Promise<Good> {
    const now = this.deps.clock().getTime();
    if (this.triggered || now >= this.fetchDue || !this.good) {
      this.triggered = false;
      const fetchStart = performance.now();
      let fetched = false;
      try {
        const rev = await this.source.latest();
        fetched = true;
        this.opts.onFetch?.((performance.now() - fetchStart) / 1000, true);
        this.sourceFailures = 0;
        delete this.state.sourceError;
        this.fetchDue = now + this.opts.pollMs;
        if (rev.id !== this.latestId || rev.mutable) await this.consider(rev);
      } catch (e) {
        if (!(e instanceof GitpomsError)) throw e;
        if (!fetched) this.opts.onFetch?.((performance.now() - fetchStart) / 1000, false);
        this.sourceFailures++;
        this.state.sourceError = e.message;
        this.fetchDue =
          now +
          Math.min(this.opts.pollMs * 2 ** this.sourceFailures, this.opts.maxBackoffMs ?? 300_000);
        this.deps.log.error(
          { err: e.message },
          'cannot read the source; keeping the last valid revision',
        );
        this.opts.onSourceError?.(e);
        if (!this.good) await this.fallBack();
        if (!this.good) throw e;
      }
    }
    if (!this.good) await this.fallBack();
    if (!this.good)
      throw new GitpomsError(
        'no-valid-revision',
        `no valid revision of ${this.source.description} yet; fix the errors reported and push`,
      );
    return this.good;
  }

  /** Validates a revision seen for the first time (or a working directory whose content changed). */
  private async consider(rev: Revision): Promise<void> {
    const tracked = loadTracked(rev.repo);
    const fingerprint = `${rev.id}:${tracked.digest}`;
    if (fingerprint === this.latestFingerprint) return;
    const spec = await tracked.scan();
    const errors = errorsOf(spec);
    if (!this.opts.readOnly)
      await this.deps.store.recordRevision({ revision: rev.id, valid: !errors.length, errors });
    this.state.latest = { revision: rev.id, valid: !errors.length, errors };
    if (!spec.desired) {
      // Considered only once recorded: a store failing before then makes it seen afresh.
      this.latestId = rev.id;
      this.latestFingerprint = fingerprint;
      this.deps.log.error({ revision: rev.id, errors }, 'revision does not validate; not applied');
      this.opts.onInvalid?.(rev.id, spec.diagnostics);
      // Every replica sees the revision; the one holding the first campaign tells of it.
      if (this.opts.readOnly || this.deps.ownership?.leads() === false) return;
      await this.opts.notifier?.send([
        {
          kind: 'invalid-revision',
          at: this.deps.clock().toISOString(),
          revision: rev.id,
          message: `revision ${rev.id.slice(0, 12)} does not validate (${errors.length} error(s)), still acting on ${this.good?.rev.id.slice(0, 12) ?? 'nothing'}: ${errors[0]}`,
        },
      ]);
      return;
    }
    if (this.good) {
      // What the change touches is planned next; a change of what all read, by a full pass.
      const touched = campaignsChanged(this.good.desired, spec.desired);
      if (touched) this.queue.add(withDependents(spec.desired, touched), Date.now());
      else this.fullWanted = true;
    }
    if (this.good && this.good.rev.id !== rev.id) {
      this.deps.log.info({ from: this.good.rev.id, to: rev.id }, 'new revision');
      this.change = {
        from: this.good.rev.id,
        to: rev.id,
        at: this.deps.clock().toISOString(),
        changes: specChanges(this.good.desired, spec.desired),
      };
    }
    this.good = {
      rev,
      root: await this.source.checkout(rev),
      desired: spec.desired,
      config: spec.docs.config?.value,
    };
    this.latestId = rev.id;
    this.latestFingerprint = fingerprint;
  }

  /** After a restart on an invalid revision: act on the revision applied last, if the source still has it. */
  private async fallBack(): Promise<void> {
    const applied = await this.deps.store.appliedRevision();
    if (!applied || applied.revision === this.latestId) return;
    const rev = await this.source.byId(applied.revision);
    const spec = rev && (await checkSpec(rev.repo));
    if (!rev || !spec?.desired) return;
    this.deps.log.warn({ revision: rev.id }, 'acting on the last applied revision');
    this.good = {
      rev,
      root: await this.source.checkout(rev),
      desired: spec.desired,
      config: spec.docs.config?.value,
    };
  }

  /** Keeps the checkouts of the applied revision and of every submission still running. */
  private async pruneCheckouts(records: readonly SubmissionRecord[]): Promise<void> {
    const keep = new Set<string>([this.good!.rev.id]);
    // The pass's own records: launches it made carry the applied revision, kept above.
    for (const r of records)
      if (r.revision && (r.status === 'launching' || r.status === 'launched')) keep.add(r.revision);
    await this.source.prune(keep);
  }

  /** The kind of pass the loop runs next (a pass called directly is a full one). */
  private nextKind(): PassKind {
    const resync = this.opts.resyncMs ?? this.opts.intervalMs;
    if (this.fullWanted || !this.jobs.primed || performance.now() - this.lastFullAt >= resync)
      return 'full';
    return this.woken === 'interval' ? 'poll' : 'keyed';
  }

  /** Campaigns whose overrides began or ended since the last poll (a CLI writes them unannounced). */
  private async overridesChanged(revision: string | undefined): Promise<string[]> {
    const now = new Map(
      (await this.deps.store.activeOverrides(this.deps.clock(), revision)).map((o) => [
        o.id,
        o.campaign,
      ]),
    );
    const out: string[] = [];
    for (const [id, c] of now) if (!this.overridesSeen.has(id)) out.push(c);
    for (const [id, c] of this.overridesSeen) if (!now.has(id)) out.push(c);
    this.overridesSeen = now;
    if (out.includes(EVERY_CAMPAIGN)) this.fullWanted = true;
    return out.filter((c) => c !== EVERY_CAMPAIGN);
  }

  async pass(n: number, kind: PassKind = 'full'): Promise<PassReport> {
    const started = performance.now();
    const good = await this.refresh();
    const deps = { ...this.deps, repoRoot: good.root, revision: good.rev.revision };
    const services = this.opts.probes ? await this.opts.probes.statuses(good.desired.services) : {};
    if (this.opts.readOnly) return this.showPass(n, started, good, services);
    // A change seen by this pass's fetch that every campaign reads makes it a full one.
    if (this.fullWanted) kind = 'full';
    const own = this.deps.ownership;
    if (own) {
      // Campaigns to own: those desired, and those with records (a removed one is pruned by its owner).
      if (kind !== 'keyed')
        own.setCampaigns([
          ...good.desired.campaigns.map((c) => ({ name: c.name, experiment: c.experiment })),
          ...(await this.deps.store.submissions()).map((s) => s.campaign),
        ]);
      await own.renew();
      // Campaigns it took since the last pass are planned now, not at the next resync.
      this.queue.add(own.gained(), Date.now());
    }
    if (kind === 'poll') {
      const changed = this.jobs.replace(await observeJobs(deps));
      const overrides = await this.overridesChanged(good.rev.revision);
      this.queue.add([...changed, ...this.restless, ...overrides], Date.now());
      if (this.fullWanted) kind = 'full';
    }
    const taken = this.queue.take(Date.now());
    const campaigns = kind === 'full' ? undefined : taken.keys;
    let r;
    try {
      r = await reconcileOnce(deps, good.desired, {
        services,
        cache: this.jobs,
        ...(campaigns ? { campaigns } : {}),
      });
    } catch (e) {
      if (campaigns) this.queue.failed(campaigns, Date.now());
      throw e;
    }
    if (campaigns) this.queue.succeeded(campaigns);
    const shown =
      kind !== 'full'
        ? withOthers(good.desired, r.plan, r.scope!, this.last?.plan)
        : r.scope
          ? await this.withOthers(good, r.plan, r.scope, services)
          : r.plan;
    if (kind === 'full') {
      await this.overridesChanged(good.rev.revision);
      this.lastFullAt = started;
      this.fullWanted = false;
      this.restless = unsettled(good.desired, r.plan);
    } else {
      for (const c of r.scope!) this.restless.delete(c);
      for (const c of unsettled(scopedDesired(good.desired, r.scope), r.plan)) this.restless.add(c);
    }
    // Campaigns a replica that joined should have go to it now, after this pass's actions.
    await own?.handOver();
    await own?.forgetOldWrites();
    await this.deps.store.markApplied(good.rev.id);
    const events = passEvents(
      this.memory,
      good.desired,
      shown,
      r.results,
      r.records,
      good.rev.revision,
    );
    // Replicas each tell of their own campaigns: one message per event, not one per replica.
    await this.opts.notifier?.send(
      own
        ? events.filter((e) => (e.campaign ? own.mayAct(e.campaign, Infinity) : own.leads()))
        : events,
    );
    // Only a full pass has every record: a partial one would prune checkouts still in use.
    if (kind === 'full') await this.pruneCheckouts(r.records);
    this.state.applied = { revision: good.rev.id, at: this.deps.clock().toISOString() };
    this.last = {
      pass: n,
      kind,
      ...(r.scope ? { campaigns: r.scope.size } : {}),
      waitedMs: taken.waitedMs,
      seconds: (performance.now() - started) / 1000,
      revision: good.rev.id,
      plan: shown,
      results: r.results,
      events,
    };
    return this.last;
  }

  /**
   * A replica's plan with its others' campaigns added for its pages and its event memory:
   * planned from the store (their owners' records), again when that view is older than
   * othersMs or the campaigns it holds changed.
   */
  private async withOthers(
    good: Good,
    acting: Plan,
    scope: ReadonlySet<string>,
    services: Record<string, ServiceStatus>,
  ): Promise<Plan> {
    const others = good.desired.campaigns.map((c) => c.name).filter((c) => !scope.has(c));
    const key = `${good.rev.id}\0${others.join('\0')}`;
    const due =
      performance.now() - (this.others?.at ?? -Infinity) >= (this.opts.othersMs ?? 15_000);
    if (!others.length) this.others = undefined;
    else if (due || this.others?.key !== key)
      this.others = {
        key,
        at: performance.now(),
        plan: await this.planFromStore(good, services, others),
      };
    return withOthers(good.desired, acting, scope, this.others?.plan);
  }

  /** The plan of `good` from what the store records (of `only` those campaigns), reading only. */
  private planFromStore(
    good: Good,
    services: Record<string, ServiceStatus>,
    only?: readonly string[],
  ): Promise<Plan> {
    const { store, catalog, clock } = this.deps;
    return planFromStore(store, catalog, good.desired, clock(), good.rev.revision, services, only);
  }

  /** A pass that only reads: the plan the acting reconciler would make, from what it recorded. */
  private async showPass(
    n: number,
    started: number,
    good: Good,
    services: Record<string, ServiceStatus>,
  ): Promise<PassReport> {
    const plan = await this.planFromStore(good, services);
    await this.source.prune(new Set([good.rev.id]));
    this.state.applied = { revision: good.rev.id, at: this.deps.clock().toISOString() };
    this.last = {
      pass: n,
      kind: 'full',
      waitedMs: [],
      seconds: (performance.now() - started) / 1000,
      revision: good.rev.id,
      plan,
      results: [],
      events: [],
    };
    return this.last;
  }

  /** Runs passes until stopped or maxPasses; resolves with the number of passes that failed in a row at the end. */
  async run(): Promise<number> {
    const max = this.opts.maxPasses ?? Infinity;
    for (let n = 1; n <= max && !this.stopped; n++) {
      try {
        const report = await this.pass(n, this.nextKind());
        // A pass from the jobs as last observed says nothing of whether the batch system answers.
        if (report.kind !== 'keyed') {
          this.state.failures = 0;
          delete this.state.lastError;
          this.state.lastGoodPassAt = this.deps.clock().toISOString();
        }
        this.opts.onPass?.(report);
      } catch (e) {
        if (!(e instanceof GitpomsError)) throw e;
        this.state.failures++;
        this.state.lastError = e.message;
        this.deps.log.error({ pass: n, err: e.message }, 'pass failed; nothing was changed');
        this.opts.onFailure?.(n, e);
      }
      this.state.passes = n;
      this.state.lastPassAt = this.deps.clock().toISOString();
      if (n < max && !this.stopped) await this.sleep();
    }
    return this.state.failures;
  }

  /**
   * Waits for the next pass: the interval (or the backoff after failures), cut short by a
   * trigger or a campaign whose retry is due, but a triggered pass starts no sooner than
   * minTriggerGapMs after the last one a trigger began. Triggers that come meanwhile are one:
   * at most one pass waits behind the one running.
   */
  private sleep(): Promise<void> {
    const { intervalMs, maxBackoffMs = 300_000, minTriggerGapMs = 250 } = this.opts;
    const earliest = this.triggeredAt + minTriggerGapMs;
    const begin = (resolve: () => void) => {
      this.triggeredAt = Date.now();
      this.woken = 'event';
      resolve();
    };
    const queued = () => (this.queue.nextDue(Date.now()) ?? Infinity) <= Date.now();
    if (this.triggered || queued()) {
      const wait = earliest - Date.now();
      return new Promise((r) => (wait > 0 ? setTimeout(() => begin(r), wait) : begin(r)));
    }
    const ms = this.state.failures
      ? Math.min(intervalMs * 2 ** this.state.failures, maxBackoffMs)
      : intervalMs;
    const tick = Date.now() + ms;
    // A campaign backing off after a failure is retried when its delay ends, not at the tick.
    const retry = this.queue.nextDue(Date.now());
    return new Promise((resolve) => {
      const t = setTimeout(
        () =>
          retry !== undefined && retry < tick ? begin(done) : ((this.woken = 'interval'), done()),
        Math.max(0, Math.min(tick, retry ?? Infinity) - Date.now()),
      );
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        if (this.stopped) return done();
        const wait = earliest - Date.now();
        clearTimeout(t);
        if (wait > 0) setTimeout(() => begin(done), wait);
        else begin(done);
      };
    });
  }
}
