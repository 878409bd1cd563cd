import type { Command } from 'commander';
import { jobLogs } from '../../engine/batches.js';
import { CatalogFigures } from '../../engine/catalog-figures.js';
import { CatalogReads } from '../../server/catalog-reads.js';
import { buildServer } from '../../server/index.js';
import { EventHub } from '../../server/events.js';
import { GitSpecSource } from '../../source/spec-source.js';
import { Metrics } from '../../server/metrics.js';
import { SAFEST } from '../../server/access.js';
import {
  DEFAULT_LEASE_MS,
  metricsToken,
  openDaemon,
  reportProblems,
  sourceOptions,
  webhookSecret,
  type SourceFlags,
} from '../daemon.js';
import { EXIT, positiveNumber, type Io } from '../io.js';
import { untilSignal } from './reconcile.js';

interface ServeOptions extends SourceFlags {
  host: string;
  port: string;
  /** false with --no-reconcile. */
  reconcile: boolean;
}

/**
 * The long-running service: the reconciler loop (watching a working directory, or fetching a
 * git source on webhooks and every poll interval) and its HTTP endpoints. Stops cleanly on
 * SIGTERM after the pass in flight.
 */
export function registerServe(program: Command, io: Io, setCode: (n: number) => void): void {
  const cmd = program
    .command('serve')
    .description(
      'run the reconciler as a service: the HTTP API under /api (OpenAPI at /api/openapi.json, events at /api/events), /metrics, push webhooks at POST /hooks/git, /healthz, /readyz',
    )
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port to listen on (0: any free port)', '8080')
    .option(
      '--replica-id <name>',
      'one of several replicas sharing a PostgreSQL store: act only on the campaigns it holds leases on',
    )
    .option(
      '--no-reconcile',
      "only show: serve the pages and the API from the store and the reconciler's last observation, beside the reconciler that acts; actions are refused",
    )
    .option(
      '--lease-seconds <s>',
      "with --replica-id: a dead replica's campaigns move after this long",
      String(DEFAULT_LEASE_MS / 1000),
    );
  sourceOptions(cmd).action(async (opts: ServeOptions) => {
    const port = opts.port === '0' ? 0 : positiveNumber('--port', opts.port);
    const metrics = new Metrics();
    const events = new EventHub();
    const problems = reportProblems(io, (pass, e) => {
      metrics.failed();
      events.publish({ kind: 'pass-failed', pass, error: e.message });
    });
    const viewOnly = !opts.reconcile;
    const d = await openDaemon(io, opts, {
      watch: true,
      readOnly: viewOnly,
      onFetch: (seconds, ok) => metrics.fetched(seconds, ok),
      onPass(r) {
        metrics.passed(r);
        events.passed(r);
        const failed = r.results.filter((x) => !x.ok).length;
        io.stdout(
          `pass ${r.pass} at ${r.revision.slice(0, 12)}: ${r.plan.actions.length} action(s)${failed ? `, ${failed} failed` : ''}\n`,
        );
      },
      ...problems,
    });
    if (!d) {
      setCode(EXIT.error);
      return;
    }
    metrics.watch({ reconciler: d.reconciler, probes: d.probes });
    d.deps.batch = metrics.instrument(d.deps.batch.name, d.deps.batch);
    d.deps.catalog = metrics.instrument(d.deps.catalog.name, d.deps.catalog);
    const figures = new CatalogFigures(d.deps.catalog);
    const browseUrl = d.config?.spec.source?.browseUrl;
    let app: ReturnType<typeof buildServer> | undefined;
    try {
      const secret = webhookSecret(io, d.config);
      if (!secret)
        io.stderr(
          'no source.webhookSecret in gitpoms.yaml: POST /hooks/git refuses every request\n',
        );
      app = buildServer({
        reconciler: d.reconciler,
        probes: d.probes,
        branch: d.branch,
        webhookSecret: secret,
        log: (msg, detail) => d.deps.log.warn(detail, msg),
        metrics,
        api: {
          store: d.deps.store,
          reconciler: d.reconciler,
          events,
          settings: () => {
            // The applied revision's server settings; before one, those it boots from.
            const cur = d.reconciler.current();
            if (!cur && !d.acting) return SAFEST;
            const server = (cur ? cur.config : d.config)?.spec.server;
            return {
              readAccess: server?.readAccess ?? 'open',
              trustedProxy: server?.trustedProxy,
              tls: server?.tls ?? false,
            };
          },
          metricsToken: metricsToken(d.config, io.env),
          catalog: new CatalogReads(d.deps.catalog),
          logs: (job, backend) => jobLogs(d.deps.batch, job, backend),
          figures,
          viewOnly,
        },
        web: {
          reconciler: d.reconciler,
          dataDir: d.deps.dataDir,
          // Revisions are commits only of a git source; a working tree's are not on the forge.
          ...(browseUrl && d.source instanceof GitSpecSource
            ? { browse: { template: browseUrl, specPath: d.specPath } }
            : {}),
        },
        ...(d.deps.ownership ? { ownership: d.deps.ownership } : {}),
      });
      const address = await app.listen({ host: opts.host, port });
      io.stdout(
        `gitpoms serve${viewOnly ? ' (only shows)' : ''}: ${d.source.description}; listening on ${address}\n`,
      );
      await untilSignal(d);
      setCode(EXIT.ok);
    } finally {
      await app?.close();
      await d.close();
    }
  });
}
