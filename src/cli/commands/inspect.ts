import { replicaLines, replicaView } from '../../engine/replica-view.js';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { catalogStageCounts } from '../../engine/converge.js';
import { explain, explainText } from '../../engine/explain.js';
import { STATS_HEADER, stageStats, statsRow, table } from '../../engine/stats.js';
import { EXIT, dataDirFlag, loadOrReport, repoContext, type Io } from '../io.js';
import { livePlan, openState, type StateView } from '../state.js';
import { WAITING_NOTES } from '../../plan/types.js';

interface Common {
  repo: string;
  dataDir?: string;
}

async function withState(
  io: Io,
  opts: Common,
  fn: (
    s: StateView,
    spec: NonNullable<Awaited<ReturnType<typeof loadOrReport>>>,
  ) => Promise<number>,
  catalogAccess: 'read' | 'write' = 'read',
): Promise<number> {
  const ctx = repoContext(io, opts.repo);
  const spec = await loadOrReport(io, ctx.repo);
  if (!spec?.desired) return EXIT.error;
  const state = openState(
    ctx.root,
    spec.docs.config?.value,
    dataDirFlag(io, opts.dataDir),
    io.env,
    catalogAccess,
  );
  try {
    return await fn(state, spec);
  } finally {
    await state.close();
  }
}

/** Which revision the reconciler acts on, and whether the newest one seen validated. */
async function revisionLines(state: StateView): Promise<string> {
  const applied = await state.store.appliedRevision();
  const [latest] = await state.store.revisions(1);
  if (!applied && !latest) return 'revision: none applied yet\n';
  let out = applied
    ? `revision: ${applied.revision.slice(0, 12)} applied (last pass ${when(applied.appliedAt)})\n`
    : 'revision: none applied yet\n';
  if (latest && latest.revision !== applied?.revision) {
    out += latest.valid
      ? `latest:   ${latest.revision.slice(0, 12)} is valid, not applied yet\n`
      : `latest:   ${latest.revision.slice(0, 12)} does not validate (${latest.errors.length} error(s)); not applied:\n${latest.errors.map((e) => `  ${e}\n`).join('')}`;
  }
  return out;
}

const when = (iso: string | undefined) =>
  iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-';
const secs = (n: number | undefined) => (n === undefined ? '-' : n.toFixed(1));

export function registerInspect(program: Command, io: Io, setCode: (n: number) => void): void {
  const common = (c: Command) =>
    c
      .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
      .option('--repo <dir>', 'repository root', '.');

  common(
    program
      .command('status')
      .description(
        "POMS's stage statistics (All, Idle, Running, Held, Completed, Failed, Not Located, Located, Removed, %Efficiency, Pending), what holds a launch back, and submissions",
      )
      .argument('[campaign]')
      .argument('[stage]'),
  ).action(async (campaign: string | undefined, stage: string | undefined, opts: Common) => {
    setCode(
      await withState(io, opts, async (state, spec) => {
        const desired = spec.desired!;
        if (campaign && !desired.campaigns.some((c) => c.name === campaign))
          throw new InvalidInputError(`no campaign ${campaign}`);
        desired.campaigns = desired.campaigns
          .filter((c) => !campaign || c.name === campaign)
          .map((c) => ({ ...c, stages: c.stages.filter((s) => !stage || s.name === stage) }));
        const records = await state.store.submissions();
        const jobs = await state.store.jobs();
        const stats = stageStats(
          desired,
          records,
          jobs,
          await catalogStageCounts(state.catalog, desired, records),
        );
        io.stdout(await revisionLines(state));
        const replicas = await replicaView(state.store);
        if (replicas)
          io.stdout(
            replicaLines(
              replicas,
              desired.campaigns.map((c) => c.name),
            ),
          );
        io.stdout(`${table(STATS_HEADER, stats.map(statsRow))}\n`);
        const p = await livePlan(state, desired, io.now(), undefined);
        for (const s of p.stages.filter((x) => x.nextLaunch))
          io.stdout(`schedule: ${s.campaign}/${s.stage} next launch ${when(s.nextLaunch)}\n`);
        // What holds a launch back, as the overview page says it.
        for (const n of p.notes)
          if (WAITING_NOTES.has(n.kind) && (!campaign || n.campaign === campaign))
            if (!stage || n.stage === undefined || n.stage === stage)
              io.stdout(`${n.kind}: ${n.message}\n`);
        if (campaign) {
          const subs = records.filter(
            (r) => r.campaign === campaign && (!stage || r.stage === stage),
          );
          const rows = subs.map((r) => {
            const js = jobs.filter((j) => j.submission === r.key);
            return [
              r.key,
              r.status,
              String(js.length),
              String(js.filter((j) => j.state === 'completed' && j.exitCode === 0).length),
              when(r.launchedAt),
              r.history.at(-1)?.reason ?? '',
            ];
          });
          io.stdout(
            `\n${table(['Submission', 'Status', 'Jobs', 'Succeeded', 'Launched', 'Last change'], rows)}\n`,
          );
        }
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('show')
      .description(
        'one submission as JSON: its revision, the stage definition it was launched from, command, input, status history and jobs',
      )
      .argument('<key>', 'submission key, e.g. sbnd-mcc-test-1/g4/mc-1#1'),
  ).action(async (key: string, opts: Common) => {
    setCode(
      await withState(io, opts, async (state) => {
        const sub = await state.store.submission(key);
        if (!sub)
          throw new InvalidInputError(`no submission ${key}; gitpoms status CAMPAIGN lists them`);
        const jobs = await state.store.jobPage({ submission: key, limit: 100_000, offset: 0 });
        io.stdout(`${JSON.stringify({ ...sub, jobs: jobs.items }, null, 2)}\n`);
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('explain')
      .description(
        'why a submission exists: revision and stage it came from, what it consumes, its parent, recoveries and dependents, overrides and audited actions on its stage',
      )
      .argument('<key>', 'submission key, e.g. sbnd-mcc-test-1/g4/mc-1#1')
      .option('--format <format>', 'text or json', 'text'),
  ).action(async (key: string, opts: Common & { format: string }) => {
    if (!['text', 'json'].includes(opts.format))
      throw new InvalidInputError(`--format ${opts.format}: use text or json`);
    setCode(
      await withState(io, opts, async (state) => {
        const revision = (await state.store.appliedRevision())?.revision;
        const e = await explain(state.store, state.catalog, key, io.now(), revision);
        if (!e)
          throw new InvalidInputError(`no submission ${key}; gitpoms status CAMPAIGN lists them`);
        io.stdout(opts.format === 'json' ? `${JSON.stringify(e, null, 2)}\n` : explainText(e));
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('jobs')
      .description('job triage: state, exit code, node, times, log')
      .option('--campaign <name>')
      .option('--stage <name>')
      .option('--failed', 'only jobs that exited non-zero or were removed'),
  ).action(async (opts: Common & { campaign?: string; stage?: string; failed?: boolean }) => {
    setCode(
      await withState(io, opts, async (state) => {
        const subs = new Map((await state.store.submissions()).map((s) => [s.key, s]));
        const rows = (await state.store.jobs())
          .filter((j) => {
            const s = subs.get(j.submission);
            if (opts.campaign && s?.campaign !== opts.campaign) return false;
            if (opts.stage && s?.stage !== opts.stage) return false;
            return (
              !opts.failed || j.state === 'removed' || (j.state === 'completed' && j.exitCode !== 0)
            );
          })
          .map((j) => [
            j.id,
            j.submission,
            j.state,
            j.exitCode === undefined || j.exitCode === null ? '-' : String(j.exitCode),
            j.node ?? '-',
            when(j.startedAt),
            when(j.endedAt),
            secs(j.cpuSeconds),
            secs(j.wallSeconds),
            j.logPath ?? '-',
          ]);
        io.stdout(
          `${table(['Job', 'Submission', 'State', 'Exit', 'Node', 'Started', 'Ended', 'CPU s', 'Wall s', 'Log'], rows)}\n`,
        );
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('logs')
      .description("a job's stdout and stderr")
      .argument('<job>', 'job id, e.g. 12.3@local'),
  ).action(async (job: string, opts: Common) => {
    setCode(
      await withState(io, opts, async (state) => {
        const logs = await (await state.batchOf(job)).logs(job);
        io.stdout(`==> ${job} stdout <==\n${logs.stdout}\n==> ${job} stderr <==\n${logs.stderr}`);
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('files')
      .description(
        "a file's metadata, parents, children and locations, or the files a dimension query selects",
      )
      .argument('[name]')
      .option('--dims <query>', 'list the files of a SAM dimension query'),
  ).action(async (name: string | undefined, opts: Common & { dims?: string }) => {
    setCode(
      await withState(io, opts, async (state) => {
        if (opts.dims) {
          for (const f of await state.catalog.listFiles(opts.dims)) io.stdout(`${f}\n`);
          return EXIT.ok;
        }
        if (!name) throw new InvalidInputError('give a file name or --dims QUERY');
        const f = await state.catalog.getFile(name);
        if (!f) throw new InvalidInputError(`no file named ${name} in the catalog`);
        io.stdout(`${JSON.stringify(f, null, 2)}\n`);
        return EXIT.ok;
      }),
    );
  });

  common(
    program
      .command('define')
      .description(
        'create a dataset definition in the catalog from a dimension query (as samweb create-definition)',
      )
      .argument('<name>')
      .argument('<dimensions>'),
  ).action(async (name: string, dimensions: string, opts: Common) => {
    setCode(
      await withState(
        io,
        opts,
        async (state) => {
          await state.catalog.createDefinition(name, dimensions);
          const n = await state.catalog.countFiles(`defname: ${name}`);
          io.stdout(`definition ${name}: ${n} file(s) now\n`);
          return EXIT.ok;
        },
        'write',
      ),
    );
  });
}
