import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  apps,
  type Fixture,
  bearer,
  desired,
  fixture,
  get,
  LOGS,
  NOW,
  post,
  SBND,
  stateOf,
} from '../../test/helpers/server-fixture.js';
import { AdapterError } from '../errors.js';
import { CatalogReads } from './catalog-reads.js';
import { tokenSecret } from '../engine/tokens.js';

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

describe('the API reads', () => {
  it('lists the campaigns of the applied revision with the counts of the last pass', async () => {
    const f = await fixture();
    const r = await get(f, '/api/campaigns');
    expect(r.status).toBe(200);
    expect(r.body.revision).toBe('rev1');
    expect(r.body.pass).toBe(7);
    const items = r.body.items as Array<{ name: string; experiment: string; stages: unknown[] }>;
    expect(items.map((c) => c.name)).toEqual(desired.campaigns.map((c) => c.name));
    const sbnd = items.find((c) => c.name === SBND)!;
    expect(sbnd.experiment).toBe('sbnd');
    const summary = f.app && (await get(f, `/api/campaigns/${SBND}`)).body;
    const gen = (summary.stages as Array<Record<string, unknown>>).find((s) => s.name === 'gen')!;
    expect(gen).toMatchObject({
      submissions: { located: 1, running: 1 },
      jobs: { completed: 10, running: 2490 },
    });
    expect((summary.stages as Array<{ name: string; dependsOn: string[] }>)[1]).toMatchObject({
      name: 'g4',
      dependsOn: ['gen'],
    });
    expect(await get(f, '/api/campaigns/nope')).toEqual({
      status: 404,
      body: { error: 'no campaign nope' },
    });
  });

  it('pages submissions newest first, with filters, and one by key with its jobs', async () => {
    const f = await fixture();
    const all = await get(f, '/api/submissions');
    expect(all.body).toMatchObject({ total: 2, limit: 100, offset: 0 });
    expect((all.body.items as Array<{ key: string }>).map((s) => s.key)).toEqual([
      `${SBND}/gen/mc-2#1`,
      `${SBND}/gen/mc-1#1`,
    ]);
    const located = await get(f, '/api/submissions?status=located&limit=1');
    expect(located.body).toMatchObject({ total: 1, limit: 1 });
    expect(await get(f, '/api/submissions?stage=reco')).toMatchObject({ body: { total: 0 } });
    const one = await get(f, `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-1#1`)}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ status: 'located', jobCount: 10 });
    expect(
      (await get(f, `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-9#1`)}`)).status,
    ).toBe(404);
    const why = await get(
      f,
      `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-1#1`)}/explain`,
    );
    expect(why.status).toBe(200);
    expect(why.body).toMatchObject({
      key: `${SBND}/gen/mc-1#1`,
      status: 'located',
      input: 'no input files (a Monte Carlo submission)',
      launched: { revision: 'rev1', batch: 'local' },
      jobs: { total: 10, byState: { completed: 10 } },
    });
    expect(
      (await get(f, `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-9#1`)}/explain`)).status,
    ).toBe(404);
  });

  it('answers one page of a large job cache, and refuses a page too large or a bad filter', async () => {
    const f = await fixture();
    const r = await get(f, '/api/jobs?limit=1000&offset=2000');
    expect(r.body).toMatchObject({ total: 2500, limit: 1000, offset: 2000 });
    expect((r.body.items as unknown[]).length).toBe(500);
    const big = await get(f, '/api/jobs?limit=1000000');
    expect(big.status).toBe(400);
    expect(big.body.error).toMatch(/querystring\/limit must be <= 1000/);
    const state = await get(f, '/api/jobs?state=exploded');
    expect(state.status).toBe(400);
    expect(state.body.error).toMatch(
      /querystring\/state must be equal to one of the allowed values/,
    );
    const unknown = await get(f, '/api/jobs?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatch(/querystring must NOT have additional properties/);
    const of = await get(f, `/api/jobs?submission=${encodeURIComponent(`${SBND}/gen/mc-1#1`)}`);
    expect(of.body).toMatchObject({ total: 10 });
  });

  it('shows the plan of the last pass, overrides, audit, revisions, services and who asks', async () => {
    const f = await fixture();
    const p = await get(f, '/api/plan');
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ revision: 'rev1', pass: 7, now: NOW.toISOString() });
    expect((p.body.actions as unknown[]).length).toBeGreaterThan(0);
    for (const url of ['/api/overrides', '/api/audit', '/api/revisions']) {
      const r = await get(f, url);
      expect(r.status, url).toBe(200);
      expect(Array.isArray(r.body.items), url).toBe(true);
    }
    expect((await get(f, '/api/services')).body).toEqual({ items: {} });
    expect((await get(f, '/api/whoami')).body).toEqual({
      authenticated: false,
      readAccess: 'open',
    });
    expect((await get(f, '/api/whoami', f.tokens['shifter-sbnd'])).body).toMatchObject({
      authenticated: true,
      name: 'shifter-sbnd',
      role: 'shifter',
      experiments: ['sbnd'],
    });
  });

  it('answers 503 with the reason when the store cannot be read, never a bare 500', async () => {
    const f = await fixture();
    f.store.submissions = async () => {
      throw new AdapterError('sqlite-store', 'the state store is locked by another writer', {
        retryable: true,
      });
    };
    expect(await get(f, '/api/submissions')).toEqual({
      status: 503,
      body: { error: 'sqlite-store: the state store is locked by another writer' },
    });
    expect(f.logged.map(([m]) => m)).toContain('api request failed');
  });

  it("answers a submission's file accounting and file lists from the catalog, and one file", async () => {
    const files: Record<string, string[]> = {
      [`gitpoms.submission '${SBND}/gen/mc-1#1'`]: ['gen_1.root', 'gen_2.root'],
      [`gitpoms.submission '${SBND}/gen/mc-1#1' and availability physical`]: ['gen_1.root'],
    };
    const catalog = new CatalogReads({
      countFiles: async (d) => files[d]?.length ?? 0,
      listFiles: async (d) => files[d] ?? [],
      getFile: async (name) =>
        name === 'gen_1.root'
          ? {
              name,
              id: 1,
              size: 5,
              checksum: undefined,
              createDate: NOW.toISOString(),
              metadata: { 'gitpoms.campaign': SBND },
              parents: [],
              children: [],
              locations: ['/pnfs/x'],
            }
          : undefined,
    });
    const f = await fixture({ catalog });
    const key = encodeURIComponent(`${SBND}/gen/mc-1#1`);
    expect((await get(f, `/api/submissions/${key}/files`)).body).toEqual({
      key: `${SBND}/gen/mc-1#1`,
      items: [
        { category: 'outputs declared', dims: `gitpoms.submission '${SBND}/gen/mc-1#1'`, count: 2 },
        {
          category: 'outputs located',
          dims: `gitpoms.submission '${SBND}/gen/mc-1#1' and availability physical`,
          count: 1,
        },
      ],
    });
    expect(
      (await get(f, `/api/submissions/${key}/files?category=outputs%20declared&limit=1&offset=1`))
        .body,
    ).toMatchObject({ items: ['gen_2.root'], total: 2, limit: 1, offset: 1 });
    expect((await get(f, `/api/submissions/${key}/files?category=consumed`)).status).toBe(404);
    expect((await get(f, `/api/submissions/${key}/files?category=nope`)).status).toBe(400);
    expect((await get(f, '/api/files?name=gen_1.root')).body).toMatchObject({
      name: 'gen_1.root',
      locations: ['/pnfs/x'],
    });
    expect((await get(f, '/api/files?name=nope')).status).toBe(404);
    expect((await get(f, '/api/files')).body).toEqual({ error: 'give one of "name" or "dims"' });
    const dims = encodeURIComponent(`gitpoms.submission '${SBND}/gen/mc-1#1'`);
    expect((await get(f, `/api/files?dims=${dims}`)).body).toMatchObject({ total: 2 });
    // Behind tokens: a file is its campaign's experiment's; a query, an admin's.
    const t = await fixture({ readAccess: 'token', catalog });
    expect((await get(t, '/api/files?name=gen_1.root', t.tokens['viewer-sbnd'])).status).toBe(200);
    expect((await get(t, '/api/files?name=gen_1.root', t.tokens['shifter-dune'])).status).toBe(404);
    expect((await get(t, `/api/files?dims=${dims}`, t.tokens['viewer-sbnd'])).status).toBe(403);
    expect((await get(t, `/api/files?dims=${dims}`, t.tokens.admin)).status).toBe(200);
    // Without a catalog: 503, saying so.
    const none = await fixture();
    expect((await get(none, '/api/files?name=gen_1.root')).body).toEqual({
      error: 'this server has no catalog to ask',
    });
  });

  it('answers the stage statistics of gitpoms status, without catalog figures before they are read', async () => {
    const f = await fixture();
    const r = await get(f, `/api/campaigns/${SBND}/statistics`);
    const gen = (r.body.items as Array<Record<string, unknown>>)[0];
    expect(gen).toEqual({
      stage: 'gen',
      submissions: 2,
      located: 1,
      failed: 0,
      all: 2500,
      idle: 0,
      running: 2490,
      held: 0,
      completed: 10,
      failedJobs: 0,
      notLocated: 0,
      jobsLocated: 10,
      removed: 0,
    });
    expect(r.body).not.toHaveProperty('catalogAt');
    expect((await get(f, '/api/campaigns/nope/statistics')).status).toBe(404);
  });

  it('serves an OpenAPI document naming every route', async () => {
    const f = await fixture();
    const doc = (await get(f, '/api/openapi.json')).body as { openapi: string; paths: object };
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const route of [
      '/api/campaigns',
      '/api/campaigns/{campaign}',
      '/api/submissions',
      '/api/submissions/{key}',
      '/api/submissions/{key}/explain',
      '/api/jobs',
      '/api/overrides',
      '/api/audit',
      '/api/revisions',
      '/api/services',
      '/api/plan',
      '/api/whoami',
      '/api/events',
      '/api/campaigns/{campaign}/hold',
      '/api/campaigns/{campaign}/release',
      '/api/campaigns/{campaign}/kill',
      '/api/campaigns/{campaign}/launch-now',
      '/api/campaigns/{campaign}/prune',
      '/api/campaigns/{campaign}/stages/{stage}/split-reset',
      '/api/submissions/{key}/files',
      '/api/campaigns/{campaign}/statistics',
      '/api/files',
      '/api/launches',
      '/api/launches/hold',
      '/api/launches/allow',
      '/api/replicas',
    ])
      expect(paths, route).toContain(route);
  });
});

describe("a job's logs", () => {
  const url = (id: string, q = '') =>
    `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-2#1`)}/jobs/${encodeURIComponent(id)}/logs${q}`;

  it('reads the tail of each from the batch system, and earlier windows of one', async () => {
    const f = await fixture();
    const r = await get(f, url('2000.0@local'));
    expect(r.status).toBe(200);
    const { stdout, stderr } = LOGS('2000.0@local');
    expect(r.body).toMatchObject({
      key: `${SBND}/gen/mc-2#1`,
      job: '2000.0@local',
      state: 'running',
      stdout: { stream: 'stdout', total: 100_000, start: 100_000 - 65_536, end: 100_000 },
      stderr: { stream: 'stderr', total: stderr.length, start: 0, text: stderr },
    });
    const text = (w: unknown) => (w as { text: string }).text;
    expect(text(r.body.stdout)).toBe(stdout.slice(100_000 - 65_536));
    expect(text(r.body.stdout).endsWith('\n2000.0@local')).toBe(true);
    const earlier = await get(f, url('2000.0@local', `?stream=stdout&end=${100_000 - 65_536}`));
    expect(earlier.body.stdout).toMatchObject({ start: 0, end: 100_000 - 65_536 });
    expect(text(earlier.body.stdout)).toBe(stdout.slice(0, 100_000 - 65_536));
    expect(earlier.body.stderr).toBeUndefined();
    const small = await get(f, url('2000.0@local', '?stream=stderr&size=5'));
    expect(text(small.body.stderr)).toBe(stderr.slice(-5));
  });

  it('refuses what it cannot answer, saying why', async () => {
    const f = await fixture();
    expect((await get(f, url('2000.0@local', '?end=10'))).body.error).toBe(
      '"end" pages one log: name its "stream" (stdout or stderr)',
    );
    // Job 5 is of mc-1, not of this submission.
    expect((await get(f, url('5.0@local'))).body.error).toBe(
      `submission ${SBND}/gen/mc-2#1 has no job 5.0@local`,
    );
    const down = await fixture({
      logs: async () => {
        throw new AdapterError('slurm', 'sacct timed out', { retryable: true });
      },
    });
    const r = await get(down, url('2000.0@local'));
    expect(r.status).toBe(502);
    expect(r.body.error).toBe(
      'cannot read the logs of job 2000.0@local now: slurm: sacct timed out',
    );
    const gone = await fixture({
      logs: async (id) => {
        throw new AdapterError('local', `no local job ${id}`, { retryable: false });
      },
    });
    expect((await get(gone, url('2000.0@local'))).status).toBe(404);
    const none = await fixture({ logs: null });
    expect((await get(none, url('2000.0@local'))).status).toBe(503);
  });

  it("asks the backend the job's submission was launched on, and shows a token only its experiments' logs", async () => {
    const asked: Array<[string, string | undefined]> = [];
    const f = await fixture({
      readAccess: 'token',
      logs: async (id, backend) => (asked.push([id, backend]), LOGS(id)),
    });
    expect((await get(f, url('2000.0@local'))).status).toBe(401);
    expect((await get(f, url('2000.0@local'), f.tokens['shifter-dune'])).status).toBe(404);
    expect(asked).toEqual([]);
    expect((await get(f, url('2000.0@local'), f.tokens['viewer-sbnd'])).status).toBe(200);
    expect(asked).toEqual([['2000.0@local', 'local']]);
  });
});

describe('reads behind tokens (server.readAccess: token)', () => {
  it('need a token, and show each token the experiments its role holds for', async () => {
    const f = await fixture({ readAccess: 'token' });
    expect((await get(f, '/api/campaigns')).status).toBe(401);
    expect((await get(f, '/api/campaigns', f.tokens.expired)).body.error).toBe(
      'credential refused: token expired',
    );
    const dune = await get(f, '/api/campaigns', f.tokens['shifter-dune']);
    const names = (dune.body.items as Array<{ experiment: string }>).map((c) => c.experiment);
    expect(new Set(names)).toEqual(new Set(['dune']));
    expect((await get(f, `/api/campaigns/${SBND}`, f.tokens['shifter-dune'])).status).toBe(404);
    expect((await get(f, '/api/submissions', f.tokens['shifter-dune'])).body).toMatchObject({
      total: 0,
    });
    expect((await get(f, '/api/submissions', f.tokens['viewer-sbnd'])).body).toMatchObject({
      total: 2,
    });
    expect((await get(f, '/api/jobs', f.tokens['viewer-sbnd'])).status).toBe(400);
    const key = encodeURIComponent(`${SBND}/gen/mc-1#1`);
    expect(
      (await get(f, `/api/jobs?submission=${key}`, f.tokens['viewer-sbnd'])).body,
    ).toMatchObject({ total: 10 });
    expect((await get(f, `/api/jobs?submission=${key}`, f.tokens['shifter-dune'])).status).toBe(
      404,
    );
    expect((await get(f, '/api/audit', f.tokens['production-sbnd'])).status).toBe(403);
    expect((await get(f, '/api/audit', f.tokens.admin)).status).toBe(200);
    expect((await get(f, '/api/plan', f.tokens['shifter-dune'])).body.actions).toEqual(
      (
        (await get(f, '/api/plan', f.tokens.admin)).body.actions as Array<{ campaign: string }>
      ).filter((a) => desired.campaigns.find((c) => c.name === a.campaign)?.experiment === 'dune'),
    );
  });
});

/** An open event stream: what it has received so far, as text. */
const listening = new WeakMap<Fixture, Promise<string>>();

async function stream(f: Fixture, token?: string) {
  if (!listening.has(f)) listening.set(f, f.app.listen({ host: '127.0.0.1', port: 0 }));
  const base = await listening.get(f)!;
  const res = await fetch(`${base}/api/events`, { headers: bearer(token) });
  let text = '';
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += decoder.decode(value);
    }
  })();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    text: () => text,
    until: (re: RegExp) =>
      vi.waitFor(() => expect(text).toMatch(re), { timeout: 5000, interval: 20 }),
    close: () => reader.cancel(),
  };
}

describe('the event stream', () => {
  it('pushes each pass and each action to open clients as they happen', async () => {
    const f = await fixture();
    const s = await stream(f);
    expect([s.status, s.type]).toEqual([200, 'text/event-stream; charset=utf-8']);
    await s.until(/^: gitpoms events$/m);
    await vi.waitFor(() => expect(f.events.size).toBe(1));
    f.events.passed({
      pass: 8,
      kind: 'full',
      waitedMs: [],
      seconds: 0.25,
      revision: 'rev2',
      plan: { actions: [] } as never,
      results: [],
      events: [],
    });
    await s.until(
      /^event: pass\ndata: \{"kind":"pass","pass":8,"revision":"rev2","seconds":0.25,"actions":0,"failed":0\}$/m,
    );
    await post(
      f,
      `/api/campaigns/${SBND}/hold`,
      { stage: 'g4', reason: 'dCache outage' },
      f.tokens['shifter-sbnd'],
    );
    await s.until(
      /^event: action\ndata: .*"action":"hold".*"target":"sbnd-mcc-test-1\/g4".*"actor":"shifter-sbnd \(token /m,
    );
    expect(s.text()).toMatch(/^id: 2$/m);
    await s.close();
    await vi.waitFor(() => expect(f.events.size).toBe(0));
  });

  it('behind tokens: needs one, and tells a token only of its experiments', async () => {
    const f = await fixture({ readAccess: 'token' });
    expect((await f.app.inject({ method: 'GET', url: '/api/events' })).statusCode).toBe(401);
    const dune = await stream(f, f.tokens['shifter-dune']);
    const sbnd = await stream(f, f.tokens['viewer-sbnd']);
    await vi.waitFor(() => expect(f.events.size).toBe(2));
    await post(f, `/api/campaigns/${SBND}/hold`, { reason: 'x' }, f.tokens['shifter-sbnd']);
    await sbnd.until(/^event: action$/m);
    f.events.passed({
      pass: 9,
      kind: 'full',
      waitedMs: [],
      seconds: 1,
      revision: 'r',
      plan: { actions: [] } as never,
      results: [],
      events: [],
    });
    await dune.until(/^event: pass$/m);
    expect(dune.text()).not.toMatch(/event: action/);
    await dune.close();
    await sbnd.close();
  });
});

describe('operator actions', () => {
  const sbnd = (a: string) => `/api/campaigns/${SBND}/${a}`;
  const routes = [
    {
      action: 'hold',
      url: sbnd('hold'),
      body: { stage: 'g4', reason: 'dCache outage' },
      least: 'shifter',
    },
    {
      action: 'kill',
      url: sbnd('kill'),
      body: { reason: 'bad fcl', confirm: true },
      least: 'shifter',
    },
    { action: 'launch-now', url: sbnd('launch-now'), body: { stage: 'gen' }, least: 'shifter' },
    { action: 'release', url: sbnd('release'), body: { reason: 'fixed' }, least: 'shifter' },
    {
      action: 'prune',
      url: sbnd('prune'),
      body: { reason: 'retired', confirm: true },
      least: 'production',
    },
    {
      action: 'split-reset',
      url: '/api/campaigns/sbnd-reco2/stages/reco2/split-reset',
      body: { reason: 'new definition', confirm: true },
      least: 'production',
    },
    ...(['hold', 'kill', 'release'] as const).map((action) => ({
      action,
      url: `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-2#1`)}/${action}`,
      body: { reason: 'bad node', ...(action === 'kill' ? { confirm: true } : {}) },
      least: 'shifter' as const,
    })),
  ] as const;

  it.each(routes)(
    '$action: refused without a valid token, or with a role or experiment too low; changes nothing',
    async (r) => {
      const f = await fixture();
      const before = await stateOf(f.store);
      expect(await post(f, r.url, r.body)).toMatchObject({ status: 401 });
      expect(await post(f, r.url, r.body, 'gpt_0123456789abcdef_' + 'x'.repeat(43))).toMatchObject({
        status: 401,
        body: { error: 'credential refused: unknown token' },
      });
      expect(await post(f, r.url, r.body, f.tokens.expired)).toMatchObject({ status: 401 });
      const wrong = f.tokens['shifter-sbnd']!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'));
      expect(await post(f, r.url, r.body, wrong)).toMatchObject({
        status: 401,
        body: { error: 'credential refused: wrong secret' },
      });
      const low = [
        'viewer-sbnd',
        'shifter-dune',
        ...(r.least === 'production' ? ['shifter-sbnd'] : []),
      ];
      for (const t of low) {
        const res = await post(f, r.url, r.body, f.tokens[t]);
        expect(res.status, t).toBe(403);
        expect(res.body.error, t).toMatch(
          new RegExp(
            `^${r.action} of .* needs the role ${r.least} for experiment sbnd; this token is`,
          ),
        );
      }
      expect(await stateOf(f.store)).toEqual(before);
      expect(f.trigger).not.toHaveBeenCalled();
      // Every refusal is in the server's log, without the token's secret.
      const refusals = f.logged.filter(([m]) => m.startsWith('api'));
      expect(refusals.length).toBe(4 + low.length);
      expect(JSON.stringify(f.logged)).not.toContain(tokenSecret(f.tokens['shifter-sbnd']!)!);
    },
  );

  it.each(routes)(
    '$action: taken with the least role it needs, audited with the token, and a pass triggered',
    async (r) => {
      const f = await fixture();
      const t = r.least === 'shifter' ? 'shifter-sbnd' : 'production-sbnd';
      const res = await post(f, r.url, r.body, f.tokens[t]);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.action).toBe(r.action);
      expect(f.trigger).toHaveBeenCalledTimes(1);
      // The pass it starts plans the campaign acted on.
      expect(f.trigger.mock.calls[0]![1]).toEqual([
        /^\/api\/campaigns\/([^/]+)/.exec(r.url)?.[1] ?? SBND,
      ]);
      const audit = await f.store.auditLog();
      expect(audit[0]!.actor).toMatch(new RegExp(`^${t} \\(token [0-9a-f]{16}\\)$`));
      // An admin may too, for any experiment.
      if (r.action !== 'prune')
        expect((await post(f, r.url, r.body, f.tokens.admin)).status).toBe(201);
    },
  );

  it("holds, kills and releases one submission: recorded on it, in the plan's terms, audited", async () => {
    const f = await fixture();
    const key = `${SBND}/gen/mc-2#1`;
    const url = (a: string) => `/api/submissions/${encodeURIComponent(key)}/${a}`;
    const t = f.tokens['shifter-sbnd'];
    expect(await post(f, url('kill'), { reason: 'bad node' }, t)).toMatchObject({
      status: 400,
      body: { error: 'kill stops running production jobs; add "confirm": true to confirm' },
    });
    expect(await post(f, url('hold'), {}, t)).toMatchObject({ status: 400 });
    expect(await post(f, url('hold'), { reason: 'x', stage: 'g4' }, t)).toMatchObject({
      status: 400,
    });
    const missing = `/api/submissions/${encodeURIComponent(`${SBND}/gen/mc-9#1`)}/hold`;
    expect(await post(f, missing, { reason: 'x' }, t)).toMatchObject({
      status: 404,
      body: { error: `no submission ${SBND}/gen/mc-9#1` },
    });
    const held = await post(f, url('hold'), { reason: 'bad node', for: '2h' }, t);
    expect(held).toMatchObject({ status: 201, body: { action: 'hold', target: key } });
    const active = await f.store.activeOverrides(NOW, 'rev1');
    expect(active).toMatchObject([
      { action: 'hold', campaign: SBND, stage: 'gen', submission: key, reason: 'bad node' },
    ]);
    expect((await f.store.auditLog())[0]).toMatchObject({ action: 'override hold', target: key });
    const release = await post(f, url('release'), { reason: 'node drained' }, t);
    expect(release).toMatchObject({ status: 201, body: { cleared: 1, target: key } });
    expect(await f.store.activeOverrides(NOW, 'rev1')).toEqual([]);
  });

  it('the global launch switch: an admin holds and allows every launch; nobody else may', async () => {
    const f = await fixture();
    const before = await stateOf(f.store);
    const body = { reason: 'jobsub upgrade' };
    expect(await post(f, '/api/launches/hold', body)).toMatchObject({ status: 401 });
    for (const t of ['viewer-sbnd', 'shifter-sbnd', 'production-sbnd']) {
      const r = await post(f, '/api/launches/hold', body, f.tokens[t]);
      expect(r.status, t).toBe(403);
      expect(r.body.error).toMatch(/^hold-launches of every launch needs the role admin/);
      expect((await post(f, '/api/launches/allow', body, f.tokens[t])).status, t).toBe(403);
    }
    expect(await post(f, '/api/launches/hold', {}, f.tokens.admin)).toMatchObject({
      status: 400,
      body: { error: 'holding every launch needs a "reason": the plan and the audit log show it' },
    });
    expect(await stateOf(f.store)).toEqual(before);
    expect((await get(f, '/api/launches')).body).toEqual({ held: false });

    const held = await post(f, '/api/launches/hold', body, f.tokens.admin);
    expect(held).toMatchObject({ status: 201, body: { action: 'hold-launches' } });
    // Held twice is the same hold.
    expect((await post(f, '/api/launches/hold', body, f.tokens.admin)).body.id).toBe(held.body.id);
    expect((await get(f, '/api/launches')).body).toEqual({
      held: true,
      actor: expect.stringMatching(/^admin \(token [0-9a-f]{16}\)$/),
      reason: 'jobsub upgrade',
      since: NOW.toISOString(),
    });
    // A new revision leaves it held.
    expect(await f.store.activeOverrides(NOW, 'rev2')).toMatchObject([{ action: 'hold-launches' }]);
    expect(await post(f, '/api/launches/allow', {}, f.tokens.admin)).toMatchObject({
      status: 201,
      body: { wasHeld: true },
    });
    expect((await get(f, '/api/launches')).body).toEqual({ held: false });
    expect((await f.store.auditLog()).map((a) => [a.action, a.target]).slice(0, 2)).toEqual([
      ['launches allow', '*'],
      ['override hold-launches', '*'],
    ]);
    expect(f.trigger).toHaveBeenCalledTimes(3);
  });

  it('believes a trusted proxy’s user header only from its address, for a listed user, and an action only with X-Gitpoms-Action', async () => {
    const f = await fixture({
      readAccess: 'token',
      trustedProxy: {
        header: 'X-Shib-Userid',
        addresses: ['127.0.0.1'],
        users: {
          alice: { role: 'shifter', experiments: ['sbnd'] },
          vic: { role: 'viewer', experiments: ['sbnd'] },
        },
      },
    });
    const as = (user: string, over: { remoteAddress?: string; action?: boolean } = {}) =>
      f.app.inject({
        method: 'POST',
        url: `/api/campaigns/${SBND}/hold`,
        remoteAddress: over.remoteAddress ?? '127.0.0.1',
        headers: {
          'content-type': 'application/json',
          'x-shib-userid': user,
          ...(over.action === false ? {} : { 'x-gitpoms-action': '1' }),
        },
        payload: JSON.stringify({ stage: 'g4', reason: 'dCache outage' }),
      });
    const before = await stateOf(f.store);
    const untrusted = await as('alice', { remoteAddress: '10.1.2.3' });
    expect([untrusted.statusCode, untrusted.json().error]).toEqual([
      401,
      'credential refused: x-shib-userid from 10.1.2.3, which is not a trusted proxy',
    ]);
    expect((await as('mallory')).json()).toEqual({
      error:
        'credential refused: user mallory has no role on this server (server.trustedProxy.users)',
    });
    expect((await as('alice', { action: false })).statusCode).toBe(403);
    expect((await as('vic')).json().error).toMatch(
      /needs the role shifter for experiment sbnd; this token is viewer/,
    );
    expect(await stateOf(f.store)).toEqual(before);
    const ok = await as('alice');
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await f.store.auditLog())[0]!.actor).toBe('alice (single sign-on)');
    // Reads behind tokens: the proxy's user reads its experiments.
    const read = await f.app.inject({
      method: 'GET',
      url: '/api/campaigns',
      headers: { 'x-shib-userid': 'vic' },
    });
    expect(read.statusCode).toBe(200);
    const experiments = (read.json() as { items: Array<{ experiment: string }> }).items.map(
      (c) => c.experiment,
    );
    expect(new Set(experiments)).toEqual(new Set(['sbnd']));
    expect(f.logged.filter(([m]) => m === 'api credential refused')).toHaveLength(3);
  });

  it('a hold shows in the overrides and the campaign; a release clears it', async () => {
    const f = await fixture();
    const hold = await post(
      f,
      sbnd('hold'),
      { stage: 'g4', reason: 'dCache outage', for: '2h' },
      f.tokens['shifter-sbnd'],
    );
    expect(hold.body).toMatchObject({
      action: 'hold',
      target: `${SBND}/g4`,
      expiresAt: '2026-12-01T14:00:00.000Z',
    });
    const o = (await get(f, '/api/overrides')).body.items as Array<Record<string, unknown>>;
    expect(o).toMatchObject([
      { action: 'hold', campaign: SBND, stage: 'g4', reason: 'dCache outage' },
    ]);
    expect((await get(f, `/api/campaigns/${SBND}`)).body.overrides).toEqual(o);
    const rel = await post(f, sbnd('release'), { stage: 'g4' }, f.tokens['shifter-sbnd']);
    expect(rel.body).toMatchObject({ cleared: 1 });
    expect((await get(f, '/api/overrides')).body.items).toEqual([]);
  });

  it('refuses a kill without its confirmation, an action without a reason, a bad body; changes nothing', async () => {
    const f = await fixture();
    const t = f.tokens['shifter-sbnd'];
    const before = await stateOf(f.store);
    expect(await post(f, sbnd('kill'), { reason: 'bad fcl' }, t)).toEqual({
      status: 400,
      body: { error: 'kill stops running production jobs; add "confirm": true to confirm' },
    });
    expect(await post(f, sbnd('hold'), { stage: 'g4' }, t)).toEqual({
      status: 400,
      body: { error: 'hold needs a "reason": the plan and the audit log show it' },
    });
    expect(await post(f, sbnd('hold'), { reason: 'x', for: 'soon' }, t)).toEqual({
      status: 400,
      body: { error: '"for" soon: a duration such as 30m, 2h or 1d, of at most a year (366d)' },
    });
    // A duration past any date a clock can hold was a 500 (Invalid time value).
    for (const long of ['99999999999w', '367d', '1e400s'])
      expect(await post(f, sbnd('hold'), { reason: 'x', for: long }, t)).toEqual({
        status: 400,
        body: {
          error: `"for" ${long}: a duration such as 30m, 2h or 1d, of at most a year (366d)`,
        },
      });
    expect(await post(f, sbnd('hold'), { reason: 'x', stage: 'nope' }, t)).toMatchObject({
      status: 400,
      body: { error: `campaign ${SBND} has no stage nope (gen, g4, detsim, reco, anatree)` },
    });
    const extra = await post(f, sbnd('hold'), { reason: 'x', colour: 'red' }, t);
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatch(/body must NOT have additional properties/);
    const typed = await post(f, sbnd('kill'), { reason: 'x', confirm: 'yes please' }, t);
    expect(typed.status).toBe(400);
    expect(typed.body.error).toMatch(/body\/confirm must be boolean/);
    expect((await post(f, sbnd('hold'), '{"reason": ', t)).status).toBe(400);
    expect(
      (await post(f, '/api/campaigns/nope/hold', { reason: 'x' }, f.tokens.admin)).status,
    ).toBe(404);
    expect(
      (
        await post(
          f,
          '/api/campaigns/sbnd-reco2/stages/reco2/split-reset',
          { reason: 'x' },
          f.tokens['production-sbnd'],
        )
      ).body.error,
    ).toBe('a reset launches every slice again; add "confirm": true to confirm');
    expect(await stateOf(f.store)).toEqual(before);
    expect(f.trigger).not.toHaveBeenCalled();
  });

  it('a server that only shows refuses every action, to an admin too, and changes nothing', async () => {
    const f = await fixture({ viewOnly: true });
    const before = await stateOf(f.store);
    for (const r of [
      ...routes,
      { url: '/api/launches/hold', body: { reason: 'x' } },
      { url: '/api/launches/allow', body: { reason: 'x' } },
    ]) {
      const res = await f.app.inject({
        method: 'POST',
        url: r.url,
        headers: { 'content-type': 'application/json', ...bearer(f.tokens.admin) },
        payload: JSON.stringify(r.body),
      });
      expect(res.statusCode, r.url).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.json<{ error: string }>().error).toMatch(/^this server only shows/);
    }
    expect(await stateOf(f.store)).toEqual(before);
    expect(f.trigger).not.toHaveBeenCalled();
    expect(f.logged.filter(([m]) => m === 'api action refused')).toHaveLength(routes.length + 2);
    expect((await get(f, '/api/campaigns')).status).toBe(200);
    // Every page says so.
    const page = await f.app.inject({ method: 'GET', url: '/' });
    expect(page.body).toContain('This server only shows what the reconciler recorded');
  });

  it('limits the actions a client may ask for a minute', async () => {
    const f = await fixture({ actionsPerMinute: 3 });
    const t = f.tokens['shifter-sbnd'];
    for (let i = 0; i < 3; i++)
      expect((await post(f, sbnd('launch-now'), { stage: 'gen' }, t)).status).toBe(201);
    expect((await post(f, sbnd('launch-now'), { stage: 'gen' }, t)).status).toBe(429);
    expect((await get(f, '/api/campaigns')).status).toBe(200);
  });
});
