import path from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { emptySnapshot, readSnapshot, type Snapshot } from '../../observe/snapshot.js';
import { plan } from '../../plan/plan.js';
import type { Plan } from '../../plan/types.js';
import { EXIT, loadOrReport, repoContext, type Io } from '../io.js';
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

export function registerReconcile(program: Command, io: Io, setCode: (n: number) => void): void {
  program
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
      'observed state and submission records as JSON (default: none observed)',
    )
    .option('--now <time>', 'plan as of this ISO time (default: now)')
    .option('--repo <dir>', 'repository root', '.')
    .action((opts: PlanOptions & { dryRun?: boolean; detailedExitcode?: boolean }) => {
      const format = checkFormat(opts.format);
      if (!opts.dryRun) {
        throw new InvalidInputError(
          'reconcile applies plans through the batch, catalog and store adapters, which this version does not have yet; run reconcile --dry-run',
        );
      }
      const ctx = repoContext(io, opts.repo);
      const spec = loadOrReport(io, ctx.repo);
      if (!spec?.desired) {
        setCode(EXIT.error);
        return;
      }
      const snap = loadSnapshot(io, opts.observed);
      const p = plan(spec.desired, snap.observed, snap.records, parseNow(io, opts.now));
      io.stdout(
        renderPlan(p, { revision: ctx.revision, source: sourceLabel(io, ctx.root) }, format),
      );
      setCode(opts.detailedExitcode && hasChanges(p) ? EXIT.changes : EXIT.ok);
    });
}
