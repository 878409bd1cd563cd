import type { Command } from 'commander';
import { InvalidInputError } from '../../errors.js';
import { runUntilConverged } from '../../engine/converge.js';
import { BATCH_BACKENDS, BATCH_BACKEND_NAMES, isBatchBackend } from '../../adapters/batch/index.js';
import { closeDeps, openDeps } from '../../engine/open-deps.js';
import { STATS_HEADER, statsRow, table } from '../../engine/stats.js';
import { missingDatasets } from '../../desired/datasets.js';
import {
  EXIT,
  dataDirFlag,
  loadOrReport,
  positiveNumber,
  printDiagnostics,
  repoContext,
  type Io,
} from '../io.js';
import { catalogHas } from '../state.js';
import { progressPrinter } from '../progress.js';

/** Titles of the backends a BatchSet's name joins with '+'. */
function batchTitles(name: string): string {
  return name
    .split('+')
    .map((n) => (isBatchBackend(n) ? BATCH_BACKENDS[n].title : n))
    .join(' and ');
}

export function registerRun(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('run')
    .description(
      'reconcile pass after pass on the embedded backends until the campaigns converge (the demo)',
    )
    .option('--campaign <name...>', 'only these campaigns')
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option('--interval <ms>', 'pause between passes', '500')
    .option('--timeout <s>', 'give up after this many seconds', '600')
    .option(
      '--batch <backend>',
      `the batch backend, over gitpoms.yaml: ${BATCH_BACKEND_NAMES.map((n) => `${n} (${BATCH_BACKENDS[n].title})`).join(', ')}`,
    )
    .option('--repo <dir>', 'repository root', '.')
    .action(
      async (opts: {
        campaign?: string[];
        dataDir?: string;
        interval: string;
        timeout: string;
        repo: string;
        batch?: string;
      }) => {
        if (opts.batch !== undefined && !isBatchBackend(opts.batch))
          throw new InvalidInputError(
            `--batch ${opts.batch}: use ${BATCH_BACKEND_NAMES.join(', ')}`,
          );
        const intervalMs = positiveNumber('--interval', opts.interval);
        const timeoutMs = positiveNumber('--timeout', opts.timeout) * 1000;
        const ctx = repoContext(io, opts.repo);
        const spec = await loadOrReport(io, ctx.repo);
        if (!spec?.desired) {
          setCode(EXIT.error);
          return;
        }
        const desired = spec.desired;
        if (opts.campaign) {
          const unknown = opts.campaign.filter((c) => !desired.campaigns.some((d) => d.name === c));
          if (unknown.length)
            throw new InvalidInputError(
              `--campaign ${unknown.join(', ')}: no such campaign (${desired.campaigns.map((c) => c.name).join(', ')})`,
            );
          desired.campaigns = desired.campaigns.filter((c) => opts.campaign!.includes(c.name));
        }
        const deps = openDeps(ctx.root, spec.docs.config?.value, {
          dataDir: dataDirFlag(io, opts.dataDir),
          revision: ctx.revision,
          env: io.env,
          ...(opts.batch && isBatchBackend(opts.batch) ? { batch: opts.batch } : {}),
        });
        try {
          // A dataset the catalog does not have stops the run before anything is launched.
          const missing = await missingDatasets(
            spec.docs,
            desired,
            catalogHas(deps.catalog),
            new Set(desired.campaigns.map((c) => c.name)),
          );
          if (missing.length) {
            printDiagnostics(io, missing);
            setCode(EXIT.error);
            return;
          }
          io.stdout(
            `gitpoms run: ${desired.campaigns.map((c) => c.name).join(', ')} on ${batchTitles(deps.batch.name)}; state in ${deps.dataDir}\n`,
          );
          const revision = ctx.revision ?? 'working-tree';
          await deps.store.recordRevision({ revision, valid: true, errors: [] });
          const started = Date.now();
          const final = await runUntilConverged(deps, desired, {
            intervalMs,
            timeoutMs,
            onPass: progressPrinter(io.stdout, io.tty ?? false),
          });
          await deps.store.markApplied(revision);
          const secs = ((Date.now() - started) / 1000).toFixed(1);
          io.stdout(`\n${table(STATS_HEADER, final.stats.map(statsRow))}\n\n`);
          if (final.converged && final.dropped.length > 0) {
            io.stderr(
              `converged after ${final.pass} pass(es) in ${secs} s, but ${final.dropped.length} submission(s) failed and no recovery is left to repair them; what depends on them never ran:\n${final.dropped.map((d) => `  ${d.key}: ${d.reason}\n`).join('')}`,
            );
            setCode(EXIT.error);
          } else if (final.converged) {
            io.stdout(`converged after ${final.pass} pass(es) in ${secs} s\n`);
            setCode(EXIT.ok);
          } else {
            io.stderr(
              `not converged after ${opts.timeout} s (${final.pass} passes); jobs may still be running: run again to continue\n`,
            );
            setCode(EXIT.error);
          }
        } finally {
          await closeDeps(deps);
        }
      },
    );
}
