// The dashboard's routes: server-rendered pages over what the API reads (the applied revision,
// the last pass, the store's records and last observation of the jobs), with /static for the
// stylesheet and the page script. Reading a page adds no query to the batch system or catalog,
// but for a job's page, which reads that job's logs.
import { replicaView } from '../../engine/replica-view.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store, StoredJob, StoredSubmission } from '../../adapters/store/types.js';
import type { CatalogFigures } from '../../engine/catalog-figures.js';
import { explain } from '../../engine/explain.js';
import type { Reconciler } from '../../engine/loop.js';
import { experimentOf } from '../../engine/operator.js';
import type { ServiceProbes } from '../../engine/probes.js';
import { stageStats } from '../../engine/stats.js';
import { GitpomsError } from '../../errors.js';
import { browseLink, locationOf } from '../../source/browse.js';
import { projectName } from '../../job/dimensions.js';
import { ACTION_ROLES, LIVE_JOB_STATES, mayAct, type DesiredState } from '../../model/index.js';
import { applyOverrides, deriveStatus } from '../../plan/plan.js';
import { WAITING_NOTES, type StageSummary } from '../../plan/types.js';
import { HttpError, readableServices, type Access, type Req } from '../access.js';
import type { CatalogReads } from '../catalog-reads.js';
import { jobOfSubmission, logWindow, readLogs, type JobLogReader } from '../job-logs.js';
import {
  FILE_CATEGORIES,
  fileExperiment,
  type FileCategory,
} from '../../engine/file-accounting.js';
import { segments } from './charts.js';
import { ago, submissionHref, when, type MayAct, type PageBanner } from './components.js';
import {
  campaignGraph,
  csv,
  DAILY_HEADER,
  dailyStats,
  failedJob,
  jobsByKey,
  submissionTree,
} from './data.js';
import {
  CampaignPage,
  ErrorPage,
  FilePage,
  FilesPage,
  JobPage,
  type JobLogsShown,
  OverviewPage,
  PlanPage,
  RevisionsPage,
  SignInPage,
  StagePage,
  SubmissionPage,
  SubmissionsPage,
  TimeBarsPage,
  TriagePage,
  type CampaignRow,
  type TriageGroup,
} from './pages.js';

export interface WebOptions {
  store: Store;
  reconciler: Pick<Reconciler, 'current' | 'lastPass' | 'status'> &
    Partial<Pick<Reconciler, 'lastChange'>>;
  probes?: ServiceProbes | undefined;
  /** The catalog's per-stage figures, read when a page shows them; without it those show '-'. */
  figures?: CatalogFigures | undefined;
  /** The reconciler's data directory, where each launch leaves its output. */
  dataDir?: string | undefined;
  /** Reads a job's stdout and stderr when its page is asked for. */
  logs?: JobLogReader | undefined;
  /** The catalog for file drill-downs (cached); without it those pages say so. */
  catalog?: CatalogReads | undefined;
  /** The forge's file view (source.browseUrl) and source.path: diagnostics link there. */
  browse?: { template: string; specPath?: string | undefined } | undefined;
  /** A server that only shows (serve --no-reconcile): every page says so. */
  viewOnly?: boolean | undefined;
  clock?: () => Date;
  log: (msg: string, detail: Record<string, unknown>) => void;
}

const ALL = 1_000_000_000;
const OUTPUT_TAIL = 64 * 1024;

/**
 * What the launch of a submission left: a launch script's output (launch.log), or the
 * jobsub_submit command fife_launch rendered; its last 64 KiB.
 */
function launchOutput(dataDir: string, key: string): { file: string; text: string } | undefined {
  const dir = path.join(dataDir, 'submissions', projectName(key));
  for (const file of ['launch.log', 'jobsub_submit.sh']) {
    let text: Buffer;
    try {
      text = readFileSync(path.join(dir, file));
    } catch {
      continue;
    }
    const tail = text.subarray(Math.max(0, text.length - OUTPUT_TAIL)).toString('utf8');
    return { file, text: text.length > OUTPUT_TAIL ? `…${tail}` : tail };
  }
  return undefined;
}
const PAGE = 100;

const text = { type: 'string', minLength: 1, maxLength: 400 } as const;
const offset = { type: 'integer', minimum: 0, default: 0 } as const;

/** A route's query: these fields and no other, `required` among them. */
const query = (properties: Record<string, object>, required: string[] = []) => ({
  querystring: { type: 'object', additionalProperties: false, required, properties },
});

/** A CSV download named `name`. */
const sendCsv = (reply: FastifyReply, name: string, rows: readonly (readonly string[])[]) =>
  reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"`)
    .send(csv(rows));

export function registerPages(app: FastifyInstance, opts: WebOptions, access: Access): void {
  const clock = opts.clock ?? (() => new Date());
  const { mayRead } = access;

  /**
   * What is wrong, for the banner on every page: a backend or the source failing, no revision.
   * Behind tokens, a reader hears of its own experiments' services only, and an anonymous
   * client (the sign-in and error pages) of nothing.
   */
  /** Why `req` may not act on `experiment`'s campaigns (every one's, for the launch switch). */
  const may =
    (req: Req, experiment: string | undefined): MayAct =>
    (action) => {
      if (opts.viewOnly)
        return 'This server only shows: act on the reconciling server or with the gitpoms CLI.';
      const need = ACTION_ROLES[action];
      const as = `a ${need}${need === 'admin' ? '' : ` of ${experiment ?? 'its experiment'}`}`;
      const what = action.replace('-', ' ');
      const p = req.principal;
      if (!p) return `Sign in as ${as} to ${what}.`;
      if (mayAct(p, need, experiment)) return undefined;
      const mine = p.role === 'admin' ? '' : ` of ${p.experiments.join(', ') || 'no experiment'}`;
      return `Signed in as ${p.name}, ${p.role}${mine}: to ${what} takes ${as}.`;
    };

  const banner = (req: Req): PageBanner => {
    const out: string[] = [];
    const s = opts.reconciler.status();
    const now = clock();
    const page = { lines: out, asOf: s.lastGoodPassAt, now: now.toISOString() };
    if (access.readAccess() === 'token' && !req.principal) return page;
    const full = !access.restricted(req);
    // A pass overdue by more than a minute: the reconciler may have stopped.
    const age = s.lastGoodPassAt ? now.getTime() - Date.parse(s.lastGoodPassAt) : undefined;
    if (age !== undefined && s.intervalMs !== undefined && age > s.intervalMs + 60_000)
      out.push(
        `The last pass that observed everything ended at ${when(s.lastGoodPassAt)}, ${ago(age)}, longer ago than the reconciler's interval of ${Math.round(s.intervalMs / 1000)} s: it may have stopped, and these pages may be out of date.`,
      );
    if (opts.viewOnly)
      out.push(
        'This server only shows what the reconciler recorded: actions here are refused; take them on a reconciling server or with the gitpoms CLI.',
      );
    if (!s.applied) out.push('No valid revision applied yet: the pages show the store only.');
    if (s.failures > 0 && s.lastError)
      out.push(
        full
          ? `The last ${s.failures} pass(es) failed: ${s.lastError}`
          : `The last ${s.failures} pass(es) failed; an admin sees why.`,
      );
    if (s.sourceError && full) out.push(`The source cannot be read: ${s.sourceError}`);
    if (s.latest && !s.latest.valid)
      out.push(
        `Revision ${s.latest.revision.slice(0, 12)} does not validate and is not applied (see Revisions).`,
      );
    const services = readableServices(opts.probes, opts.reconciler.current()?.desired, req, access);
    for (const [name, r] of Object.entries(services))
      if (r.status === 'failed') out.push(`Service ${name} failed: ${r.detail}`);
    const error = full ? opts.figures?.lastError() : undefined;
    if (error) out.push(`The catalog could not be read for Pending and Files: ${error}`);
    return page;
  };

  const html = (reply: FastifyReply, body: JSX.Element, status = 200) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(body as string);

  const applied = (): { revision: string; desired: DesiredState } => {
    const c = opts.reconciler.current();
    if (!c) throw new HttpError(503, 'No valid revision has been applied yet; see Revisions.');
    return c;
  };

  const campaignOf = (req: Req, name: string) => {
    const { revision, desired } = applied();
    const c = desired.campaigns.find((x) => x.name === name);
    if (!c || !mayRead(req, c.experiment)) throw new HttpError(404, `No campaign ${name}.`);
    return { revision, desired, campaign: c };
  };

  const summariesOf = (campaign: string): Map<string, StageSummary> =>
    new Map(
      (opts.reconciler.lastPass()?.plan.stages ?? [])
        .filter((s) => s.campaign === campaign)
        .map((s) => [s.stage, s]),
    );

  const campaignJobs = async (campaign: string) =>
    (await opts.store.jobPage({ campaign, limit: ALL, offset: 0 })).items;

  app.setErrorHandler((e: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    const status =
      e instanceof HttpError
        ? e.status
        : e.validation || (e instanceof GitpomsError && e.code === 'invalid-input')
          ? 400
          : e instanceof GitpomsError
            ? 503
            : (e.statusCode ?? 500);
    if (status >= 500) opts.log('page failed', { url: req.url, err: e.message });
    const message = status === 500 ? 'Internal error; the server log says more.' : e.message;
    return html(
      reply,
      <ErrorPage banner={banner(req)} status={status} message={message} />,
      status,
    );
  });

  const pageGate = async (req: Req) => {
    if (access.readAccess() === 'token' && !req.principal)
      throw new HttpError(401, 'This server needs a token to read: use Token (top right) first.');
  };

  app.get('/sign-in', async (req: Req, reply) =>
    html(reply, <SignInPage banner={banner(req)} readAccess={access.readAccess()} />),
  );

  app.get('/', { preHandler: pageGate }, async (req: Req, reply) => {
    const cur = opts.reconciler.current();
    const last = opts.reconciler.lastPass();
    const overrides = await opts.store.activeOverrides(clock(), cur?.revision);
    const held = overrides.find((o) => o.action === 'hold-launches');
    // A campaign's state with its holds and kills, as the planner sees it.
    const stateOf = new Map(
      (cur ? applyOverrides(cur.desired, overrides).desired.campaigns : []).map((c) => [
        c.name,
        c.state,
      ]),
    );
    const byStage = new Map((last?.plan.stages ?? []).map((s) => [`${s.campaign}/${s.stage}`, s]));
    const replicas = await replicaView(opts.store);
    const rows: CampaignRow[] = (cur?.desired.campaigns ?? [])
      .filter((c) => mayRead(req, c.experiment))
      .map((c) => {
        const row: CampaignRow = {
          name: c.name,
          experiment: c.experiment,
          state: stateOf.get(c.name) ?? c.state,
          stages: c.stages.length,
          submissions: 0,
          located: 0,
          failed: 0,
          running: 0,
          idle: 0,
          held: 0,
          holds: overrides.filter((o) => o.campaign === c.name).length,
          ...(replicas?.owners.has(c.name) ? { owner: replicas.owners.get(c.name)!.owner } : {}),
        };
        for (const s of c.stages) {
          const sum = byStage.get(`${c.name}/${s.name}`);
          if (!sum) continue;
          for (const [k, n] of Object.entries(sum.submissions)) {
            row.submissions += n;
            if (k === 'located') row.located += n;
            if (k === 'failed' || k === 'launch-failed') row.failed += n;
          }
          row.running += sum.jobs.running ?? 0;
          row.idle += sum.jobs.idle ?? 0;
          row.held += sum.jobs.held ?? 0;
        }
        return row;
      });
    const readable = (campaign: string | undefined) =>
      campaign === undefined || mayRead(req, cur && experimentOf(cur.desired, campaign));
    return html(
      reply,
      <OverviewPage
        banner={banner(req)}
        may={may(req, undefined)}
        revision={cur?.revision}
        campaigns={rows}
        {...(replicas ? { replicas: replicas.replicas } : {})}
        services={readableServices(opts.probes, cur?.desired, req, access)}
        serviceSpecs={(cur?.desired.services ?? []).filter((s) => mayRead(req, s.experiment))}
        waiting={(last?.plan.notes ?? [])
          .filter((n) => WAITING_NOTES.has(n.kind) && readable(n.campaign))
          .slice(0, 200)}
        launches={
          held
            ? {
                held: true,
                text: `held by ${held.actor} since ${when(held.createdAt)}: ${held.reason}`,
              }
            : { held: false, text: 'every campaign may launch' }
        }
      />,
    );
  });

  app.get<{ Params: { campaign: string } }>(
    '/campaigns/:campaign',
    { preHandler: pageGate },
    async (req, reply) => {
      const { revision, desired, campaign: c } = campaignOf(req as Req, req.params.campaign);
      const records = (await opts.store.submissions()).filter((r) => r.campaign === c.name);
      const jobs = await campaignJobs(c.name);
      // Read again in the background (at most once a minute): this view shows the last read.
      void opts.figures?.refresh(desired, c, records);
      const fig = opts.figures?.snapshot(c.name);
      const stats = stageStats(
        { ...desired, campaigns: [c] },
        records,
        jobs,
        fig?.counts ?? new Map(),
      );
      const summaries = summariesOf(c.name);
      const overrides = (await opts.store.activeOverrides(clock(), revision)).filter(
        (o) => o.campaign === c.name,
      );
      const state = applyOverrides({ ...desired, campaigns: [c] }, overrides).desired.campaigns[0]!
        .state;
      return html(
        reply,
        <CampaignPage
          banner={banner(req)}
          may={may(req, c.experiment)}
          campaign={c}
          state={state}
          stats={stats}
          summaries={summaries}
          overrides={overrides}
          graph={campaignGraph(c, new Map(stats.map((s) => [s.stage, s])), summaries)}
          figures={fig?.at ? `Pending and Files as the catalog said at ${when(fig.at)}.` : ''}
        />,
      );
    },
  );

  app.get<{ Params: { campaign: string; stage: string } }>(
    '/campaigns/:campaign/stages/:stage',
    { preHandler: pageGate },
    async (req, reply) => {
      const { revision, campaign: c } = campaignOf(req as Req, req.params.campaign);
      const s = c.stages.find((x) => x.name === req.params.stage);
      if (!s) throw new HttpError(404, `Campaign ${c.name} has no stage ${req.params.stage}.`);
      const records = (await opts.store.submissions()).filter(
        (r) => r.campaign === c.name && r.stage === s.name,
      );
      const recent = records.slice(-20).reverse();
      const jobs = await campaignJobs(c.name);
      const keys = new Set(records.map((r) => r.key));
      const mine = jobs.filter((j) => keys.has(j.submission));
      const byKey = jobsByKey(mine);
      const split = (await opts.store.splitStates())[`${c.name}/${s.name}`];
      return html(
        reply,
        <StagePage
          banner={banner(req)}
          may={may(req, c.experiment)}
          stage={s}
          state={summariesOf(c.name).get(s.name)?.state ?? s.state}
          overrides={(await opts.store.activeOverrides(clock(), revision)).filter(
            (o) => o.campaign === c.name && (o.stage === undefined || o.stage === s.name),
          )}
          recent={recent.map((r) => {
            const js = byKey.get(r.key) ?? [];
            return { record: r, status: deriveStatus(r, js), depth: 0, jobs: js.length };
          })}
          total={records.length}
          jobs={mine}
          splitPosition={
            s.split.type === 'none' || !split
              ? undefined
              : `at slice ${split.position + 1}${split.generation ? `, generation ${split.generation}` : ''}`
          }
        />,
      );
    },
  );

  app.get<{ Params: { campaign: string }; Querystring: { stage?: string; offset: number } }>(
    '/campaigns/:campaign/submissions',
    { preHandler: pageGate, schema: query({ stage: { type: 'string', maxLength: 200 }, offset }) },
    async (req, reply) => {
      const { campaign: c } = campaignOf(req as Req, req.params.campaign);
      const stage = req.query.stage || undefined;
      if (stage && !c.stages.some((s) => s.name === stage))
        throw new HttpError(404, `Campaign ${c.name} has no stage ${stage}.`);
      const records = (await opts.store.submissions()).filter(
        (r) => r.campaign === c.name && (!stage || r.stage === stage),
      );
      const rows = submissionTree(records, jobsByKey(await campaignJobs(c.name)));
      const offset = req.query.offset;
      return html(
        reply,
        <SubmissionsPage
          banner={banner(req)}
          campaign={c.name}
          stage={stage}
          rows={rows.slice(offset, offset + PAGE)}
          offset={offset}
          limit={PAGE}
          total={rows.length}
        />,
      );
    },
  );

  /** A submission the request may read, or a 404. */
  const experimentOfRecord = (r: StoredSubmission | undefined) => {
    const cur = opts.reconciler.current();
    return (cur && experimentOf(cur.desired, r?.campaign ?? '')) ?? r?.definition?.stage.experiment;
  };
  const readableSubmission = async (req: Req, key: string) => {
    const r = await opts.store.submission(key);
    if (!r || !mayRead(req, experimentOfRecord(r)))
      throw new HttpError(404, `No submission ${key}.`);
    return r;
  };

  app.get<{ Querystring: { key: string; offset: number } }>(
    '/submission',
    { preHandler: pageGate, schema: query({ key: text, offset }, ['key']) },
    async (req, reply) => {
      const r = await readableSubmission(req as Req, req.query.key);
      const e = await explain(
        opts.store,
        undefined,
        r.key,
        clock(),
        opts.reconciler.current()?.revision,
      );
      if (!e) throw new HttpError(404, `No submission ${r.key}.`);
      const jobs = await opts.store.jobPage({
        submission: r.key,
        limit: PAGE,
        offset: req.query.offset,
      });
      return html(
        reply,
        <SubmissionPage
          banner={banner(req)}
          may={may(req, experimentOfRecord(r))}
          launchOutput={opts.dataDir ? launchOutput(opts.dataDir, r.key) : undefined}
          record={r}
          explanation={e}
          jobs={jobs.items}
          jobTotal={jobs.total}
          offset={req.query.offset}
          limit={PAGE}
        />,
      );
    },
  );

  const position = { type: 'integer', minimum: 0 } as const;
  app.get<{ Querystring: { key: string; id: string; stdoutEnd?: number; stderrEnd?: number } }>(
    '/job',
    {
      preHandler: pageGate,
      schema: query({ key: text, id: text, stdoutEnd: position, stderrEnd: position }, [
        'key',
        'id',
      ]),
    },
    async (req, reply) => {
      const q = req.query;
      const r = await readableSubmission(req as Req, q.key);
      const job = await jobOfSubmission(opts.store, r.key, q.id);
      if (!job) throw new HttpError(404, `Submission ${r.key} has no job ${q.id}.`);
      let logs: JobLogsShown;
      try {
        const l = await readLogs(opts.logs, job.id, r.batch);
        logs = {
          stdout: logWindow('stdout', l.stdout, { end: q.stdoutEnd }),
          stderr: logWindow('stderr', l.stderr, { end: q.stderrEnd }),
        };
      } catch (e) {
        if (!(e instanceof HttpError)) throw e;
        logs = { error: e.message };
      }
      // The tail of a job that may still write is fetched again; an earlier page stays put.
      const follow =
        q.stdoutEnd === undefined &&
        q.stderrEnd === undefined &&
        LIVE_JOB_STATES.includes(job.state);
      return html(
        reply,
        <JobPage
          banner={banner(req)}
          job={job}
          record={r}
          logs={logs}
          follow={follow}
          ends={{ stdoutEnd: q.stdoutEnd, stderrEnd: q.stderrEnd }}
        />,
      );
    },
  );

  app.get<{ Params: { campaign: string } }>(
    '/campaigns/:campaign/triage',
    { preHandler: pageGate },
    async (req, reply) => {
      const { campaign: c } = campaignOf(req as Req, req.params.campaign);
      const stageOf = new Map(
        (await opts.store.submissions())
          .filter((r) => r.campaign === c.name)
          .map((r) => [r.key, r.stage]),
      );
      const failed = (await campaignJobs(c.name)).filter(failedJob);
      const groups = (label: (j: StoredJob) => string): TriageGroup[] => {
        const m = new Map<string, TriageGroup>();
        for (const j of failed) {
          const k = label(j);
          const g = m.get(k);
          if (g) g.count++;
          else m.set(k, { label: k, count: 1, example: j });
        }
        return [...m.values()].sort((a, b) => b.count - a.count || (a.label < b.label ? -1 : 1));
      };
      const exit = (j: StoredJob) =>
        j.state === 'completed' ? `exit ${j.exitCode ?? '?'}` : j.state;
      return html(
        reply,
        <TriagePage
          banner={banner(req)}
          campaign={c.name}
          byExit={groups((j) => `${exit(j)} × ${stageOf.get(j.submission) ?? '?'}`)}
          byNode={groups((j) => j.node ?? 'unknown node')}
          bySite={groups((j) => j.site ?? 'unknown site')}
          failed={failed.slice(0, 200)}
          total={failed.length}
        />,
      );
    },
  );

  app.get<{ Params: { campaign: string }; Querystring: { to?: string; seconds?: number } }>(
    '/campaigns/:campaign/timebars',
    {
      preHandler: pageGate,
      schema: query({
        to: { type: 'string', format: 'date-time' },
        seconds: { type: 'integer', minimum: 60, maximum: 31 * 86_400 },
      }),
    },
    async (req, reply) => {
      const { campaign: c } = campaignOf(req as Req, req.params.campaign);
      const records = (await opts.store.submissions()).filter((r) => r.campaign === c.name);
      const byKey = jobsByKey(await campaignJobs(c.name));
      const now = clock().getTime();
      // By default the window spans the campaign's submissions (at most a day, to its last
      // change), so a finished campaign still shows.
      let first = Infinity;
      let lastChange = -Infinity;
      for (const r of records) {
        first = Math.min(first, Date.parse(r.launchedAt));
        lastChange = Math.max(lastChange, Date.parse(r.history.at(-1)?.at ?? r.launchedAt));
      }
      const span =
        (req.query.seconds ??
          (records.length ? Math.min(86_400, Math.max(60, (lastChange - first) / 1000)) : 86_400)) *
        1000;
      const to = req.query.to
        ? Date.parse(req.query.to)
        : records.length
          ? Math.min(now, lastChange + span * 0.02)
          : now;
      const from = to - span * (req.query.seconds ? 1 : 1.04);
      const rows = records
        .map((r) => ({
          key: r.key,
          label: r.key.slice(c.name.length + 1),
          href: submissionHref(r.key),
          segments: segments(r, byKey.get(r.key) ?? [], now),
        }))
        .filter((r) => r.segments.some((s) => s.to >= from && s.from <= to))
        .slice(0, 500);
      return html(
        reply,
        <TimeBarsPage banner={banner(req)} campaign={c.name} rows={rows} from={from} to={to} />,
      );
    },
  );

  app.get<{ Params: { campaign: string } }>(
    '/campaigns/:campaign/stats.csv',
    { preHandler: pageGate },
    async (req, reply) => {
      const { campaign: c } = campaignOf(req as Req, req.params.campaign);
      const records = (await opts.store.submissions()).filter((r) => r.campaign === c.name);
      const stageOf = new Map(records.map((r) => [r.key, r.stage]));
      return sendCsv(reply, `${c.name}-daily.csv`, [
        DAILY_HEADER,
        ...dailyStats(records, await campaignJobs(c.name), stageOf, clock()),
      ]);
    },
  );

  app.get('/plan', { preHandler: pageGate }, async (req: Req, reply) => {
    const p = opts.reconciler.lastPass();
    const cur = opts.reconciler.current();
    const seen = (campaign: string | undefined) =>
      campaign === undefined
        ? !access.restricted(req)
        : mayRead(req, cur && experimentOf(cur.desired, campaign));
    return html(
      reply,
      <PlanPage
        banner={banner(req)}
        pass={p?.pass}
        revision={p?.revision}
        latest={opts.reconciler.status().latest}
        change={opts.reconciler.lastChange?.()}
        actions={(p?.plan.actions ?? []).filter((a) => seen(a.campaign))}
        notes={(p?.plan.notes ?? []).filter((n) => seen(n.campaign))}
        failed={(p?.results ?? [])
          .filter((r) => !r.ok && seen(r.action.campaign))
          .map((r) => ({
            key: r.action.key,
            kind: r.action.kind,
            error: (r.ok ? '' : r.error) ?? 'failed',
          }))}
      />,
    );
  });

  const browse = opts.browse;
  app.get('/revisions', { preHandler: pageGate }, async (req: Req, reply) => {
    if (access.restricted(req))
      throw new HttpError(403, 'The revision history and the audit log need an admin token.');
    return html(
      reply,
      <RevisionsPage
        banner={banner(req)}
        revisions={await opts.store.revisions(100)}
        audit={await opts.store.auditLog(100)}
        link={
          browse &&
          ((revision, e) => {
            const at = locationOf(e);
            return at && browseLink(browse.template, browse.specPath, revision, at);
          })
        }
      />,
    );
  });

  const catalogOf = (): CatalogReads => {
    if (!opts.catalog) throw new HttpError(503, 'This server has no catalog to ask.');
    return opts.catalog;
  };

  app.get<{ Querystring: { key: string; category?: FileCategory; offset: number } }>(
    '/submission/files',
    {
      preHandler: pageGate,
      schema: query({ key: text, category: { enum: FILE_CATEGORIES }, offset }, ['key']),
    },
    async (req, reply) => {
      const r = await readableSubmission(req as Req, req.query.key);
      const counts = await catalogOf().accounting(r.key, r.project);
      const category = req.query.category;
      const row = category && counts.find((c) => c.category === category);
      if (category && !row)
        throw new HttpError(404, `${r.key} has no ${category} files: it has no input project.`);
      const files = row ? await catalogOf().list(row.dims) : [];
      const offset = req.query.offset;
      return html(
        reply,
        <FilesPage
          banner={banner(req)}
          record={r}
          counts={counts}
          category={category}
          files={files.slice(offset, offset + PAGE)}
          offset={offset}
          limit={PAGE}
          total={files.length}
        />,
      );
    },
  );

  app.get<{ Querystring: { key: string } }>(
    '/submission/files.csv',
    { preHandler: pageGate, schema: query({ key: text }, ['key']) },
    async (req, reply) => {
      const r = await readableSubmission(req as Req, req.query.key);
      const rows: string[][] = [['category', 'file']];
      for (const c of await catalogOf().accounting(r.key, r.project))
        for (const f of await catalogOf().list(c.dims)) rows.push([c.category, f]);
      return sendCsv(reply, `${r.key}-files.csv`, rows);
    },
  );

  app.get<{ Querystring: { name: string } }>(
    '/file',
    { preHandler: pageGate, schema: query({ name: text }, ['name']) },
    async (req, reply) => {
      const f = await catalogOf().file(req.query.name);
      const desired = opts.reconciler.current()?.desired;
      if (!f || !mayRead(req as Req, fileExperiment(desired, f.metadata)))
        throw new HttpError(404, `No file ${req.query.name} in the catalog.`);
      return html(reply, <FilePage banner={banner(req)} file={f} />);
    },
  );
}
