// A server over the example repository for the API's and the pages' tests.
import type { WebOptions } from '../../src/server/web/index.js';
import { vi } from 'vitest';
import { launchAction } from '../contracts/store.js';
import { MemoryStore } from '../fakes/memory-store.js';
import { loadSpec } from '../../src/desired/index.js';
import type { PassReport, ReconcilerStatus } from '../../src/engine/loop.js';
import type { ServiceProbes } from '../../src/engine/probes.js';
import { Metrics } from '../../src/server/metrics.js';
import { createToken } from '../../src/engine/tokens.js';
import type { Role, TrustedProxy } from '../../src/model/index.js';
import { plan } from '../../src/plan/plan.js';
import { fsRepo } from '../../src/source/fs-repo.js';
import { EventHub } from '../../src/server/events.js';
import type { CatalogReads } from '../../src/server/catalog-reads.js';
import { buildServer } from '../../src/server/index.js';
import type { JobLogReader } from '../../src/server/job-logs.js';
import { AdapterError } from '../../src/errors.js';

export const NOW = new Date('2026-12-01T12:00:00Z');

/** Every fixture job's logs: 100,000 characters of stdout ending in its id, a line of stderr. */
export const LOGS = (id: string) => ({
  stdout: `${'x'.repeat(99_999 - id.length)}\n${id}`,
  stderr: `lar: ${id} says hello on stderr\n`,
});

/** The batch system's answer for the fixture's jobs: each one's LOGS, and for another none. */
async function fixtureLogs(id: string) {
  if (!/^\d+\.0@local$/.test(id))
    throw new AdapterError('local', `no local job ${id}`, { retryable: false });
  return LOGS(id);
}
export const desired = loadSpec(fsRepo('.')).desired!;
export const SBND = 'sbnd-mcc-test-1';

export interface Fixture {
  app: ReturnType<typeof buildServer>;
  events: EventHub;
  store: MemoryStore;
  trigger: ReturnType<typeof vi.fn>;
  /** What the reconciler says of itself; a test may change it. */
  status: ReconcilerStatus;
  tokens: Record<string, string>;
  logged: Array<[string, Record<string, unknown>]>;
}

export const apps: Fixture['app'][] = [];

/** A server over the example repository, with two submissions of SBND's gen stage and their jobs observed. */
export async function fixture(
  o: {
    readAccess?: 'open' | 'token';
    actionsPerMinute?: number;
    trustedProxy?: TrustedProxy;
    catalog?: CatalogReads;
    viewOnly?: boolean;
    browse?: WebOptions['browse'];
    probes?: Pick<ServiceProbes, 'results'>;
    /** gitpoms.yaml server.tls: the site is reached over HTTPS. */
    tls?: boolean;
    /** Serve /metrics; with a scrape token for it behind tokens. */
    metrics?: { token?: string };
    /** How jobs' logs are read (default: LOGS for each job, as the batch system would answer). */
    logs?: JobLogReader | null;
  } = {},
): Promise<Fixture> {
  const { readAccess = 'open', actionsPerMinute, trustedProxy, catalog } = o;
  const store = new MemoryStore(() => NOW);
  for (const i of [1, 2]) {
    const key = `${SBND}/gen/mc-${i}#1`;
    const id = await store.beginLaunch(launchAction(key), 'rev1', 'local');
    await store.finishLaunch(id, { ok: true });
  }
  await store.setStatus(`${SBND}/gen/mc-1#1`, 'located', 'test');
  await store.recordJobs(
    Array.from({ length: 2500 }, (_, j) => ({
      id: `${j}.0@local`,
      submission: `${SBND}/gen/mc-${j < 10 ? 1 : 2}#1`,
      state: j < 10 ? ('completed' as const) : ('running' as const),
      ...(j < 10 ? { exitCode: 0 } : {}),
    })),
    NOW.toISOString(),
  );
  const records = await store.submissions();
  const jobs = await store.jobs();
  const p = plan(
    desired,
    { jobs, outputs: {}, recoveryFiles: {}, splits: {}, services: {} },
    records,
    NOW,
  );
  const last: PassReport = {
    pass: 7,
    kind: 'full',
    waitedMs: [],
    seconds: 0.5,
    revision: 'rev1',
    plan: p,
    results: [],
    events: [],
  };
  const trigger = vi.fn();
  const reconciler = {
    current: () => ({ revision: 'rev1', desired }),
    lastPass: () => last,
    trigger,
    status: () => status,
  };
  const status: ReconcilerStatus = { source: 'test', passes: 7, failures: 0 };
  const logged: Fixture['logged'] = [];
  const events = new EventHub();
  const app = buildServer({
    reconciler,
    branch: 'main',
    webhookSecret: undefined,
    log: (msg, detail) => logged.push([msg, detail]),
    ...(o.probes ? { probes: o.probes as ServiceProbes } : {}),
    ...(o.metrics ? { metrics: new Metrics().watch({ reconciler }) } : {}),
    api: {
      ...(o.metrics?.token ? { metricsToken: o.metrics.token } : {}),
      store,
      reconciler,
      settings: () => ({ readAccess, trustedProxy, tls: o.tls }),
      events,
      clock: () => NOW,
      ...(actionsPerMinute ? { actionsPerMinute } : {}),
      catalog,
      ...(o.logs === null ? {} : { logs: o.logs ?? fixtureLogs }),
      ...(o.viewOnly ? { viewOnly: true } : {}),
    },
    web: { reconciler, ...(o.browse ? { browse: o.browse } : {}) },
  });
  apps.push(app);
  const tokens: Record<string, string> = {};
  const make = async (key: string, role: Role, experiments: string[]) =>
    (tokens[key] = (
      await createToken(store, { name: key, role, experiments, createdBy: 'root' }, NOW)
    ).text);
  await make('viewer-sbnd', 'viewer', ['sbnd']);
  await make('shifter-sbnd', 'shifter', ['sbnd']);
  await make('shifter-dune', 'shifter', ['dune']);
  await make('production-sbnd', 'production', ['sbnd']);
  await make('admin', 'admin', []);
  const expired = await createToken(
    store,
    { name: 'old', role: 'admin', experiments: [], expires: '1s', createdBy: 'root' },
    new Date(NOW.getTime() - 60_000),
  );
  tokens.expired = expired.text;
  return { app, events, store, trigger, status, tokens, logged };
}

export const bearer = (t: string | undefined): Record<string, string> =>
  t ? { authorization: `Bearer ${t}` } : {};

export async function get(f: Fixture, url: string, token?: string) {
  const r = await f.app.inject({ method: 'GET', url, headers: bearer(token) });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { error?: string } };
}

export async function post(f: Fixture, url: string, body: unknown, token?: string) {
  const r = await f.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...bearer(token) },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> & { error?: string } };
}

/** What a refused request must leave as it was. */
export async function stateOf(s: MemoryStore) {
  return {
    overrides: await s.activeOverrides(NOW, 'rev1'),
    audit: await s.auditLog(),
    splits: await s.splitStates(),
  };
}
