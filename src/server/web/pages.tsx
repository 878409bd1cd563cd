// The operator's pages (POMS's campaign stages, stage info, submissions, submission details,
// triage, time bars; Argo CD's plan and history). Each takes what its route read.
import type { ReplicaView } from '../../engine/replica-view.js';
import { stringify } from 'yaml';
import type {
  AuditEntry,
  RevisionRecord,
  StoredJob,
  StoredSubmission,
} from '../../adapters/store/types.js';
import type { FileRecord } from '../../adapters/catalog/types.js';
import type { Explanation } from '../../engine/explain.js';
import type { RevisionChange } from '../../engine/loop.js';
import type { FileCategory, FileCount } from '../../engine/file-accounting.js';
import type { ProbeResult } from '../../engine/probes.js';
import { STATS_HEADER, type StageStats } from '../../engine/stats.js';
import {
  shownJobState,
  type NamedService,
  type OperatorOverride,
  type ResolvedCampaign,
  type ResolvedStage,
} from '../../model/index.js';
import type { Action, Note, StageSummary } from '../../plan/types.js';
import { Histogram, TimeBars, binned, type Segment } from './charts.js';
import {
  ActionForm,
  type MayAct,
  Layout,
  Num,
  Pager,
  State,
  campaignHref,
  href,
  jobHref,
  stageHref,
  submissionHref,
  when,
  type Crumb,
  type PageBanner,
} from './components.js';
import type { LogWindow } from '../job-logs.js';
import { Dag, type DagEdge, type DagNode } from './dag.js';
import { efficiency, type TreeRow } from './data.js';

export interface Frame {
  banner: PageBanner;
  /** Why the reader may not act here (its action forms are disabled and say so). */
  may?: MayAct | undefined;
}

const overrideText = (o: OperatorOverride) =>
  `${o.submission ? `${o.submission}: ` : ''}${o.action} by ${o.actor} since ${when(o.createdAt)}${o.expiresAt ? ` until ${when(o.expiresAt)}` : ''}: ${o.reason}`;

const home: Crumb = { label: 'Campaigns', to: '/' };
const crumbsOf = (campaign: string, stage?: string): Crumb[] => [
  home,
  { label: campaign, to: campaignHref(campaign) },
  ...(stage ? [{ label: stage, to: stageHref(campaign, stage) }] : []),
];

export interface CampaignRow {
  name: string;
  experiment: string;
  state: string;
  stages: number;
  submissions: number;
  located: number;
  failed: number;
  running: number;
  idle: number;
  held: number;
  holds: number;
  /** The replica holding its lease, when replicas share the store. */
  owner?: string;
}

export function OverviewPage(
  p: Frame & {
    revision: string | undefined;
    campaigns: CampaignRow[];
    services: Record<string, ProbeResult>;
    serviceSpecs: readonly NamedService[];
    waiting: Note[];
    launches: { held: boolean; text: string };
    replicas?: ReplicaView['replicas'];
  },
): JSX.Element {
  const owners = p.replicas !== undefined;
  return (
    <Layout title="Campaigns" banner={p.banner}>
      <section data-live id="switch" class="panel">
        <h2>Launches</h2>
        <p>
          <State state={p.launches.held ? 'held' : 'allowed'} /> <span safe>{p.launches.text}</span>
        </p>
        <ActionForm
          may={p.may}
          action="/api/launches/hold"
          label="Hold all launches"
          fields={['reason']}
        />
        <ActionForm
          may={p.may}
          action="/api/launches/allow"
          label="Allow launches"
          fields={['reason']}
        />
      </section>
      <section data-live id="campaigns">
        <p safe>
          {p.revision ? `Applied revision ${p.revision.slice(0, 12)}` : 'No revision applied yet.'}
        </p>
        <table>
          <thead>
            <tr>
              <th>Campaign</th>
              <th>Experiment</th>
              <th>State</th>
              <th class="num">Stages</th>
              <th class="num">Located / submissions</th>
              <th class="num">Failed</th>
              <th class="num">Idle</th>
              <th class="num">Running</th>
              <th class="num">Held</th>
              <th class="num">Overrides</th>
              {owners && <th>Replica</th>}
            </tr>
          </thead>
          <tbody>
            {p.campaigns.map((c) => (
              <tr data-campaign={c.name}>
                <td>
                  <a href={campaignHref(c.name)} safe>
                    {c.name}
                  </a>
                </td>
                <td safe>{c.experiment}</td>
                <td>
                  <State state={c.state} />
                </td>
                <Num n={c.stages} />
                <Num n={`${c.located}/${c.submissions}`} />
                <Num n={c.failed} />
                <Num n={c.idle} />
                <Num n={c.running} />
                <Num n={c.held} />
                <Num n={c.holds} />
                {owners && <td safe>{c.owner ?? 'no owner'}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {p.replicas !== undefined && (
        <section data-live id="replicas" class="panel">
          <h2>Replicas</h2>
          <table>
            <thead>
              <tr>
                <th>Replica</th>
                <th>Host</th>
                <th class="num">Last heartbeat (s ago)</th>
              </tr>
            </thead>
            <tbody>
              {p.replicas.map((r) => (
                <tr>
                  <td safe>{r.id}</td>
                  <td safe>{r.host ?? ''}</td>
                  <Num n={r.heartbeatAgeSeconds.toFixed(1)} />
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <section data-live id="services" class="panel">
        <h2>Services</h2>
        <Services services={p.services} specs={p.serviceSpecs} />
      </section>
      <section data-live id="waiting">
        <h2>Waiting launches</h2>
        <NoteList notes={p.waiting} empty="Nothing waits on a gate, a schedule or a hold." />
      </section>
    </Layout>
  );
}

/** Which launches a failed service holds: its experiment's campaigns, or those it names. */
export function gateText(s: NamedService | undefined): string {
  if (!s?.gatesLaunches) return 'none';
  return s.campaigns?.length ? s.campaigns.join(', ') : `every ${s.experiment} campaign`;
}

function Services({
  services,
  specs,
}: {
  services: Record<string, ProbeResult>;
  specs: readonly NamedService[];
}): JSX.Element {
  const names = Object.keys(services);
  if (!names.length) return <p>No services configured (gitpoms.yaml, services).</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Service</th>
          <th>Status</th>
          <th>Detail</th>
          <th>Checked</th>
          <th>Holds the launches of, when failed</th>
        </tr>
      </thead>
      <tbody>
        {names.map((n) => (
          <tr>
            <td safe>{n}</td>
            <td>
              <State state={services[n]!.status} />
            </td>
            <td safe>{services[n]!.detail}</td>
            <td safe>{when(services[n]!.at)}</td>
            <td safe>{gateText(specs.find((s) => s.name === n))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NoteList({ notes, empty }: { notes: readonly Note[]; empty: string }): JSX.Element {
  if (!notes.length) return <p safe>{empty}</p>;
  return (
    <ul class="notes">
      {notes.map((n) => (
        <li>
          <span class="kind">{n.kind}</span>{' '}
          {n.campaign ? (
            <a href={n.stage ? stageHref(n.campaign, n.stage) : campaignHref(n.campaign)} safe>
              {n.stage ? `${n.campaign}/${n.stage}` : n.campaign}
            </a>
          ) : (
            ''
          )}{' '}
          <span safe>{n.message}</span>
        </li>
      ))}
    </ul>
  );
}

/** POMS's stage table, as gitpoms status prints it, with the stage's state. */
const STAT_COLUMNS = ['Stage', 'State', ...STATS_HEADER.slice(1)];

export function StageTable(p: {
  campaign: string;
  stats: readonly StageStats[];
  state: (stage: string) => string;
  holds: (stage: string) => OperatorOverride[];
  figuresKnown: boolean;
}): JSX.Element {
  const fig = (n: number) => (p.figuresKnown ? n : undefined);
  return (
    <table class="stages">
      <thead>
        <tr>
          {STAT_COLUMNS.map((c, i) => (
            <th class={i > 1 ? 'num' : ''} safe>
              {c}
            </th>
          ))}
          <th>Held by</th>
        </tr>
      </thead>
      <tbody>
        {p.stats.map((s) => (
          <tr data-stage={s.stage}>
            <td>
              <a href={stageHref(p.campaign, s.stage)} safe>
                {s.stage}
              </a>
            </td>
            <td>
              <State state={p.state(s.stage)} />
            </td>
            <Num n={`${s.located}/${s.submissions}`} />
            <Num n={s.failed} />
            <Num n={s.all} />
            <Num n={s.idle} />
            <Num n={s.running} />
            <Num n={s.held} />
            <Num n={s.completed} />
            <Num n={s.failedJobs} />
            <Num n={s.notLocated} />
            <Num n={s.jobsLocated} />
            <Num n={s.removed} />
            <Num n={s.efficiency} />
            <Num n={fig(s.pending)} />
            <Num n={fig(s.files)} />
            <td>
              {p.holds(s.stage).map((o) => (
                <div safe>{overrideText(o)}</div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CampaignPage(
  p: Frame & {
    campaign: ResolvedCampaign;
    state: string;
    stats: StageStats[];
    summaries: ReadonlyMap<string, StageSummary>;
    overrides: OperatorOverride[];
    graph: { nodes: DagNode[]; edges: DagEdge[] };
    figures: string;
  },
): JSX.Element {
  const c = p.campaign;
  const holds = (stage: string) => p.overrides.filter((o) => o.stage === stage);
  const whole = p.overrides.filter((o) => o.stage === undefined);
  const scheduled = c.stages.filter((s) => s.schedule);
  return (
    <Layout title={c.name} crumbs={[home]} banner={p.banner} live={c.name}>
      <p>
        <span safe>{`Experiment ${c.experiment} · `}</span>
        <State state={p.state} />{' '}
        <a href={href(`${campaignHref(c.name)}/submissions`)}>Submissions</a> ·{' '}
        <a href={`${campaignHref(c.name)}/triage`}>Failed-job triage</a> ·{' '}
        <a href={`${campaignHref(c.name)}/timebars`}>Time bars</a> ·{' '}
        <a href={`${campaignHref(c.name)}/stats.csv`}>Daily statistics (CSV)</a>
      </p>
      <section data-live id="campaign-overrides">
        {whole.length ? (
          <ul class="holds">
            {whole.map((o) => (
              <li safe>{`Campaign ${overrideText(o)}`}</li>
            ))}
          </ul>
        ) : (
          ''
        )}
      </section>
      <section data-live id="stage-table">
        <h2>Stages</h2>
        <StageTable
          campaign={c.name}
          stats={p.stats}
          state={(s) =>
            p.summaries.get(s)?.state ?? c.stages.find((x) => x.name === s)?.state ?? '-'
          }
          holds={holds}
          figuresKnown={p.figures !== ''}
        />
        <p class="small" safe>
          {p.figures || 'Pending and Files: the catalog has not been read yet.'}
        </p>
      </section>
      <section data-live id="dag">
        <h2>Dependencies</h2>
        <Dag nodes={p.graph.nodes} edges={p.graph.edges} />
      </section>
      <section data-live id="schedule">
        <h2>Schedule</h2>
        {scheduled.length ? (
          <table>
            <thead>
              <tr>
                <th>Stage</th>
                <th>Cron</th>
                <th>Next launch</th>
              </tr>
            </thead>
            <tbody>
              {scheduled.map((s) => (
                <tr>
                  <td safe>{s.name}</td>
                  <td>
                    <code safe>{s.schedule ?? ''}</code>
                  </td>
                  <td safe>{when(p.summaries.get(s.name)?.nextLaunch)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>No stage of this campaign launches on a schedule.</p>
        )}
      </section>
      <section class="panel">
        <h2>Campaign actions</h2>
        <ActionForm
          may={p.may}
          action={`/api/campaigns/${encodeURIComponent(c.name)}/hold`}
          label="Hold campaign"
          fields={['reason', 'for']}
        />
        <ActionForm
          may={p.may}
          action={`/api/campaigns/${encodeURIComponent(c.name)}/release`}
          label="Release campaign"
          fields={['reason']}
        />
        <ActionForm
          may={p.may}
          action={`/api/campaigns/${encodeURIComponent(c.name)}/kill`}
          label="Kill campaign"
          fields={['reason', 'confirm']}
          danger
        />
      </section>
    </Layout>
  );
}

export function SubmissionRows({ rows }: { rows: readonly TreeRow[] }): JSX.Element {
  return (
    <table class="submissions">
      <thead>
        <tr>
          <th>Submission</th>
          <th>Stage</th>
          <th>Status</th>
          <th class="num">Jobs</th>
          <th>Launched</th>
          <th>Last change</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            <td style={`padding-left:${0.4 + r.depth * 1.2}em`}>
              {r.via ? (
                <span
                  class="via"
                  title={
                    r.via === 'recovery'
                      ? 'recovery of the row above'
                      : 'dependent of the row above'
                  }
                >
                  {r.via === 'recovery' ? '↺ ' : '↳ '}
                </span>
              ) : (
                ''
              )}
              <a href={submissionHref(r.record.key)} safe>
                {r.record.key}
              </a>
            </td>
            <td safe>{r.record.stage}</td>
            <td>
              <State state={r.status} />
            </td>
            <Num n={r.jobs} />
            <td safe>{when(r.record.launchedAt)}</td>
            <td safe>{r.record.history.at(-1)?.reason ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SubmissionsPage(
  p: Frame & {
    campaign: string;
    stage?: string | undefined;
    rows: TreeRow[];
    offset: number;
    limit: number;
    total: number;
  },
): JSX.Element {
  const path = `${campaignHref(p.campaign)}/submissions`;
  return (
    <Layout
      title={`Submissions of ${p.stage ? `${p.campaign}/${p.stage}` : p.campaign}`}
      crumbs={crumbsOf(p.campaign, p.stage)}
      banner={p.banner}
      live={p.campaign}
    >
      <p>↳ a dependent stage's launch over the row above's files; ↺ a recovery of the row above.</p>
      <section data-live id="submissions">
        <SubmissionRows rows={p.rows} />
        <Pager
          path={path}
          query={{ stage: p.stage }}
          offset={p.offset}
          limit={p.limit}
          total={p.total}
        />
      </section>
    </Layout>
  );
}

export function StagePage(
  p: Frame & {
    stage: ResolvedStage;
    state: string;
    overrides: OperatorOverride[];
    recent: TreeRow[];
    total: number;
    jobs: readonly StoredJob[];
    splitPosition: string | undefined;
  },
): JSX.Element {
  const s = p.stage;
  const api = `/api/campaigns/${encodeURIComponent(s.campaign)}`;
  const done = p.jobs.filter((j) => j.endedAt && j.wallSeconds);
  const effs = done.flatMap((j) => {
    const e = efficiency(j);
    return e === undefined ? [] : [e];
  });
  return (
    <Layout
      title={`${s.campaign}/${s.name}`}
      crumbs={crumbsOf(s.campaign)}
      banner={p.banner}
      live={s.campaign}
    >
      <section data-live id="stage-state">
        <p>
          <State state={p.state} />{' '}
          <span
            safe
          >{`job type ${s.jobType} · launch template ${s.launchTemplate}${s.schedule ? ` · schedule ${s.schedule}` : ''}${p.splitPosition ? ` · split ${p.splitPosition}` : ''}`}</span>
        </p>
        {p.overrides.length ? (
          <ul class="holds">
            {p.overrides.map((o) => (
              <li safe>{overrideText(o)}</li>
            ))}
          </ul>
        ) : (
          <p>No override in force.</p>
        )}
      </section>
      <section class="panel" aria-label="stage actions">
        <h2>Actions</h2>
        <ActionForm
          may={p.may}
          action={`${api}/launch-now`}
          label="Launch now"
          stage={s.name}
          fields={['reason']}
        />
        <ActionForm
          may={p.may}
          action={`${api}/hold`}
          label="Hold"
          stage={s.name}
          fields={['reason', 'for']}
        />
        <ActionForm
          may={p.may}
          action={`${api}/release`}
          label="Release"
          stage={s.name}
          fields={['reason']}
        />
        <ActionForm
          may={p.may}
          action={`${api}/kill`}
          label="Kill"
          stage={s.name}
          fields={['reason', 'confirm']}
          danger
        />
        {s.split.type !== 'none' ? (
          <ActionForm
            may={p.may}
            action={`${api}/stages/${encodeURIComponent(s.name)}/split-reset`}
            label="Reset split"
            fields={['reason', 'confirm']}
            danger
          />
        ) : (
          ''
        )}
      </section>
      <section data-live id="recent">
        <h2>
          Recent submissions{' '}
          <a
            class="small"
            href={href(`${campaignHref(s.campaign)}/submissions`, { stage: s.name })}
            safe
          >
            {`all ${p.total}`}
          </a>
        </h2>
        <SubmissionRows rows={p.recent} />
      </section>
      <section data-live id="histograms">
        <h2>Finished jobs</h2>
        <div class="charts">
          <Histogram title="CPU efficiency" unit="%" bins={binned(effs, 10)} />
          <Histogram
            title="Wall time"
            unit="s"
            bins={binned(
              done.map((j) => j.wallSeconds!),
              10,
            )}
          />
          <Histogram
            title="CPU time"
            unit="s"
            bins={binned(
              done.flatMap((j) => (j.cpuSeconds === undefined ? [] : [j.cpuSeconds])),
              10,
            )}
          />
        </div>
      </section>
      <section>
        <h2>Definition</h2>
        <pre safe>{stringify(s)}</pre>
      </section>
    </Layout>
  );
}

const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

export function SubmissionPage(
  p: Frame & {
    launchOutput: { file: string; text: string } | undefined;
    record: StoredSubmission;
    explanation: Explanation;
    jobs: StoredJob[];
    jobTotal: number;
    offset: number;
    limit: number;
  },
): JSX.Element {
  const r = p.record;
  const e = p.explanation;
  const sub = `/api/submissions/${encodeURIComponent(r.key)}`;
  return (
    <Layout
      title={r.key}
      crumbs={crumbsOf(r.campaign, r.stage)}
      banner={p.banner}
      live={r.campaign}
    >
      <section data-live id="summary">
        <dl class="facts">
          <dt>Status</dt>
          <dd>
            <State state={e.status} />
          </dd>
          <dt>Launched</dt>
          <dd safe>{`${when(e.launched.at)}: ${e.launched.reason}`}</dd>
          <dt>Revision</dt>
          <dd safe>{e.launched.revision ?? 'not recorded'}</dd>
          <dt>Batch system</dt>
          <dd safe>{e.launched.batch ?? '-'}</dd>
          <dt>Consumes</dt>
          <dd safe>{e.input}</dd>
          {e.parent ? (
            <>
              <dt>Parent</dt>
              <dd>
                <a href={submissionHref(e.parent.key)} safe>
                  {e.parent.key}
                </a>{' '}
                <State state={e.parent.status ?? 'unknown'} />
              </dd>
            </>
          ) : (
            ''
          )}
          {e.recoveryOf ? (
            <>
              <dt>Recovery of</dt>
              <dd>
                <a href={submissionHref(e.recoveryOf.key)} safe>
                  {e.recoveryOf.key}
                </a>
                <span safe>{` (${e.recoveryOf.type}, recovery ${e.recoveryOf.index + 1})`}</span>
              </dd>
            </>
          ) : (
            ''
          )}
          <dt>Project</dt>
          <dd safe>{e.project ? e.project.name : 'none (no input files)'}</dd>
          <dt>Files</dt>
          <dd>
            <a href={href('/submission/files', { key: r.key })}>File accounting</a> (asks the
            catalog)
          </dd>
        </dl>
        {e.recoveries.length + e.dependents.length ? (
          <ul>
            {[
              ...e.recoveries.map((x) => ({ ...x, via: '↺ recovery' })),
              ...e.dependents.map((x) => ({ ...x, via: '↳ dependent' })),
            ].map((x) => (
              <li>
                <span safe>{`${x.via} `}</span>
                <a href={submissionHref(x.key)} safe>
                  {x.key}
                </a>{' '}
                <State state={x.status} />
              </li>
            ))}
          </ul>
        ) : (
          ''
        )}
      </section>
      <section class="panel" aria-label="submission actions">
        <h2>Actions</h2>
        <p class="small">
          On this submission's jobs only; its stage and the rest go on. Nothing is made from a
          killed submission: no recovery, no dependent.
        </p>
        <ActionForm may={p.may} action={`${sub}/hold`} label="Hold" fields={['reason', 'for']} />
        <ActionForm may={p.may} action={`${sub}/release`} label="Release" fields={['reason']} />
        <ActionForm
          may={p.may}
          action={`${sub}/kill`}
          label="Kill"
          fields={['reason', 'confirm']}
          danger
        />
      </section>
      <section>
        <h2>Command</h2>
        <pre class="command" safe>
          {e.launched.command.map(shellWord).join(' ')}
        </pre>
      </section>
      <section data-live id="launch-output">
        <h2>Launch output</h2>
        {p.launchOutput ? (
          <>
            <p class="small" safe>
              {p.launchOutput.file === 'launch.log'
                ? 'What the launch script printed.'
                : 'The jobsub_submit command fife_launch rendered for it.'}
            </p>
            <pre safe>{p.launchOutput.text}</pre>
          </>
        ) : (
          <p>Nothing recorded for it in this server's data directory.</p>
        )}
      </section>
      <section data-live id="timeline">
        <h2>Timeline</h2>
        <table>
          <thead>
            <tr>
              <th>At</th>
              <th>Status</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {e.history.map((h) => (
              <tr>
                <td safe>{when(h.at)}</td>
                <td>
                  <State state={h.status} />
                </td>
                <td safe>{h.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {e.overrides.length ? (
          <>
            <h3>Overrides in force on it and its stage</h3>
            <ul>
              {e.overrides.map((o) => (
                <li safe>{overrideText(o)}</li>
              ))}
            </ul>
          </>
        ) : (
          ''
        )}
      </section>
      <section data-live id="jobs">
        <h2>Jobs</h2>
        <JobTable jobs={p.jobs} />
        <Pager
          path="/submission"
          query={{ key: r.key }}
          offset={p.offset}
          limit={p.limit}
          total={p.jobTotal}
        />
      </section>
      <section>
        <h2>Stage definition it was launched from</h2>
        <pre safe>{r.definition ? stringify(r.definition) : 'not recorded'}</pre>
      </section>
    </Layout>
  );
}

const secs = (n: number | undefined) => (n === undefined ? undefined : n.toFixed(1));

function JobTable({ jobs }: { jobs: readonly StoredJob[] }): JSX.Element {
  return (
    <table class="jobs">
      <thead>
        <tr>
          <th>Job</th>
          <th>State</th>
          <th class="num">Exit</th>
          <th>Node</th>
          <th>Site</th>
          <th class="num">%Eff</th>
          <th class="num">Wall s</th>
          <th class="num">CPU s</th>
          <th>Ended</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((j) => {
          const e = efficiency(j);
          return (
            <tr>
              <td>
                <a href={jobHref(j.submission, j.id)} safe>
                  {j.id}
                </a>
              </td>
              <td>
                <State state={shownJobState(j)} />
              </td>
              <Num n={j.exitCode ?? undefined} />
              <td safe>{j.node ?? '-'}</td>
              <td safe>{j.site ?? '-'}</td>
              <Num n={e === undefined ? undefined : Math.round(e)} />
              <Num n={secs(j.wallSeconds)} />
              <Num n={secs(j.cpuSeconds)} />
              <td safe>{when(j.endedAt)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A job's logs as its page shows them, or why they cannot be read. */
export type JobLogsShown = { stdout: LogWindow; stderr: LogWindow } | { error: string };

type LogEnds = { stdoutEnd?: number | undefined; stderrEnd?: number | undefined };

function LogView(p: { w: LogWindow; to: (end: number | undefined) => string }): JSX.Element {
  const { w } = p;
  return (
    <div class="log">
      <h3 safe>{w.stream}</h3>
      <p class="small">
        <span safe>
          {w.total === 0
            ? 'Nothing written yet.'
            : `Characters ${w.start + 1}–${w.end} of ${w.total}.`}
        </span>
        {w.start > 0 ? (
          <>
            {' '}
            <a href={p.to(w.start)}>Earlier</a>
          </>
        ) : (
          ''
        )}
        {w.end < w.total ? (
          <>
            {' '}
            <a href={p.to(undefined)}>Latest</a>
          </>
        ) : (
          ''
        )}
      </p>
      {w.total ? <pre safe>{w.text}</pre> : ''}
    </div>
  );
}

export function JobPage(
  p: Frame & {
    job: StoredJob;
    record: StoredSubmission;
    logs: JobLogsShown;
    /** Fetched again every few seconds: the tail of a job that may still write. */
    follow: boolean;
    ends: LogEnds;
  },
): JSX.Element {
  const j = p.job;
  const e = efficiency(j);
  const facts: Array<[string, string]> = [
    ['State', shownJobState(j)],
    ['Exit code', j.exitCode === undefined || j.exitCode === null ? '-' : String(j.exitCode)],
    ['Held reason', j.heldReason ?? '-'],
    ['Node', j.node ?? '-'],
    ['Site', j.site ?? '-'],
    ['CPU efficiency', e === undefined ? '-' : `${Math.round(e)}%`],
    ['Wall time', j.wallSeconds === undefined ? '-' : `${j.wallSeconds.toFixed(1)} s`],
    ['CPU time', j.cpuSeconds === undefined ? '-' : `${j.cpuSeconds.toFixed(1)} s`],
    ['Started', when(j.startedAt)],
    ['Ended', when(j.endedAt)],
    ['Last changed', when(j.updatedAt)],
  ];
  const to = (stream: 'stdout' | 'stderr') => (end: number | undefined) =>
    href('/job', {
      key: p.record.key,
      id: j.id,
      ...p.ends,
      [`${stream}End`]: end,
    });
  return (
    <Layout
      title={`Job ${j.id}`}
      crumbs={[
        ...crumbsOf(p.record.campaign, p.record.stage),
        { label: p.record.key, to: submissionHref(p.record.key) },
      ]}
      banner={p.banner}
    >
      <dl class="facts">
        {facts.map(([k, v]) => (
          <>
            <dt safe>{k}</dt>
            <dd safe>{v}</dd>
          </>
        ))}
      </dl>
      <section data-live id="job-logs" data-poll={p.follow ? String(LOG_POLL_MS) : undefined}>
        <h2>Logs</h2>
        {'error' in p.logs ? (
          <p class="bad" safe>
            {p.logs.error}
          </p>
        ) : (
          <>
            {p.follow ? (
              <p class="small">
                The job may still write: its tails are read again every few seconds.
              </p>
            ) : (
              ''
            )}
            <LogView w={p.logs.stdout} to={to('stdout')} />
            <LogView w={p.logs.stderr} to={to('stderr')} />
          </>
        )}
      </section>
    </Layout>
  );
}

/** How often the page of a job that may still write reads its logs again. */
const LOG_POLL_MS = 5000;

export interface TriageGroup {
  label: string;
  count: number;
  /** A failed job of the group, to drill down to. */
  example: StoredJob;
}

export function TriagePage(
  p: Frame & {
    campaign: string;
    byExit: TriageGroup[];
    byNode: TriageGroup[];
    bySite: TriageGroup[];
    failed: StoredJob[];
    total: number;
  },
): JSX.Element {
  const group = (title: string, groups: TriageGroup[]) => (
    <div>
      <h3 safe>{title}</h3>
      <table>
        <thead>
          <tr>
            <th safe>{title.replace(/^By /, '')}</th>
            <th class="num">Failed jobs</th>
            <th>Example</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr>
              <td safe>{g.label}</td>
              <Num n={g.count} />
              <td>
                <a href={jobHref(g.example.submission, g.example.id)} safe>
                  {g.example.id}
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
  return (
    <Layout
      title={`Failed jobs of ${p.campaign}`}
      crumbs={crumbsOf(p.campaign)}
      banner={p.banner}
      live={p.campaign}
    >
      <section data-live id="triage">
        {p.total ? (
          <>
            <p safe>{`${p.total} failed job(s): exited non-zero, removed or held.`}</p>
            <div class="charts">
              {group('By exit code × stage', p.byExit)}
              {group('By node', p.byNode)}
              {group('By site', p.bySite)}
            </div>
            <h2>Failed jobs</h2>
            <JobTable jobs={p.failed} />
          </>
        ) : (
          <p>No failed job.</p>
        )}
      </section>
    </Layout>
  );
}

export function TimeBarsPage(
  p: Frame & {
    campaign: string;
    rows: Array<{ key: string; label: string; href: string; segments: Segment[] }>;
    from: number;
    to: number;
  },
): JSX.Element {
  const path = `${campaignHref(p.campaign)}/timebars`;
  const width = p.to - p.from;
  const seconds = Math.max(60, Math.round(width / 1000));
  const shift = (by: number) => href(path, { to: new Date(p.to + by).toISOString(), seconds });
  return (
    <Layout title={`Time bars of ${p.campaign}`} crumbs={crumbsOf(p.campaign)} banner={p.banner}>
      <nav class="pager" aria-label="time window">
        <a href={shift(-width)}>← earlier</a>
        <span
          safe
        >{`${when(new Date(p.from).toISOString())} to ${when(new Date(p.to).toISOString())}, ${p.rows.length} submission(s)`}</span>
        <a href={shift(width)}>later →</a>
      </nav>
      <p class="legend">
        <State state="idle" /> <State state="running" /> <State state="completed" />{' '}
        <State state="located" /> <State state="failed" />
      </p>
      {p.rows.length ? (
        <TimeBars rows={p.rows} from={p.from} to={p.to} />
      ) : (
        <p>No submission in this window.</p>
      )}
    </Layout>
  );
}

const actionTarget = (a: Action) => a.key;

export function PlanPage(
  p: Frame & {
    pass: number | undefined;
    revision: string | undefined;
    latest: { revision: string; valid: boolean; errors: string[] } | undefined;
    change: RevisionChange | undefined;
    actions: Action[];
    notes: Note[];
    failed: Array<{ key: string; kind: string; error: string }>;
  },
): JSX.Element {
  return (
    <Layout title="Plan" crumbs={[home]} banner={p.banner}>
      <section data-live id="plan">
        <p safe>
          {p.pass === undefined
            ? 'No pass has run yet.'
            : `What pass ${p.pass} at revision ${p.revision?.slice(0, 12) ?? '-'} planned; the next pass plans again from what it observes.`}
        </p>
        {p.latest && p.latest.revision !== p.revision ? (
          <p class={p.latest.valid ? '' : 'bad'} safe>
            {p.latest.valid
              ? `Revision ${p.latest.revision.slice(0, 12)} is valid and not applied yet.`
              : `Revision ${p.latest.revision.slice(0, 12)} does not validate and is not applied: ${p.latest.errors.join('; ')}`}
          </p>
        ) : (
          ''
        )}
        <h2>Last revision change</h2>
        {p.change ? (
          <>
            <p safe>
              {`${p.change.from.slice(0, 12)} → ${p.change.to.slice(0, 12)}, applied ${when(p.change.at)}:`}
            </p>
            {p.change.changes.length ? (
              <ul class="changes">
                {p.change.changes.map((c) => (
                  <li class={c.kind === 'removed' ? 'bad' : undefined} safe>
                    {`${c.kind} ${c.what}${c.fields ? ` (${c.fields.join(', ')})` : ''}`}
                  </li>
                ))}
              </ul>
            ) : (
              <p>No change to campaigns, job types, launch templates or services.</p>
            )}
          </>
        ) : (
          <p>None since this server started.</p>
        )}
        <h2>Actions</h2>
        {p.actions.length ? (
          <table class="plan">
            <thead>
              <tr>
                <th>Action</th>
                <th>Submission</th>
                <th>Why</th>
              </tr>
            </thead>
            <tbody>
              {p.actions.map((a) => (
                <tr class={a.kind === 'kill' ? 'kill' : ''}>
                  <td>
                    <State state={a.kind} />
                  </td>
                  <td safe>{actionTarget(a)}</td>
                  <td safe>{a.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>Nothing to do: observed matches desired.</p>
        )}
        {p.failed.length ? (
          <>
            <h2>Failed actions</h2>
            <ul>
              {p.failed.map((f) => (
                <li class="bad" safe>{`${f.kind} ${f.key}: ${f.error}`}</li>
              ))}
            </ul>
          </>
        ) : (
          ''
        )}
        <h2>Notes</h2>
        <NoteList notes={p.notes} empty="No notes." />
      </section>
    </Layout>
  );
}

export function RevisionsPage(
  p: Frame & {
    revisions: RevisionRecord[];
    audit: AuditEntry[];
    /** The forge's address of the file and line a diagnostic of a revision names, if known. */
    link?: ((revision: string, diagnostic: string) => string | undefined) | undefined;
  },
): JSX.Element {
  return (
    <Layout title="Revisions" crumbs={[home]} banner={p.banner}>
      <section data-live id="revisions">
        <table>
          <thead>
            <tr>
              <th>Revision</th>
              <th>Valid</th>
              <th>First seen</th>
              <th>Last applied</th>
              <th>Diagnostics</th>
            </tr>
          </thead>
          <tbody>
            {p.revisions.map((r) => (
              <tr>
                <td>
                  <code safe>{r.revision.slice(0, 12)}</code>
                </td>
                <td>
                  <State state={r.valid ? 'valid' : 'rejected'} />
                </td>
                <td safe>{when(r.firstSeenAt)}</td>
                <td safe>{when(r.appliedAt)}</td>
                <td>
                  {r.errors.map((e) => {
                    const to = p.link?.(r.revision, e);
                    return to ? (
                      <div class="diag">
                        <a href={to} safe>
                          {e}
                        </a>
                      </div>
                    ) : (
                      <div class="diag" safe>
                        {e}
                      </div>
                    );
                  })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>Audit log</h2>
        <table>
          <thead>
            <tr>
              <th>At</th>
              <th>Who</th>
              <th>What</th>
              <th>Target</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {p.audit.map((a) => (
              <tr>
                <td safe>{when(a.at)}</td>
                <td safe>{a.actor}</td>
                <td safe>{a.action}</td>
                <td safe>{a.target}</td>
                <td safe>{a.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}

export function SignInPage(p: Frame & { readAccess: string }): JSX.Element {
  return (
    <Layout title="Token" crumbs={[home]} banner={p.banner}>
      <p>
        {p.readAccess === 'token'
          ? 'This server needs a token to read. '
          : 'Anyone may read this server; actions need a token. '}
      </p>
      <p>
        A token is kept in this browser tab only (session storage, and a SameSite=Strict cookie for
        reading pages). Tokens are made with <code>gitpoms token create</code>.
      </p>
      <form id="token-form">
        <label>
          token <input name="token" type="password" autocomplete="off" size="60" required />
        </label>
        <button type="submit">Use this token</button>
        <button type="button" id="sign-out">
          Forget the token
        </button>
        <output id="whoami" role="status" />
      </form>
    </Layout>
  );
}

export function ErrorPage(p: Frame & { status: number; message: string }): JSX.Element {
  return (
    <Layout
      title={p.status === 404 ? 'Not found' : `Error ${p.status}`}
      crumbs={[home]}
      banner={p.banner}
    >
      <p class="bad" safe>
        {p.message}
      </p>
    </Layout>
  );
}

export function FilesPage(
  p: Frame & {
    record: StoredSubmission;
    counts: FileCount[];
    category?: FileCategory | undefined;
    files: string[];
    offset: number;
    limit: number;
    total: number;
  },
): JSX.Element {
  const r = p.record;
  const at = (category?: string) => href('/submission/files', { key: r.key, category });
  return (
    <Layout
      title={`Files of ${r.key}`}
      crumbs={[...crumbsOf(r.campaign, r.stage), { label: r.key, to: submissionHref(r.key) }]}
      banner={p.banner}
      still
    >
      <p class="small">
        Asked of the catalog when this page is opened (answers kept a minute).{' '}
        <a href={href('/submission/files.csv', { key: r.key })}>Every file of these (CSV)</a>
      </p>
      <table>
        <thead>
          <tr>
            <th>Files</th>
            <th class="num">Count</th>
            <th>Dimension query</th>
          </tr>
        </thead>
        <tbody>
          {p.counts.map((c) => (
            <tr class={c.category === p.category ? 'current' : ''}>
              <td safe>{c.category}</td>
              <td class="num">
                <a href={at(c.category)} safe>
                  {String(c.count)}
                </a>
              </td>
              <td>
                <code safe>{c.dims}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {p.category ? (
        <section>
          <h2 safe>{`${p.category}: ${p.total} file(s)`}</h2>
          <ul class="files">
            {p.files.map((f) => (
              <li>
                <a href={href('/file', { name: f })} safe>
                  {f}
                </a>
              </li>
            ))}
          </ul>
          <Pager
            path="/submission/files"
            query={{ key: r.key, category: p.category }}
            offset={p.offset}
            limit={p.limit}
            total={p.total}
          />
        </section>
      ) : (
        ''
      )}
    </Layout>
  );
}

const metaValue = (v: unknown): string =>
  typeof v === 'string'
    ? v
    : typeof v === 'object' && v !== null
      ? stringify(v).trimEnd()
      : String(v);

export function FilePage(p: Frame & { file: FileRecord }): JSX.Element {
  const f = p.file;
  const links = (title: string, names: string[]) => (
    <>
      <h2 safe>{`${title} (${names.length})`}</h2>
      {names.length ? (
        <ul class="files">
          {names.map((n) => (
            <li>
              <a href={href('/file', { name: n })} safe>
                {n}
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p>None.</p>
      )}
    </>
  );
  return (
    <Layout title={f.name} crumbs={[home]} banner={p.banner} still>
      <dl class="facts">
        <dt>Size</dt>
        <dd safe>{`${f.size} bytes`}</dd>
        <dt>Checksum</dt>
        <dd safe>{f.checksum ?? '-'}</dd>
        <dt>Declared</dt>
        <dd safe>{when(f.createDate)}</dd>
        <dt>Locations</dt>
        <dd safe>{f.locations.join(', ') || 'none (virtual)'}</dd>
      </dl>
      <h2>Metadata</h2>
      <table>
        <tbody>
          {Object.entries(f.metadata).map(([k, v]) => (
            <tr>
              <th safe>{k}</th>
              <td>
                <code safe>{metaValue(v)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {links('Parents', f.parents)}
      {links('Children', f.children)}
    </Layout>
  );
}
