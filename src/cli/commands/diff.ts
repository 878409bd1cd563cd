import type { Command } from 'commander';
import { plan } from '../../plan/plan.js';
import type { Action, Plan } from '../../plan/types.js';
import { gitRepo } from '../../source/git-repo.js';
import { checkSpec, hasErrors } from '../../desired/index.js';
import { specChanges, type SpecChange } from '../../desired/spec-changes.js';
import { EXIT, loadOrReport, repoContext, type Io } from '../io.js';
import { commandLine } from '../render-plan.js';
import { checkFormat, loadSnapshot, parseNow, type PlanOptions } from './reconcile.js';

function actionId(a: Action): string {
  return `${a.kind} ${a.key}${'jobs' in a ? ` ${a.jobs.join(',')}` : ''}`;
}

/** Actions the head plan has that the base plan does not (what merging the change would do). */
export function newActions(
  basePlan: Plan | undefined,
  headPlan: Plan,
): { added: Action[]; dropped: Action[] } {
  const baseIds = new Set((basePlan?.actions ?? []).map(actionId));
  const headIds = new Set(headPlan.actions.map(actionId));
  return {
    added: headPlan.actions.filter((a) => !baseIds.has(actionId(a))),
    dropped: (basePlan?.actions ?? []).filter((a) => !headIds.has(actionId(a))),
  };
}

function render(
  format: 'text' | 'markdown',
  changes: SpecChange[],
  added: Action[],
  dropped: Action[],
  baseLabel: string,
  baseInvalid: boolean,
): string {
  const md = format === 'markdown';
  const out: string[] = [];
  const kills = added.filter((a) => a.kind === 'kill');
  const killedJobs = kills.reduce((n, a) => n + ('jobs' in a ? a.jobs.length : 0), 0);
  out.push(md ? `### gitpoms diff against \`${baseLabel}\`` : `Changes against ${baseLabel}:`);
  if (baseInvalid)
    out.push(
      md
        ? '> The base revision does not validate; everything is compared with an empty spec.'
        : '(the base revision does not validate; compared with an empty spec)',
    );
  if (killedJobs) {
    out.push(
      md
        ? `> [!CAUTION]\n> **This change kills ${killedJobs} job(s)** in ${kills.length} submission(s).`
        : `WARNING: THIS CHANGE KILLS ${killedJobs} JOB(S) in ${kills.length} submission(s).`,
    );
  }
  out.push('');
  if (!changes.length)
    out.push('No changes to campaigns, job types, launch templates or services.');
  for (const c of changes) {
    const line = `${c.kind} ${c.what}${c.fields ? ` (${c.fields.join(', ')})` : ''}`;
    out.push(md ? `- ${line}` : `  ${line}`);
  }
  out.push('', md ? '**What it would do**' : 'What it would do:');
  if (!added.length && !dropped.length) out.push(md ? 'Nothing different.' : '  nothing different');
  for (const a of added) {
    const loud = a.kind === 'kill' ? (md ? '**KILL**' : 'KILL') : a.kind;
    const line = `${loud} ${a.key}${'jobs' in a ? ` (${a.jobs.length} jobs)` : ''}: ${a.reason}`;
    out.push(md ? `- ${line}` : `  + ${line}`);
    if (a.kind === 'launch')
      out.push(md ? `  \`${commandLine(a.command)}\`` : `      $ ${commandLine(a.command)}`);
  }
  for (const a of dropped)
    out.push(md ? `- no longer: ${a.kind} ${a.key}` : `  - no longer ${a.kind} ${a.key}`);
  return `${out.join('\n')}\n`;
}

export function registerDiff(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('diff')
    .description(
      'what changed in the campaigns since a git revision, and what that change would do',
    )
    .requiredOption('--base <rev>', 'git revision to compare against, e.g. origin/main')
    .option('--head <rev>', 'git revision to compare (default: the working tree)')
    .option('--format <format>', 'text, json or markdown', 'text')
    .option('--observed <file>', 'observed state and submission records as JSON')
    .option('--now <time>', 'plan as of this ISO time (default: now)')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (opts: PlanOptions & { base: string; head?: string }) => {
      const format = checkFormat(opts.format);
      const ctx = repoContext(io, opts.repo);
      const headRepo = opts.head ? gitRepo(ctx.root, opts.head) : ctx.repo;
      const head = await loadOrReport(io, headRepo);
      if (!head?.desired) {
        setCode(EXIT.error);
        return;
      }
      const baseRepo = gitRepo(ctx.root, opts.base);
      const base = await checkSpec(baseRepo);
      const baseInvalid = hasErrors(base.diagnostics);
      const snap = loadSnapshot(io, opts.observed);
      const now = parseNow(io, opts.now);
      const headPlan = plan(head.desired, snap.observed, snap.records, now);
      const basePlan = base.desired
        ? plan(base.desired, snap.observed, snap.records, now)
        : undefined;
      const changes = specChanges(base.desired, head.desired);
      const { added, dropped } = newActions(basePlan, headPlan);
      if (format === 'json') {
        io.stdout(
          `${JSON.stringify({ version: 1, base: baseRepo.label, baseValid: !baseInvalid, changes, added, dropped }, null, 2)}\n`,
        );
      } else {
        io.stdout(render(format, changes, added, dropped, baseRepo.label, baseInvalid));
      }
      setCode(EXIT.ok);
    });
}
