import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { closeDeps, dataDirOf, openDeps } from '../engine/open-deps.js';
import type { Deps } from '../engine/deps.js';
import { Notifier } from '../engine/notify.js';
import { ServiceProbes } from '../engine/probes.js';
import { Reconciler, type ReconcilerOptions } from '../engine/loop.js';
import { redactUrl, resolveSecret, urlHasCredential } from '../secrets.js';
import { GitpomsError, InvalidInputError } from '../errors.js';
import { GitSpecSource, WorkingTreeSource, type SpecSource } from '../source/spec-source.js';
import { checkSpec, type SpecResult } from '../desired/index.js';
import type { Config, SecretRef } from '../model/index.js';
import { dataDirFlag, positiveNumber, printDiagnostics, repoContext, type Io } from './io.js';

export interface SourceFlags {
  repo: string;
  dataDir?: string;
  source?: string;
  branch?: string;
  path?: string;
  interval: string;
  poll?: string;
  /** serve: one of several replicas, by this name. */
  replicaId?: string;
  leaseSeconds?: string;
  resync?: string;
}

/** How often a full pass plans every campaign, unless --resync says. */
export const DEFAULT_RESYNC_MS = 300_000;

/** How long a replica's lease lasts unrenewed (renewed four times as often). */
export const DEFAULT_LEASE_MS = 6000;

/** The options every long-running command shares: where the desired state comes from and how often to look. */
export function sourceOptions(c: Command): Command {
  return c
    .option(
      '--source <url|dir>',
      'git repository to follow (default: source.repository of gitpoms.yaml, else the working directory --repo as it is)',
    )
    .option('--branch <name>', 'branch to follow (default: source.branch, else main)')
    .option(
      '--path <dir>',
      'sub-path of the repository holding gitpoms.yaml (default: source.path)',
    )
    .option('--interval <s>', 'seconds between passes', '30')
    .option(
      '--resync <s>',
      'seconds between full passes, which plan every campaign; the passes between plan only campaigns whose jobs changed, that are not at rest, or that an event named (default: 300, and never less than --interval)',
    )
    .option(
      '--poll <s>',
      'seconds between fetches of a git source (default: source.pollSeconds, else 60)',
    )
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option('--repo <dir>', 'working directory: the desired state when no git source is set', '.');
}

export interface Daemon {
  deps: Deps;
  source: SpecSource;
  reconciler: Reconciler;
  probes: ServiceProbes;
  /**
   * The gitpoms.yaml backends, notifications and the webhook secret were read from: the newest
   * revision when it validates, else the one applied last, else the newest valid one before it.
   */
  config: Config | undefined;
  /**
   * Whether `config` is that of a revision the reconciler acts on. When not (the newest revision
   * does not validate and none was applied), serve reads with its safest settings until one is.
   */
  acting: boolean;
  branch: string;
  /** The sub-path of a git source holding gitpoms.yaml (--path, else source.path). */
  specPath: string | undefined;
  close(): Promise<void>;
}

function fail(io: Io, e: unknown): undefined {
  if (!(e instanceof GitpomsError)) throw e;
  io.stderr(`${e.message}\n`);
  return undefined;
}

/**
 * Opens the source, the backends and a Reconciler. A working directory must validate before
 * anything is touched (bad input changes nothing). A git source is fetched into the data
 * directory first; if its newest revision does not validate, the reconciler starts anyway
 * and acts on the last revision it applied, when the store has one.
 * Backends, notifications and the webhook secret are read once, at start.
 */
export async function openDaemon(
  io: Io,
  flags: SourceFlags,
  loop: Omit<ReconcilerOptions, 'intervalMs' | 'resyncMs' | 'pollMs' | 'probes' | 'notifier'> & {
    watch: boolean;
  },
): Promise<Daemon | undefined> {
  const intervalMs = positiveNumber('--interval', flags.interval) * 1000;
  const resyncMs =
    flags.resync !== undefined
      ? positiveNumber('--resync', flags.resync) * 1000
      : Math.max(DEFAULT_RESYNC_MS, intervalMs);
  const ctx = repoContext(io, flags.repo);
  const local = existsSync(path.join(ctx.root, 'gitpoms.yaml'))
    ? await checkSpec(ctx.repo)
    : undefined;
  const boot = local?.docs.config?.value.spec.source;
  const repository = flags.source ?? boot?.repository;
  const dataDir = dataDirOf(ctx.root, local?.docs.config?.value, dataDirFlag(io, flags.dataDir));
  const branch = flags.branch ?? boot?.branch ?? 'main';
  const specPath = flags.path ?? boot?.path;
  const pollSeconds =
    flags.poll !== undefined ? positiveNumber('--poll', flags.poll) : (boot?.pollSeconds ?? 60);

  let source: SpecSource;
  let first: SpecResult;
  let root = ctx.root;
  /** The newest valid revision before an invalid newest one, and its check. */
  let before: { id: string; spec: SpecResult } | undefined;
  if (repository === undefined) {
    source = new WorkingTreeSource(ctx.root, { ignore: [dataDir] });
    first = local ?? (await checkSpec(ctx.repo));
    if (!first.desired) {
      printDiagnostics(io, first.diagnostics);
      return undefined;
    }
  } else {
    if (urlHasCredential(repository)) {
      io.stderr(
        `--source ${redactUrl(repository)} carries a credential in its URL, which would be shown in status, pages and logs; give it by reference: a git credential helper (git config --global credential.helper store, or the forge's), GIT_ASKPASS, or an ssh key\n`,
      );
      return undefined;
    }
    const isDir = existsSync(path.resolve(io.cwd, repository));
    try {
      const git = new GitSpecSource({
        repository: isDir ? path.resolve(io.cwd, repository) : repository,
        branch,
        ...(specPath ? { path: specPath } : {}),
        // A server that only shows keeps checkouts of its own beside the reconciler's.
        dir: path.join(dataDir, loop.readOnly ? 'viewer-source' : 'source'),
      });
      source = git;
      const rev = await git.latest();
      first = await checkSpec(rev.repo);
      if (first.desired) root = await git.checkout(rev);
      else before = await lastValid(git, rev.id);
    } catch (e) {
      return fail(io, e);
    }
  }
  // An invalid revision's gitpoms.yaml is never read: not its access, secrets, nor backends.
  let config = first.desired
    ? (first.docs.config?.value ?? local?.docs.config?.value)
    : (before?.spec.docs.config?.value ?? (local?.desired ? local.docs.config?.value : undefined));
  let acting = first.desired !== undefined;
  const ttlMs =
    flags.leaseSeconds === undefined
      ? DEFAULT_LEASE_MS
      : positiveNumber('--lease-seconds', flags.leaseSeconds) * 1000;
  const open = (c: Config | undefined) =>
    openDeps(root, c, {
      dataDir,
      revision: undefined,
      env: io.env,
      ...(loop.readOnly ? { viewOnly: true } : {}),
      ...(flags.replicaId !== undefined
        ? { replica: { id: flags.replicaId, ttlMs, marginMs: Math.min(2000, ttlMs / 4) } }
        : {}),
    });
  let deps: Deps;
  let notifier: Notifier | undefined;
  try {
    deps = open(config);
    if (!acting) {
      // The reconciler acts on the revision applied last: its settings are the ones in force.
      const applied = await deps.store.appliedRevision();
      const rev = applied && (await source.byId(applied.revision));
      const spec = rev && (rev.id === before?.id ? before.spec : await checkSpec(rev.repo));
      if (spec?.desired) {
        acting = true;
        const c = spec.docs.config?.value;
        if (JSON.stringify(c) !== JSON.stringify(config)) {
          await closeDeps(deps);
          config = c;
          deps = open(config);
        }
      } else
        io.stderr(
          'no valid revision to act on yet: reads need a token and actions are refused until one is applied\n',
        );
    }
  } catch (e) {
    return fail(io, e);
  }
  try {
    notifier = config?.spec.notifications?.length
      ? new Notifier(config.spec.notifications, io.env, deps.log)
      : undefined;
  } catch (e) {
    await closeDeps(deps);
    return fail(io, e);
  }
  const probes = new ServiceProbes(undefined, deps.catalog);
  const reconciler = new Reconciler(deps, source, {
    ...loop,
    intervalMs,
    resyncMs,
    pollMs: pollSeconds * 1000,
    probes,
    ...(notifier ? { notifier } : {}),
  });
  deps.ownership?.start(
    (e) =>
      deps.log.warn(
        { err: (e as Error).message },
        'cannot renew the leases; acting stops at their deadline',
      ),
    (campaigns) => reconciler.trigger('leases taken', campaigns),
  );
  const stopWatch = loop.watch
    ? await source.watch((why) => reconciler.trigger(`changed: ${why}`))
    : undefined;
  return {
    deps,
    source,
    reconciler,
    probes,
    config,
    acting,
    branch,
    specPath,
    async close() {
      reconciler.stop();
      await stopWatch?.();
      // A replica that stops hands its campaigns over at once, not when its leases expire.
      await deps.ownership
        ?.leave()
        .catch((e: Error) => deps.log.warn({ err: e.message }, 'cannot release the leases'));
      await closeDeps(deps);
    },
  };
}

/** How many commits before an invalid newest one are looked at for a valid one to boot from. */
const LOOK_BACK = 20;

/** The newest commit before `newest` on the branch that validates, if one of the last few does. */
async function lastValid(
  source: GitSpecSource,
  newest: string,
): Promise<{ id: string; spec: SpecResult } | undefined> {
  for (const id of await source.history(LOOK_BACK)) {
    if (id === newest) continue;
    const rev = await source.byId(id);
    const spec = rev && (await checkSpec(rev.repo));
    if (spec?.desired) return { id, spec };
  }
  return undefined;
}

/** How the long-running commands report an invalid revision, a failed pass and an unreadable source on stderr. */
export function reportProblems(
  io: Io,
  onFailure?: (pass: number, e: GitpomsError) => void,
): Pick<ReconcilerOptions, 'onInvalid' | 'onFailure' | 'onSourceError'> {
  return {
    onInvalid(revision, diagnostics) {
      printDiagnostics(io, diagnostics);
      io.stderr(
        `revision ${revision.slice(0, 12)} does not validate; acting on the last valid one\n`,
      );
    },
    onFailure(pass, e) {
      onFailure?.(pass, e);
      io.stderr(`pass ${pass} failed, nothing was changed: ${e.message}\n`);
    },
    onSourceError(e) {
      io.stderr(`${e.message}; acting on the last valid revision\n`);
    },
  };
}

function configSecret(
  ref: SecretRef | undefined,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): string | undefined {
  if (!ref) return undefined;
  try {
    return resolveSecret(ref, env, what);
  } catch (e) {
    if (e instanceof GitpomsError) throw new InvalidInputError(e.message);
    throw e;
  }
}

/** The webhook secret named by gitpoms.yaml, resolved; undefined when none is configured. */
export function webhookSecret(io: Io, config: Config | undefined): string | undefined {
  return configSecret(config?.spec.source?.webhookSecret, io.env, 'source.webhookSecret');
}

/** The bearer of a Prometheus scrape (server.metricsToken), resolved; undefined when none. */
export function metricsToken(
  config: Config | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return configSecret(config?.spec.server?.metricsToken, env, 'server.metricsToken');
}
