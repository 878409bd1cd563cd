import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { dataDirOf } from '../../engine/open-deps.js';
import { livePlan, openState } from '../state.js';
import { InvalidInputError } from '../../errors.js';
import { emptySnapshot, readSnapshot, type Snapshot } from '../../observe/snapshot.js';
import { plan } from '../../plan/plan.js';
import type { Plan } from '../../plan/types.js';
import { EXIT, dataDirFlag, loadOrReport, positiveNumber, repoContext, type Io } from '../io.js';
import {
  openDaemon,
  reportProblems,
  sourceOptions,
  type Daemon,
  type SourceFlags,
} from '../daemon.js';
import { renderPlan, type PlanFormat } from '../render-plan.js';

export interface PlanOptions {
  repo: string;
  observed?: string;
  now?: string;
  format: PlanFormat;
}

export const FORMATS: readonly PlanFormat[] = ['text', 'json', 'markdown'];

export function parseNow(io: Io, now: string | undefined): Date {
  if (now === undefined) return io.now();
  const d = new Date(now);
  if (Number.isNaN(d.getTime()))
    throw new InvalidInputError(`--now ${now}: not an ISO 8601 time such as 2026-11-25T12:00:00Z`);
  return d;
}

export function checkFormat(format: string): PlanFormat {
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new InvalidInputError(`--format ${format}: use one of ${FORMATS.join(', ')}`);
  }
  return format as PlanFormat;
}

export function loadSnapshot(io: Io, file: string | undefined): Snapshot {
  return file ? readSnapshot(path.resolve(io.cwd, file), file) : emptySnapshot();
}

export function sourceLabel(io: Io, root: string): string {
  return path.relative(io.cwd, root) || '.';
}

export function hasChanges(p: Plan): boolean {
  return p.actions.length > 0;
}

interface ReconcileOptions extends PlanOptions, SourceFlags {
  dryRun?: boolean;
  detailedExitcode?: boolean;
  watch?: boolean;
  passes?: string;
}

/** Stops the loop on SIGINT/SIGTERM (a service manager's stop) after the pass in flight. */
export async function untilSignal(d: Daemon): Promise<void> {
  const stop = () => d.reconciler.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await d.reconciler.run();
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Applies plans: one pass, or with --watch a pass every interval and at once when the
 * source changes. An invalid revision is reported and the last valid one kept; a failed
 * pass (the batch system or catalog unreachable) acts on nothing and backs off.
 */
async function applyPasses(io: Io, opts: ReconcileOptions, format: PlanFormat): Promise<number> {
  if (opts.observed || opts.now)
    throw new InvalidInputError(
      '--observed and --now describe a hypothetical state: use them with --dry-run',
    );
  const maxPasses =
    opts.passes === undefined
      ? opts.watch
        ? Infinity
        : 1
      : positiveNumber('--passes', opts.passes);
  let code: number = EXIT.ok;
  const d = await openDaemon(io, opts, {
    watch: opts.watch === true,
    maxPasses,
    onPass(r) {
      io.stdout(
        renderPlan(r.plan, { revision: r.revision, source: d?.source.description ?? '' }, format),
      );
      const failed = r.results.filter((x) => !x.ok);
      for (const f of failed) io.stderr(`failed: ${f.action.kind} ${f.action.key}: ${f.error}\n`);
      code = failed.length
        ? EXIT.error
        : opts.detailedExitcode && hasChanges(r.plan)
          ? EXIT.changes
          : EXIT.ok;
    },
    ...reportProblems(io, () => (code = EXIT.error)),
  });
  if (!d) return EXIT.error;
  try {
    await untilSignal(d);
  } finally {
    await d.close();
  }
  return code;
}

export function registerReconcile(program: Command, io: Io, setCode: (n: number) => void): void {
  const cmd = program
    .command('reconcile')
    .description('compare the campaigns with observed batch and catalog state and print the plan')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--format <format>', 'text, json or markdown', 'text')
    .option(
      '--detailed-exitcode',
      'exit 0 when there is nothing to do, 2 when there are changes, 1 on errors',
    )
    .option(
      '--observed <file>',
      'observed state and submission records as JSON (default: the state store when there is one, else nothing observed)',
    )
    .option('--now <time>', 'plan as of this ISO time (default: now)')
    .option(
      '--watch',
      'keep reconciling: a pass every --interval and at once when the source changes, backing off after failures',
    )
    .option('--passes <n>', 'with --watch, stop after this many passes');
  sourceOptions(cmd).action(async (opts: ReconcileOptions) => {
    const format = checkFormat(opts.format);
    if (!opts.dryRun) {
      setCode(await applyPasses(io, opts, format));
      return;
    }
    const ctx = repoContext(io, opts.repo);
    const spec = await loadOrReport(io, ctx.repo);
    if (!spec?.desired) {
      setCode(EXIT.error);
      return;
    }
    const now = parseNow(io, opts.now);
    const dataDir = dataDirOf(ctx.root, spec.docs.config?.value, dataDirFlag(io, opts.dataDir));
    let p: Plan;
    if (!opts.observed && existsSync(path.join(dataDir, 'state.sqlite'))) {
      const state = openState(ctx.root, spec.docs.config?.value, dataDir, io.env);
      try {
        p = await livePlan(state, spec.desired, now, ctx.revision);
      } finally {
        await state.close();
      }
    } else {
      const snap = loadSnapshot(io, opts.observed);
      p = plan(spec.desired, snap.observed, snap.records, now);
    }
    io.stdout(renderPlan(p, { revision: ctx.revision, source: sourceLabel(io, ctx.root) }, format));
    setCode(opts.detailedExitcode && hasChanges(p) ? EXIT.changes : EXIT.ok);
  });
}
