// The HTTP API: what the reconciler knows (the applied revision, its last pass, the store's
// records and last observation of the jobs) and the operator actions. It reads only the store
// and the reconciler's memory: a hundred clients add no query to the batch system or the
// catalog, but for a job's logs and a file drill-down, read when asked. Every action needs a
// token whose role holds for the campaign's experiment.
import { replicaView } from '../engine/replica-view.js';
import type {} from '@fastify/swagger';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store, StoredSubmission } from '../adapters/store/types.js';
import { explain } from '../engine/explain.js';
import type { PassReport, Reconciler } from '../engine/loop.js';
import {
  addOverride,
  allowLaunches,
  confirmPrune,
  holdLaunches,
  launchSwitch,
  experimentOf,
  releaseOverrides,
  resetStageSplit,
  targetName,
  type Wording,
} from '../engine/operator.js';
import type { ServiceProbes } from '../engine/probes.js';
import { HttpError, readableServices, type Access, type Req } from './access.js';
import type { CatalogReads } from './catalog-reads.js';
import type { CatalogFigures } from '../engine/catalog-figures.js';
import { stageStats } from '../engine/stats.js';
import { FILE_CATEGORIES, fileExperiment, type FileCategory } from '../engine/file-accounting.js';
import { registerEvents, type EventHub } from './events.js';
import {
  jobOfSubmission,
  LOG_STREAMS,
  LOG_WINDOW,
  logWindow,
  readLogs,
  type JobLogReader,
  type LogStream,
} from './job-logs.js';
import { GitpomsError } from '../errors.js';
import {
  ACTION_ROLES,
  EVERY_CAMPAIGN,
  mayAct,
  type DesiredState,
  JOB_STATES,
  type JobState,
  type OperatorAction,
  type Principal,
  type Role,
} from '../model/index.js';

export interface ApiOptions {
  store: Store;
  reconciler: Pick<Reconciler, 'current' | 'lastPass' | 'trigger'>;
  probes?: ServiceProbes | undefined;
  /** Where passes and actions are announced to open event streams (GET /api/events). */
  events?: EventHub | undefined;
  /** The catalog's per-stage figures (Pending, Files), read when asked for, at most once a minute. */
  figures?: CatalogFigures | undefined;
  /** The catalog, asked only for a file drill-down (cached); without it those routes are 503. */
  catalog?: CatalogReads | undefined;
  /** Reads a job's stdout and stderr from the batch system, when a reader asks for them. */
  logs?: JobLogReader | undefined;
  /** Actions a client may ask for a minute; more get 429. Default 30. */
  actionsPerMinute?: number;
  /** A server that only shows (serve --no-reconcile): every action is refused with 405. */
  viewOnly?: boolean;
  clock?: () => Date;
  log: (msg: string, detail: Record<string, unknown>) => void;
}

/** How the API names a confirmation, a reason and a duration in its messages. */
export const API_WORDING: Wording = {
  confirm: '"confirm": true',
  reason: 'a "reason"',
  for: '"for"',
};

const page = {
  limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;

const name = { type: 'string', minLength: 1, maxLength: 200 } as const;

const actionBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stage: name,
    reason: { type: 'string', maxLength: 2000 },
    for: { type: 'string', maxLength: 20, description: 'how long it holds, e.g. 2h' },
    confirm: { type: 'boolean', description: 'a kill or prune confirmed' },
  },
} as const;

/** The body of one action: only the fields it acts on (any other is a 400, never ignored). */
const bodyOf = (...fields: Array<keyof typeof actionBody.properties>) => ({
  ...actionBody,
  properties: Object.fromEntries(fields.map((f) => [f, actionBody.properties[f]])),
});
const OVERRIDE_FIELDS = {
  hold: bodyOf('stage', 'reason', 'for'),
  kill: bodyOf('stage', 'reason', 'for', 'confirm'),
  'launch-now': bodyOf('stage', 'reason', 'for'),
} as const;

interface ActionBody {
  stage?: string;
  reason?: string;
  for?: string;
  confirm?: boolean;
}

function paged<T>(all: readonly T[], q: { limit: number; offset: number }) {
  return {
    items: all.slice(q.offset, q.offset + q.limit),
    total: all.length,
    limit: q.limit,
    offset: q.offset,
  };
}

export function registerApi(app: FastifyInstance, opts: ApiOptions, access: Access): void {
  const clock = opts.clock ?? (() => new Date());

  app.setErrorHandler((e: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (e instanceof HttpError) return reply.code(e.status).send({ error: e.message });
    if (e.validation) return reply.code(400).send({ error: e.message });
    if (e instanceof GitpomsError && e.code === 'invalid-input')
      return reply.code(400).send({ error: e.message });
    if (e.statusCode && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: e.message });
    opts.log('api request failed', { url: req.url, err: e.message });
    // The store unreadable (locked, its disk gone): a message an operator can act on.
    if (e instanceof GitpomsError) return reply.code(503).send({ error: e.message });
    return reply.code(500).send({ error: 'internal error; the server log says more' });
  });

  const applied = (): { revision: string; desired: DesiredState } => {
    const c = opts.reconciler.current();
    if (!c) throw new HttpError(503, 'no valid revision applied yet');
    return c;
  };

  const { mayRead, readGate, restricted } = access;
  const experimentOfKey = (
    desired: DesiredState,
    r: Pick<StoredSubmission, 'campaign' | 'definition'>,
  ) => experimentOf(desired, r.campaign) ?? r.definition?.stage.experiment;

  const last = (): PassReport | undefined => opts.reconciler.lastPass();

  const campaignView = (desired: DesiredState, campaign: DesiredState['campaigns'][number]) => {
    const summaries = new Map(
      (last()?.plan.stages ?? [])
        .filter((s) => s.campaign === campaign.name)
        .map((s) => [s.stage, s] as const),
    );
    return {
      name: campaign.name,
      experiment: campaign.experiment,
      state: campaign.state,
      stages: campaign.stages.map((s) => {
        const sum = summaries.get(s.name);
        return {
          name: s.name,
          state: sum?.state ?? s.state,
          dependsOn: s.dependsOn.map((d) =>
            d.campaign === campaign.name ? d.stage : `${d.campaign}/${d.stage}`,
          ),
          submissions: sum?.submissions ?? {},
          jobs: sum?.jobs ?? {},
          ...(sum?.nextLaunch ? { nextLaunch: sum.nextLaunch } : {}),
        };
      }),
    };
  };

  app.get(
    '/api/campaigns',
    {
      preHandler: readGate,
      schema: {
        summary: 'campaigns of the applied revision, with per-stage counts from the last pass',
      },
    },
    async (req: Req) => {
      const { revision, desired } = applied();
      return {
        revision,
        pass: last()?.pass,
        items: desired.campaigns
          .filter((c) => mayRead(req, c.experiment))
          .map((c) => campaignView(desired, c)),
      };
    },
  );

  app.get<{ Params: { campaign: string } }>(
    '/api/campaigns/:campaign',
    {
      preHandler: readGate,
      schema: {
        params: { type: 'object', properties: { campaign: name }, required: ['campaign'] },
      },
    },
    async (req) => {
      const { revision, desired } = applied();
      const c = desired.campaigns.find((x) => x.name === req.params.campaign);
      if (!c || !mayRead(req as Req, c.experiment))
        throw new HttpError(404, `no campaign ${req.params.campaign}`);
      const overrides = (await opts.store.activeOverrides(clock(), revision)).filter(
        (o) => o.campaign === c.name,
      );
      return { revision, ...campaignView(desired, c), overrides };
    },
  );

  app.get<{ Params: { campaign: string } }>(
    '/api/campaigns/:campaign/statistics',
    {
      preHandler: readGate,
      schema: {
        summary:
          "POMS's stage statistics, as gitpoms status prints them (Pending and Files as the catalog said after a pass)",
        params: { type: 'object', properties: { campaign: name }, required: ['campaign'] },
      },
    },
    async (req) => {
      const { desired } = applied();
      const c = desired.campaigns.find((x) => x.name === req.params.campaign);
      if (!c || !mayRead(req as Req, c.experiment))
        throw new HttpError(404, `no campaign ${req.params.campaign}`);
      const records = (await opts.store.submissions()).filter((r) => r.campaign === c.name);
      void opts.figures?.refresh(desired, c, records);
      const fig = opts.figures?.snapshot(c.name);
      const jobs = await opts.store.jobPage({ campaign: c.name, limit: 1e9, offset: 0 });
      return {
        campaign: c.name,
        ...(fig?.at ? { catalogAt: fig.at } : {}),
        items: stageStats(
          { ...desired, campaigns: [c] },
          records,
          jobs.items,
          fig?.counts ?? new Map(),
        ).map(({ campaign: _c, pending, files, ...row }) =>
          fig?.at ? { ...row, pending, files } : row,
        ),
      };
    },
  );

  app.get<{
    Querystring: {
      campaign?: string;
      stage?: string;
      status?: string;
      limit: number;
      offset: number;
    };
  }>(
    '/api/submissions',
    {
      preHandler: readGate,
      schema: {
        summary: 'submissions, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { campaign: name, stage: name, status: name, ...page },
        },
      },
    },
    async (req) => {
      const { desired } = applied();
      const q = req.query;
      const all = (await opts.store.submissions())
        .filter(
          (r) =>
            (!q.campaign || r.campaign === q.campaign) &&
            (!q.stage || r.stage === q.stage) &&
            (!q.status || r.status === q.status) &&
            mayRead(req as Req, experimentOfKey(desired, r)),
        )
        .reverse();
      return paged(all, q);
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/submissions/:key',
    {
      preHandler: readGate,
      schema: { params: { type: 'object', properties: { key: name }, required: ['key'] } },
    },
    async (req) => {
      const { desired } = applied();
      const r = await opts.store.submission(req.params.key);
      if (!r || !mayRead(req as Req, experimentOfKey(desired, r)))
        throw new HttpError(404, `no submission ${req.params.key}`);
      const jobs = await opts.store.jobPage({ submission: r.key, limit: 1000, offset: 0 });
      return { ...r, jobs: jobs.items, jobCount: jobs.total };
    },
  );

  app.get<{ Params: { key: string } }>(
    '/api/submissions/:key/explain',
    {
      preHandler: readGate,
      schema: {
        summary: 'why a submission exists (as gitpoms explain)',
        params: { type: 'object', properties: { key: name }, required: ['key'] },
      },
    },
    async (req) => {
      const { revision, desired } = applied();
      const r = await opts.store.submission(req.params.key);
      if (!r || !mayRead(req as Req, experimentOfKey(desired, r)))
        throw new HttpError(404, `no submission ${req.params.key}`);
      // The catalog is not asked: the API adds no query to it.
      return explain(opts.store, undefined, r.key, clock(), revision);
    },
  );

  app.get<{
    Params: { key: string; id: string };
    Querystring: { stream?: LogStream; end?: number; size: number };
  }>(
    '/api/submissions/:key/jobs/:id/logs',
    {
      preHandler: readGate,
      schema: {
        summary: `a job's stdout and stderr, the last ${LOG_WINDOW} characters of each, or of one \`stream\` the \`size\` before \`end\` (earlier pages); read from the batch system when asked`,
        params: {
          type: 'object',
          properties: { key: name, id: name },
          required: ['key', 'id'],
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            stream: { enum: LOG_STREAMS },
            end: { type: 'integer', minimum: 0 },
            size: { type: 'integer', minimum: 1, maximum: LOG_WINDOW, default: LOG_WINDOW },
          },
        },
      },
    },
    async (req) => {
      const { desired } = applied();
      const q = req.query;
      if (q.end !== undefined && !q.stream)
        throw new HttpError(400, '"end" pages one log: name its "stream" (stdout or stderr)');
      const r = await opts.store.submission(req.params.key);
      if (!r || !mayRead(req as Req, experimentOfKey(desired, r)))
        throw new HttpError(404, `no submission ${req.params.key}`);
      const job = await jobOfSubmission(opts.store, r.key, req.params.id);
      if (!job) throw new HttpError(404, `submission ${r.key} has no job ${req.params.id}`);
      const logs = await readLogs(opts.logs, job.id, r.batch);
      const streams = q.stream ? [q.stream] : LOG_STREAMS;
      return {
        key: r.key,
        job: job.id,
        state: job.state,
        ...Object.fromEntries(
          streams.map((s) => [s, logWindow(s, logs[s], { end: q.end, size: q.size })]),
        ),
      };
    },
  );

  const catalogOf = (): CatalogReads => {
    if (!opts.catalog) throw new HttpError(503, 'this server has no catalog to ask');
    return opts.catalog;
  };

  app.get<{
    Params: { key: string };
    Querystring: { category?: FileCategory; limit: number; offset: number };
  }>(
    '/api/submissions/:key/files',
    {
      preHandler: readGate,
      schema: {
        summary:
          "a submission's file accounting (POMS's submitted, delivered, consumed, failed, skipped, with children declared and located, pending; outputs), or the files of one category; asks the catalog (answers kept a minute)",
        params: { type: 'object', properties: { key: name }, required: ['key'] },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { category: { enum: FILE_CATEGORIES }, ...page },
        },
      },
    },
    async (req) => {
      const { desired } = applied();
      const r = await opts.store.submission(req.params.key);
      if (!r || !mayRead(req as Req, experimentOfKey(desired, r)))
        throw new HttpError(404, `no submission ${req.params.key}`);
      const counts = await catalogOf().accounting(r.key, r.project);
      if (!req.query.category) return { key: r.key, project: r.project, items: counts };
      const row = counts.find((c) => c.category === req.query.category);
      if (!row)
        throw new HttpError(404, `${r.key} has no ${req.query.category} files (no input project)`);
      return {
        category: row.category,
        dims: row.dims,
        ...paged(await catalogOf().list(row.dims), req.query),
      };
    },
  );

  app.get<{ Querystring: { name?: string; dims?: string; limit: number; offset: number } }>(
    '/api/files',
    {
      preHandler: readGate,
      schema: {
        summary:
          'one file by name (metadata, parents, children, locations), or the files a dimension query selects; asks the catalog',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { name, dims: { type: 'string', minLength: 1, maxLength: 4000 }, ...page },
        },
      },
    },
    async (req) => {
      const q = req.query;
      if ((q.name === undefined) === (q.dims === undefined))
        throw new HttpError(400, 'give one of "name" or "dims"');
      if (q.dims !== undefined) {
        // A query may select any experiment's files: behind tokens, an admin's.
        if (restricted(req as Req))
          throw new HttpError(403, 'a dimension query needs an admin token on this server');
        return { dims: q.dims, ...paged(await catalogOf().list(q.dims), q) };
      }
      const f = await catalogOf().file(q.name!);
      if (
        !f ||
        !mayRead(req as Req, fileExperiment(opts.reconciler.current()?.desired, f.metadata))
      )
        throw new HttpError(404, `no file ${q.name}`);
      return f;
    },
  );

  app.get<{
    Querystring: { submission?: string; state?: JobState; limit: number; offset: number };
  }>(
    '/api/jobs',
    {
      preHandler: readGate,
      schema: {
        summary: 'jobs as last observed, by submission then id',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            submission: name,
            state: { enum: JOB_STATES },
            ...page,
          },
        },
      },
    },
    async (req) => {
      const { desired } = applied();
      const q = req.query;
      if (restricted(req as Req)) {
        // A token of some experiments reads the jobs of one submission at a time.
        const r = q.submission ? await opts.store.submission(q.submission) : undefined;
        if (!q.submission)
          throw new HttpError(
            400,
            'name a "submission": this token reads the jobs of its experiments only',
          );
        if (!r || !mayRead(req as Req, experimentOfKey(desired, r)))
          throw new HttpError(404, `no submission ${q.submission}`);
      }
      const p = await opts.store.jobPage({
        submission: q.submission,
        state: q.state,
        limit: q.limit,
        offset: q.offset,
      });
      return { ...p, limit: q.limit, offset: q.offset };
    },
  );

  app.get('/api/overrides', { preHandler: readGate }, async (req: Req) => {
    const { revision, desired } = applied();
    return {
      items: (await opts.store.activeOverrides(clock(), revision)).filter((o) =>
        mayRead(req, experimentOf(desired, o.campaign)),
      ),
    };
  });

  const limitOnly = {
    querystring: { type: 'object', additionalProperties: false, properties: { limit: page.limit } },
  };
  // The audit log and the revisions say nothing of one experiment: an admin's, when reads need a token.
  const adminRead = async (req: Req) => {
    await readGate(req);
    if (restricted(req))
      throw new HttpError(403, 'the audit log and the revision history need an admin token');
  };
  app.get<{ Querystring: { limit: number } }>(
    '/api/audit',
    { preHandler: adminRead, schema: limitOnly },
    async (req) => ({
      items: await opts.store.auditLog(req.query.limit),
    }),
  );
  app.get<{ Querystring: { limit: number } }>(
    '/api/revisions',
    { preHandler: adminRead, schema: limitOnly },
    async (req) => ({ items: await opts.store.revisions(req.query.limit) }),
  );

  app.get(
    '/api/launches',
    {
      preHandler: readGate,
      schema: { summary: 'the global launch switch: allowed, or held by whom' },
    },
    async () => {
      const held = await launchSwitch(opts.store, clock());
      return held
        ? { held: true, actor: held.actor, reason: held.reason, since: held.createdAt }
        : { held: false };
    },
  );

  app.get(
    '/api/replicas',
    {
      preHandler: readGate,
      schema: { summary: 'the replicas sharing the store and the owner of each campaign' },
    },
    async () => {
      const v = await replicaView(opts.store);
      return {
        replicas: v?.replicas ?? [],
        owners: Object.fromEntries(v?.owners ?? []),
      };
    },
  );

  app.get('/api/services', { preHandler: readGate }, async (req: Req) => ({
    items: readableServices(opts.probes, opts.reconciler.current()?.desired, req, access),
  }));

  app.get(
    '/api/plan',
    { preHandler: readGate, schema: { summary: 'what the last pass planned and why' } },
    async (req: Req) => {
      const { desired } = applied();
      const p = last();
      if (!p) throw new HttpError(503, 'no pass has run yet');
      const seen = (c: string | undefined) =>
        mayRead(req, c === undefined ? undefined : experimentOf(desired, c));
      return {
        revision: p.revision,
        pass: p.pass,
        now: p.plan.now,
        actions: p.plan.actions.filter((a) => seen(a.campaign)),
        notes: p.plan.notes.filter((n) =>
          n.campaign === undefined ? !restricted(req) : seen(n.campaign),
        ),
        results: p.results
          .filter((r) => seen(r.action.campaign))
          .map((r) => ({
            key: r.action.key,
            kind: r.action.kind,
            ok: r.ok,
            ...(r.ok ? {} : { error: r.error }),
          })),
      };
    },
  );

  if (opts.events)
    registerEvents(app, opts.events, {
      preHandler: readGate,
      allowed: (req, e) =>
        e.kind !== 'action' || e.campaign === EVERY_CAMPAIGN || mayRead(req as Req, e.experiment),
      // A stream outlives no revocation or expiry of the token it was opened with.
      stillValid: async (req) => {
        const p = (req as Req).principal;
        return p === undefined || (await access.stillValid(p));
      },
    });

  app.get('/api/whoami', async (req: Req) =>
    req.principal
      ? { authenticated: true, ...req.principal }
      : { authenticated: false, readAccess: access.readAccess() },
  );

  /**
   * The principal may take `action` on `campaign`'s experiment: 403 if not. A campaign it may
   * not read is answered as a missing one (`missing`), so a refusal tells nothing of it.
   */
  const authorize = (
    req: Req,
    action: OperatorAction,
    experiment: string | undefined,
    target: string,
    missing?: string,
  ): Principal => {
    const p = req.principal!;
    if (missing !== undefined && (experiment === undefined || !mayRead(req, experiment)))
      throw new HttpError(404, missing);
    const need: Role = ACTION_ROLES[action];
    if (!mayAct(p, need, experiment)) {
      opts.log('api action refused', {
        action,
        target,
        token: p.tokenId,
        role: p.role,
        ip: req.ip,
      });
      throw new HttpError(
        403,
        `${action} of ${target} needs the role ${need} for experiment ${experiment ?? '(unknown)'}; this token is ${p.role}${p.role === 'admin' ? '' : ` of ${p.experiments.join(', ') || 'no experiment'}`}`,
      );
    }
    return p;
  };
  const actor = (p: Principal) =>
    p.tokenId ? `${p.name} (token ${p.tokenId})` : `${p.name} (single sign-on)`;
  /** Announces an action taken, and starts the pass that acts on it. */
  const done = (
    action: OperatorAction,
    campaign: string,
    experiment: string | undefined,
    target: string,
    p: Principal,
  ) => {
    opts.reconciler.trigger(`${action} of ${target} by ${p.name}`, [campaign]);
    opts.events?.publish({
      kind: 'action',
      action,
      campaign,
      ...(experiment ? { experiment } : {}),
      target,
      actor: actor(p),
      at: clock().toISOString(),
    });
  };
  const actionRoute = (action: OperatorAction) => ({
    // Keyed on who acts, not on the socket: every user behind one TLS proxy shares its address.
    config: {
      rateLimit: {
        max: opts.actionsPerMinute ?? 30,
        timeWindow: 60_000,
        keyGenerator: (req: Req) =>
          req.principal
            ? `${req.principal.tokenId ? 'token' : 'user'}:${req.principal.tokenId ?? req.principal.name}`
            : `client:${access.client(req)}`,
      },
    },
    // Who acts is known before the body is read: no credential is a 401, whatever it holds.
    preParsing: async (req: Req) => {
      if (req.principal) return;
      opts.log('api action refused', { action, reason: 'no credential', ip: access.client(req) });
      throw new HttpError(401, `${action} needs a token: Authorization: Bearer TOKEN`);
    },
    // Its store is read-only, and the reconciler that acts is another process.
    ...(opts.viewOnly
      ? {
          onRequest: async (req: Req, reply: FastifyReply) => {
            reply.header('allow', 'GET, HEAD');
            opts.log('api action refused', { url: req.url, reason: 'view-only', ip: req.ip });
            throw new HttpError(
              405,
              'this server only shows (gitpoms serve --no-reconcile); take the action on a reconciling server or with the gitpoms CLI',
            );
          },
        }
      : {}),
  });
  const campaignParams = {
    type: 'object',
    properties: { campaign: name },
    required: ['campaign'],
  } as const;

  for (const action of ['hold', 'kill', 'launch-now'] as const) {
    app.post<{ Params: { campaign: string }; Body: ActionBody }>(
      `/api/campaigns/:campaign/${action}`,
      { ...actionRoute(action), schema: { params: campaignParams, body: OVERRIDE_FIELDS[action] } },
      async (req, reply) => {
        const { revision, desired } = applied();
        const campaign = req.params.campaign;
        const target = targetName({ campaign, stage: req.body?.stage });
        const experiment = experimentOf(desired, campaign);
        const p = authorize(req as Req, action, experiment, target, `no campaign ${campaign}`);
        const body = req.body ?? {};
        const r = await addOverride(
          opts.store,
          desired,
          {
            action,
            campaign,
            stage: body.stage,
            actor: actor(p),
            reason: body.reason,
            for: body.for,
            confirmed: body.confirm === true,
          },
          clock(),
          revision,
          API_WORDING,
        );
        done(action, campaign, experiment, target, p);
        return reply
          .code(201)
          .send({ id: r.id, action, target, ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}) });
      },
    );
  }

  app.post<{ Params: { campaign: string }; Body: ActionBody }>(
    '/api/campaigns/:campaign/release',
    {
      ...actionRoute('release'),
      schema: { params: campaignParams, body: bodyOf('stage', 'reason') },
    },
    async (req, reply) => {
      const { desired } = applied();
      const campaign = req.params.campaign;
      const target = targetName({ campaign, stage: req.body?.stage });
      const experiment = experimentOf(desired, campaign);
      const p = authorize(req as Req, 'release', experiment, target, `no campaign ${campaign}`);
      const cleared = await releaseOverrides(opts.store, desired, {
        campaign,
        stage: req.body?.stage,
        actor: actor(p),
        reason: req.body?.reason,
      });
      done('release', campaign, experiment, target, p);
      return reply.code(201).send({ action: 'release', target, cleared });
    },
  );

  const keyParams = { type: 'object', properties: { key: name }, required: ['key'] } as const;
  /** The submission an action names, and its experiment; one the principal may not read is 404. */
  const actedOn = async (req: Req, action: OperatorAction, key: string) => {
    const { revision, desired } = applied();
    const r = await opts.store.submission(key);
    const experiment = r && experimentOfKey(desired, r);
    const p = authorize(req, action, experiment, key, `no submission ${key}`);
    const target = { campaign: r!.campaign, stage: r!.stage, submission: r!.key };
    return { revision, desired, experiment, p, target };
  };

  for (const action of ['hold', 'kill'] as const) {
    app.post<{ Params: { key: string }; Body: ActionBody }>(
      `/api/submissions/:key/${action}`,
      {
        ...actionRoute(action),
        schema: {
          summary: `${action} one submission's jobs (its stage and the rest go on)${action === 'kill' ? '; nothing is made from it after: no recovery, no dependent' : ''}`,
          params: keyParams,
          body: action === 'kill' ? bodyOf('reason', 'for', 'confirm') : bodyOf('reason', 'for'),
        },
      },
      async (req, reply) => {
        const { revision, desired, experiment, p, target } = await actedOn(
          req as Req,
          action,
          req.params.key,
        );
        const body = req.body ?? {};
        const r = await addOverride(
          opts.store,
          desired,
          {
            action,
            ...target,
            actor: actor(p),
            reason: body.reason,
            for: body.for,
            confirmed: body.confirm === true,
          },
          clock(),
          revision,
          API_WORDING,
        );
        done(action, target.campaign, experiment, target.submission, p);
        return reply.code(201).send({
          id: r.id,
          action,
          target: target.submission,
          ...(r.expiresAt ? { expiresAt: r.expiresAt } : {}),
        });
      },
    );
  }

  app.post<{ Params: { key: string }; Body: ActionBody }>(
    '/api/submissions/:key/release',
    {
      ...actionRoute('release'),
      schema: {
        summary: 'clears the holds and kills of one submission; its held jobs are released',
        params: keyParams,
        body: bodyOf('reason'),
      },
    },
    async (req, reply) => {
      const { desired, experiment, p, target } = await actedOn(
        req as Req,
        'release',
        req.params.key,
      );
      const cleared = await releaseOverrides(opts.store, desired, {
        ...target,
        actor: actor(p),
        reason: req.body?.reason,
      });
      done('release', target.campaign, experiment, target.submission, p);
      return reply.code(201).send({ action: 'release', target: target.submission, cleared });
    },
  );

  app.post<{ Params: { campaign: string }; Body: ActionBody }>(
    '/api/campaigns/:campaign/prune',
    {
      ...actionRoute('prune'),
      schema: { params: campaignParams, body: bodyOf('stage', 'reason', 'confirm') },
    },
    async (req, reply) => {
      const { revision, desired } = applied();
      const campaign = req.params.campaign;
      const target = targetName({ campaign, stage: req.body?.stage });
      // A campaign being pruned may have left the spec: its experiment is in its records.
      const known = (await opts.store.submissions()).find((r) => r.campaign === campaign);
      const experiment = experimentOf(desired, campaign) ?? known?.definition?.stage.experiment;
      const p = authorize(req as Req, 'prune', experiment, target, `no campaign ${campaign}`);
      const id = await confirmPrune(
        opts.store,
        {
          campaign,
          stage: req.body?.stage,
          actor: actor(p),
          reason: req.body?.reason,
          confirmed: req.body?.confirm === true,
        },
        revision,
        API_WORDING,
      );
      done('prune', campaign, experiment, target, p);
      return reply.code(201).send({ id, action: 'prune', target });
    },
  );

  app.post<{
    Params: { campaign: string; stage: string };
    Body: Omit<ActionBody, 'stage' | 'for'>;
  }>(
    '/api/campaigns/:campaign/stages/:stage/split-reset',
    {
      ...actionRoute('split-reset'),
      schema: {
        params: {
          type: 'object',
          properties: { campaign: name, stage: name },
          required: ['campaign', 'stage'],
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            reason: actionBody.properties.reason,
            confirm: actionBody.properties.confirm,
          },
        },
      },
    },
    async (req, reply) => {
      const { desired } = applied();
      const { campaign, stage } = req.params;
      const target = `${campaign}/${stage}`;
      const experiment = experimentOf(desired, campaign);
      const p = authorize(req as Req, 'split-reset', experiment, target, `no campaign ${campaign}`);
      const r = await resetStageSplit(
        opts.store,
        desired,
        {
          stage: target,
          actor: actor(p),
          reason: req.body?.reason,
          confirmed: req.body?.confirm === true,
        },
        API_WORDING,
      );
      done('split-reset', campaign, experiment, target, p);
      return reply.code(201).send({ action: 'split-reset', target, generation: r.generation });
    },
  );

  const switchBody = {
    type: 'object',
    additionalProperties: false,
    properties: { reason: actionBody.properties.reason },
  } as const;
  app.post<{ Body: { reason?: string } }>(
    '/api/launches/hold',
    {
      ...actionRoute('hold-launches'),
      schema: { summary: 'hold every launch (admin)', body: switchBody },
    },
    async (req, reply) => {
      const p = authorize(req as Req, 'hold-launches', undefined, 'every launch');
      const id = await holdLaunches(
        opts.store,
        { actor: actor(p), reason: req.body?.reason },
        clock(),
        API_WORDING,
      );
      done('hold-launches', EVERY_CAMPAIGN, undefined, 'every launch', p);
      return reply.code(201).send({ id, action: 'hold-launches' });
    },
  );
  app.post<{ Body: { reason?: string } }>(
    '/api/launches/allow',
    {
      ...actionRoute('allow-launches'),
      schema: { summary: 'allow launches again (admin)', body: switchBody },
    },
    async (req, reply) => {
      const p = authorize(req as Req, 'allow-launches', undefined, 'every launch');
      const wasHeld = await allowLaunches(opts.store, {
        actor: actor(p),
        reason: req.body?.reason,
      });
      done('allow-launches', EVERY_CAMPAIGN, undefined, 'every launch', p);
      return reply.code(201).send({ action: 'allow-launches', wasHeld });
    },
  );
}
