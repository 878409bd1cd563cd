import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { observeCatalog } from '../../engine/observe.js';
import { closeDeps, dataDirOf, openEmbedded } from '../../engine/runtime.js';
import { openState } from '../state.js';
import { reconcileOnce } from '../../engine/reconcile.js';
import { GitpomsError, InvalidInputError } from '../../errors.js';
import { loadSpec } from '../../spec/index.js';
import { emptySnapshot, readSnapshot, type Snapshot } from '../../observe/snapshot.js';
import { plan } from '../../plan/plan.js';
import type { Plan } from '../../plan/types.js';
import { EXIT, dataDirFlag, loadOrReport, positiveNumber, repoContext, type Io } from '../io.js';
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

interface ReconcileOptions extends PlanOptions {
  dryRun?: boolean;
  detailedExitcode?: boolean;
  watch?: boolean;
  interval: string;
  passes?: string;
  dataDir?: string;
}

/**
 * Applies plans on the embedded backends: one pass, or with --watch a pass every interval.
 * The spec is re-read each pass; an invalid one is reported and the last valid one kept.
 * A failed pass (the batch system or catalog unreachable) acts on nothing and backs off.
 */
async function applyPasses(io: Io, opts: ReconcileOptions, format: PlanFormat): Promise<number> {
  if (opts.observed || opts.now)
    throw new InvalidInputError(
      '--observed and --now describe a hypothetical state: use them with --dry-run',
    );
  const interval = positiveNumber('--interval', opts.interval) * 1000;
  const maxPasses =
    opts.passes === undefined
      ? opts.watch
        ? Infinity
        : 1
      : positiveNumber('--passes', opts.passes);
  const ctx = repoContext(io, opts.repo);
  let spec = loadOrReport(io, ctx.repo);
  if (!spec?.desired) return EXIT.error;
  const deps = openEmbedded(ctx.root, spec.docs.config?.value, {
    dataDir: dataDirFlag(io, opts.dataDir),
    revision: ctx.revision,
    env: io.env,
  });
  let failures = 0;
  let code: number = EXIT.ok;
  try {
    for (let pass = 1; pass <= maxPasses; pass++) {
      if (pass > 1) {
        const next = loadSpec(ctx.repo);
        if (next.desired) spec = next;
        else
          io.stderr(
            `the spec does not validate now; acting on the last valid one (${next.diagnostics.filter((d) => d.severity === 'error').length} error(s))\n`,
          );
      }
      try {
        const r = await reconcileOnce(deps, spec.desired!);
        failures = 0;
        io.stdout(
          renderPlan(r.plan, { revision: ctx.revision, source: sourceLabel(io, ctx.root) }, format),
        );
        const failed = r.results.filter((x) => !x.ok);
        for (const f of failed) io.stderr(`failed: ${f.action.kind} ${f.action.key}: ${f.error}\n`);
        code = failed.length
          ? EXIT.error
          : opts.detailedExitcode && hasChanges(r.plan)
            ? EXIT.changes
            : EXIT.ok;
      } catch (e) {
        if (!(e instanceof GitpomsError)) throw e;
        failures++;
        code = EXIT.error;
        io.stderr(`pass ${pass} failed, nothing was changed: ${e.message}\n`);
      }
      if (pass < maxPasses) {
        const wait = failures ? Math.min(interval * 2 ** failures, 300_000) : interval;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await closeDeps(deps);
  }
  return code;
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
      'observed state and submission records as JSON (default: the state store when there is one, else nothing observed)',
    )
    .option('--now <time>', 'plan as of this ISO time (default: now)')
    .option('--watch', 'keep reconciling: a pass every --interval, backing off after failures')
    .option('--interval <s>', 'seconds between passes with --watch', '30')
    .option('--passes <n>', 'with --watch, stop after this many passes')
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (opts: ReconcileOptions) => {
      const format = checkFormat(opts.format);
      if (!opts.dryRun) {
        setCode(await applyPasses(io, opts, format));
        return;
      }
      const ctx = repoContext(io, opts.repo);
      const spec = loadOrReport(io, ctx.repo);
      if (!spec?.desired) {
        setCode(EXIT.error);
        return;
      }
      const now = parseNow(io, opts.now);
      const dataDir = dataDirOf(ctx.root, spec.docs.config?.value, dataDirFlag(io, opts.dataDir));
      let p: Plan;
      if (!opts.observed && existsSync(path.join(dataDir, 'state.sqlite'))) {
        // The live state, read only: the store's records and its last observation of the jobs.
        const state = openState(ctx.root, spec.docs.config?.value, dataDir);
        try {
          const records = await state.store.submissions();
          const observed = await observeCatalog(
            state.catalog,
            spec.desired,
            records,
            await state.store.jobs(),
          );
          p = plan(
            spec.desired,
            observed,
            records,
            now,
            await state.store.activeOverrides(now, ctx.revision),
          );
        } finally {
          await state.close();
        }
      } else {
        const snap = loadSnapshot(io, opts.observed);
        p = plan(spec.desired, snap.observed, snap.records, now);
      }
      io.stdout(
        renderPlan(p, { revision: ctx.revision, source: sourceLabel(io, ctx.root) }, format),
      );
      setCode(opts.detailedExitcode && hasChanges(p) ? EXIT.changes : EXIT.ok);
    });
}
