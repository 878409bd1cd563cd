import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import type { PassReport, ReconcilerStatus } from '../engine/loop.js';
import type { Plan } from '../plan/types.js';
import { buildServer } from './index.js';
import { Metrics } from './metrics.js';

interface Family {
  name: string;
  type: string;
  metrics: Array<{
    labels?: Record<string, string>;
    value?: string;
    count?: string;
    sum?: string;
    buckets?: Record<string, string>;
  }>;
}

const apps: Array<ReturnType<typeof buildServer>> = [];
afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

const plan = {
  now: '2026-12-01T12:00:00.000Z',
  actions: [],
  notes: [],
  counts: {},
  stages: [
    {
      campaign: 'sbnd-mcc-test-1',
      stage: 'gen',
      state: 'active',
      submissions: { located: 2, running: 1 },
      jobs: { completed: 20, running: 10 },
    },
    {
      campaign: 'sbnd-mcc-test-1',
      stage: 'g4',
      state: 'active',
      submissions: { waiting: 3 },
      jobs: {},
    },
  ],
} as unknown as Plan;

function report(results: PassReport['results']): PassReport {
  return {
    pass: 1,
    kind: 'keyed',
    waitedMs: [40, 2000],
    seconds: 0.3,
    revision: 'r',
    plan,
    results,
    events: [],
  };
}

/** A server with metrics over a fake reconciler; scrapes and parses /metrics. */
function fixture(status: ReconcilerStatus) {
  let last: PassReport | undefined;
  const reconciler = {
    lastPass: () => last,
    status: () => status,
    trigger: () => {},
  };
  const probes = {
    results: () => ({
      'sam-sbnd': { status: 'failed' as const, detail: 'no answer in 10000 ms', at: plan.now },
    }),
  };
  const metrics = new Metrics().watch({ reconciler, probes: probes as never });
  const app = buildServer({ reconciler, branch: 'main', webhookSecret: undefined, metrics });
  apps.push(app);
  return {
    metrics,
    setLast: (r: PassReport) => (last = r),
    /** The families as the parser reads them (it throws on a malformed line), and the text. */
    async scrape(): Promise<Map<string, Family> & { text: string }> {
      const r = await app.inject({ method: 'GET', url: '/metrics' });
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const families = parsePrometheusTextFormat(r.body) as Family[];
      return Object.assign(new Map(families.map((f) => [f.name, f])), { text: r.body });
    },
  };
}

const value = (f: Family | undefined, labels: Record<string, string> = {}) =>
  f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value;

describe('/metrics', () => {
  it('reports passes, actions, fetches, job and submission counts, revision, gates and adapter calls', async () => {
    const f = fixture({
      source: 's',
      passes: 3,
      failures: 1,
      applied: { revision: 'r', at: '2026-12-01T12:00:00.000Z' },
      latest: { revision: 'r2', valid: false, errors: ['x'] },
      queue: { depth: 4, retries: 2 },
    });
    const launch = { kind: 'launch', campaign: 'c', stage: 's', key: 'k' };
    f.setLast(
      report([
        { ok: true, action: launch },
        { ok: true, action: launch },
        { ok: false, action: { ...launch, kind: 'kill' }, error: 'scancel failed' },
      ] as unknown as PassReport['results']),
    );
    f.metrics.passed(f.setLast(report([{ ok: true, action: launch }] as never)));
    f.metrics.failed();
    f.metrics.fetched(0.02, true);
    f.metrics.fetched(3, false);
    const batch = f.metrics.instrument('slurm', {
      name: 'slurm',
      async observe() {
        return [1, 2];
      },
      async kill(): Promise<void> {
        throw new Error('scancel: connection refused');
      },
      label: () => 'sync',
    });
    expect(batch.name).toBe('slurm');
    expect(batch.label()).toBe('sync');
    expect(await batch.observe()).toEqual([1, 2]);
    await expect(batch.kill()).rejects.toThrow('connection refused');

    const m = await f.scrape();
    const pass = m.get('gitpoms_pass_duration_seconds')!;
    expect(pass.type).toBe('HISTOGRAM');
    expect(pass.metrics[0]).toMatchObject({ count: '1', sum: '0.3' });
    expect(value(m.get('gitpoms_pass_failures_total'))).toBe('1');
    expect(value(m.get('gitpoms_actions_total'), { kind: 'launch', result: 'ok' })).toBe('1');
    // The parser folds a labelled histogram into one sample: its series are read as lines.
    expect(m.get('gitpoms_git_fetch_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(m.text).toContain('gitpoms_git_fetch_duration_seconds_count{result="failed"} 1\n');
    expect(m.text).toContain('gitpoms_git_fetch_duration_seconds_sum{result="failed"} 3\n');
    expect(m.text).toContain('gitpoms_git_fetch_duration_seconds_count{result="ok"} 1\n');
    expect(value(m.get('gitpoms_jobs'), { stage: 'gen', state: 'running' })).toBe('10');
    expect(value(m.get('gitpoms_jobs'), { stage: 'gen', state: 'completed' })).toBe('20');
    expect(value(m.get('gitpoms_submissions'), { stage: 'g4', status: 'waiting' })).toBe('3');
    expect(value(m.get('gitpoms_revision_valid'), { revision: 'r2' })).toBe('0');
    expect(value(m.get('gitpoms_last_successful_pass_timestamp_seconds'))).toBe(
      String(Date.parse('2026-12-01T12:00:00.000Z') / 1000),
    );
    expect(value(m.get('gitpoms_pass_failures_in_a_row'))).toBe('1');
    expect(value(m.get('gitpoms_passes_total'), { kind: 'keyed' })).toBe('1');
    expect(value(m.get('gitpoms_queue_depth'))).toBe('4');
    expect(value(m.get('gitpoms_queue_retries_total'))).toBe('2');
    expect(m.text).toContain('gitpoms_queue_wait_seconds_count 2\n');
    expect(m.text).toContain('gitpoms_queue_wait_seconds_bucket{le="0.05"} 1\n');
    expect(value(m.get('gitpoms_service_status'), { service: 'sam-sbnd', status: 'failed' })).toBe(
      '1',
    );
    expect(value(m.get('gitpoms_service_status'), { service: 'sam-sbnd', status: 'good' })).toBe(
      '0',
    );
    expect(m.text).toMatch(
      /^gitpoms_adapter_request_duration_seconds_count\{backend="slurm",call="observe"\} 1$/m,
    );
    expect(m.text).toMatch(
      /^gitpoms_adapter_request_duration_seconds_count\{backend="slurm",call="kill"\} 1$/m,
    );
    // Only the async calls are timed.
    expect(m.text).not.toMatch(/call="label"/);
    expect(value(m.get('gitpoms_adapter_errors_total'), { backend: 'slurm', call: 'kill' })).toBe(
      '1',
    );
    expect(m.has('gitpoms_process_resident_memory_bytes')).toBe(true);
  });

  it('says nothing it does not know: no revision, no pass (its time is 0), no probe', async () => {
    const f = fixture({ source: 's', passes: 0, failures: 0 });
    const m = await f.scrape();
    expect(m.get('gitpoms_revision_valid')?.metrics ?? []).toEqual([]);
    expect(value(m.get('gitpoms_last_successful_pass_timestamp_seconds'))).toBe('0');
    expect(m.get('gitpoms_jobs')?.metrics ?? []).toEqual([]);
  });

  it('has every metric the Grafana dashboard in deploy/ queries', () => {
    const f = fixture({ source: 's', passes: 0, failures: 0 });
    const known = new Set(f.metrics.registry.getMetricsAsArray().map((m) => m.name));
    const dash = JSON.parse(readFileSync('deploy/grafana-dashboard.json', 'utf8')) as {
      panels: Array<{ targets: Array<{ expr: string }> }>;
    };
    const used = dash.panels.flatMap((p) =>
      p.targets.flatMap((t) => [...t.expr.matchAll(/\bgitpoms_[a-z_]+/g)].map((m) => m[0])),
    );
    expect(used.length).toBeGreaterThan(10);
    for (const name of used)
      expect(known, name).toContain(name.replace(/_(bucket|count|sum)$/, ''));
  });
});
