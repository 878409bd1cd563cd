// Prometheus metrics of the reconciler (GET /metrics). Counters and histograms are fed as
// passes, fetches and adapter calls happen; gauges are read at scrape time from what the
// reconciler already holds (its last pass, its status, the probes), so a scrape queries
// nothing. Labels are names and states, never a URL, a token or a command.
import { performance } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DeadlineError } from '../engine/deadlines.js';
import { wrapAsyncMethods } from '../wrap-async.js';
import type { PassReport, Reconciler } from '../engine/loop.js';
import type { ServiceProbes } from '../engine/probes.js';
import type { StageSummary } from '../plan/types.js';

export interface MetricsSources {
  reconciler: Pick<Reconciler, 'lastPass' | 'status'>;
  probes?: ServiceProbes | undefined;
}

const SERVICE_STATUSES = ['good', 'warn', 'failed', 'unknown'] as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly passSeconds: Histogram;
  private readonly passFailures: Counter;
  private readonly actions: Counter<'kind' | 'result'>;
  private readonly fetchSeconds: Histogram<'result'>;
  private readonly adapterSeconds: Histogram<'backend' | 'call'>;
  private readonly adapterErrors: Counter<'backend' | 'call'>;
  private readonly deadlinesMissed: Counter<'backend' | 'call'>;
  private readonly passes: Counter<'kind'>;
  private readonly queueWait: Histogram;

  /** What the gauges read at scrape time: the reconciler, once it is there. */
  private sources: MetricsSources | undefined;

  /** Reads the gauges from `sources` from now on. */
  watch(sources: MetricsSources): this {
    this.sources = sources;
    return this;
  }

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'gitpoms_' });
    this.passSeconds = new Histogram({
      name: 'gitpoms_pass_duration_seconds',
      help: 'Wall time of a reconcile pass that ran, from fetching the source to its last write.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.passFailures = new Counter({
      name: 'gitpoms_pass_failures_total',
      help: 'Passes that failed and acted on nothing (the batch system, the catalog or the source unreadable).',
      registers,
    });
    this.actions = new Counter({
      name: 'gitpoms_actions_total',
      help: 'Actions applied by passes, by kind (launch, hold, release, kill, mark-*) and result.',
      labelNames: ['kind', 'result'],
      registers,
    });
    this.fetchSeconds = new Histogram({
      name: 'gitpoms_git_fetch_duration_seconds',
      help: 'Time to read the newest revision of the source, by result (ok, failed).',
      labelNames: ['result'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.adapterSeconds = new Histogram({
      name: 'gitpoms_adapter_request_duration_seconds',
      help: 'Time of a call to a batch system or catalog backend, by backend and call.',
      labelNames: ['backend', 'call'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.adapterErrors = new Counter({
      name: 'gitpoms_adapter_errors_total',
      help: 'Calls to a batch system or catalog backend that failed, by backend and call.',
      labelNames: ['backend', 'call'],
      registers,
    });
    this.deadlinesMissed = new Counter({
      name: 'gitpoms_adapter_deadlines_missed_total',
      help: 'Calls to a batch system or catalog backend that did not answer within their deadline (backends.deadlines), by backend and call.',
      labelNames: ['backend', 'call'],
      registers,
    });
    this.passes = new Counter({
      name: 'gitpoms_passes_total',
      help: 'Passes that ran, by kind: full (observed and planned everything), poll (observed everything, planned what changed or is not at rest), keyed (planned the campaigns events named).',
      labelNames: ['kind'],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'gitpoms_queue_wait_seconds',
      help: 'How long a campaign an event named waited in the work queue before a pass took it.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    const last = () => this.sources?.reconciler.lastPass();
    const status = () => this.sources?.reconciler.status();
    const probes = () => this.sources?.probes?.results() ?? {};
    /** A count per campaign and stage from the last pass's stage summaries. */
    const perStage = (
      name: string,
      help: string,
      label: 'state' | 'status',
      counts: (s: StageSummary) => Partial<Record<string, number>>,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['campaign', 'stage', label],
        registers,
        collect() {
          this.reset();
          for (const s of last()?.plan.stages ?? [])
            for (const [k, n] of Object.entries(counts(s)))
              this.set({ campaign: s.campaign, stage: s.stage, [label]: k }, n ?? 0);
        },
      });
    perStage(
      'gitpoms_jobs',
      'Jobs by state per campaign and stage, as the last pass observed them.',
      'state',
      (s) => s.jobs,
    );
    perStage(
      'gitpoms_submissions',
      'Submissions by status per campaign and stage, as the last pass derived them.',
      'status',
      (s) => s.submissions,
    );
    new Gauge({
      name: 'gitpoms_revision_valid',
      help: 'Whether the newest revision of the source validates (1) or not (0); absent before the first fetch.',
      labelNames: ['revision'],
      registers,
      collect() {
        this.reset();
        const latest = status()?.latest;
        if (latest) this.set({ revision: latest.revision }, latest.valid ? 1 : 0);
      },
    });
    new Gauge({
      name: 'gitpoms_last_successful_pass_timestamp_seconds',
      help: 'When the last pass that ran ended (Unix time); 0 before the first.',
      registers,
      collect() {
        const at = status()?.applied?.at;
        this.set(at ? Date.parse(at) / 1000 : 0);
      },
    });
    new Gauge({
      name: 'gitpoms_pass_failures_in_a_row',
      help: 'Passes that failed since the last one that ran.',
      registers,
      collect() {
        this.set(status()?.failures ?? 0);
      },
    });
    new Gauge({
      name: 'gitpoms_queue_depth',
      help: 'Campaigns waiting in the work queue: named by events, or backing off after a failed pass.',
      registers,
      collect() {
        this.set(status()?.queue?.depth ?? 0);
      },
    });
    let retriesSeen = 0;
    new Counter({
      name: 'gitpoms_queue_retries_total',
      help: 'Campaigns put back in the work queue with a back-off after their pass failed.',
      registers,
      collect() {
        const n = status()?.queue?.retries ?? 0;
        if (n > retriesSeen) this.inc(n - retriesSeen);
        retriesSeen = n;
      },
    });
    new Gauge({
      name: 'gitpoms_service_status',
      help: 'Each service probe: 1 for its current status (good, warn, failed, unknown), 0 for the others.',
      labelNames: ['service', 'status'],
      registers,
      collect() {
        this.reset();
        for (const [service, r] of Object.entries(probes()))
          for (const status of SERVICE_STATUSES)
            this.set({ service, status }, r.status === status ? 1 : 0);
      },
    });
  }

  /** A pass that ran: its duration and its actions' results. */
  passed(report: PassReport): void {
    this.passSeconds.observe(report.seconds);
    this.passes.inc({ kind: report.kind });
    for (const ms of report.waitedMs) this.queueWait.observe(ms / 1000);
    for (const r of report.results)
      this.actions.inc({ kind: r.action.kind, result: r.ok ? 'ok' : 'failed' });
  }

  failed(): void {
    this.passFailures.inc();
  }

  fetched(seconds: number, ok: boolean): void {
    this.fetchSeconds.observe({ result: ok ? 'ok' : 'failed' }, seconds);
  }

  /**
   * `target` with each of its async methods timed as `backend`'s calls (and counted when they
   * fail); anything else passes through as it is.
   */
  instrument<T extends object>(backend: string, target: T): T {
    const seconds = this.adapterSeconds;
    const errors = this.adapterErrors;
    const missed = this.deadlinesMissed;
    return wrapAsyncMethods(
      target,
      (call, out) => {
        const t0 = performance.now();
        const labels = { backend, call };
        return out.then(
          (value) => {
            seconds.observe(labels, (performance.now() - t0) / 1000);
            return value;
          },
          (e: unknown) => {
            seconds.observe(labels, (performance.now() - t0) / 1000);
            errors.inc(labels);
            if (e instanceof DeadlineError) missed.inc(labels);
            throw e;
          },
        );
      },
      ['constructor'],
    );
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
