import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { PostgresStore } from '../../adapters/store/postgres/index.js';
import { SqliteStore } from '../../adapters/store/sqlite/index.js';
import type { StoreTables } from '../../adapters/store/tables.js';
import { isLeaseStore, type Store } from '../../adapters/store/types.js';
import { configuredStore, dataDirOf, lockDataDir } from '../../engine/open-deps.js';
import { copyStore } from '../../engine/store-copy.js';
import { table } from '../../engine/stats.js';
import { InvalidInputError } from '../../errors.js';
import type { Config } from '../../model/index.js';
import { EXIT, dataDirFlag, loadOrReport, repoContext, type Io } from '../io.js';

interface Flags {
  repo: string;
  dataDir?: string;
}

type Opened = { store: Store & StoreTables; release: () => void };

/**
 * A store named on the command line: sqlite:FILE, postgres (the connection gitpoms.yaml
 * names, by default $GITPOMS_STORE_URL) or postgres:URL. A URL on the command line is seen
 * by every user of the machine (ps); the configured reference keeps it out of sight.
 */
function openNamed(
  spec: string,
  role: 'from' | 'to',
  config: Config | undefined,
  io: Io,
  dataDir: string,
): Opened {
  const none = () => undefined;
  if (spec.startsWith('sqlite:')) {
    const file = path.resolve(io.cwd, spec.slice('sqlite:'.length));
    if (role === 'from' && !existsSync(file))
      throw new InvalidInputError(`--from ${spec}: no such file`);
    mkdirSync(path.dirname(file), { recursive: true });
    // A reconciler writing that file would write after the copy read it: none may run.
    const release = lockDataDir(path.dirname(file));
    try {
      return { store: new SqliteStore(file, { readonly: role === 'from' }), release };
    } catch (e) {
      release();
      throw e;
    }
  }
  if (spec === 'postgres') {
    const pgConfig: Config = config ?? { apiVersion: 'gitpoms/v1', kind: 'Config', spec: {} };
    const withPg: Config = {
      ...pgConfig,
      spec: { ...pgConfig.spec, backends: { ...pgConfig.spec.backends, store: 'postgres' } },
    };
    return { store: configuredStore(withPg, dataDir, io.env), release: none };
  }
  if (spec.startsWith('postgres:')) {
    const url = spec.slice('postgres:'.length);
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new InvalidInputError(
        `--${role} ${spec.replace(/:[^:@/]*@/, ':***@')}: postgres:postgresql://user:password@host:port/database`,
      );
    return {
      store: new PostgresStore({ url, schema: config?.spec.backends?.postgres?.schema }),
      release: none,
    };
  }
  throw new InvalidInputError(
    `--${role} ${spec.replace(/:[^:@/]*@/, ':***@')}: one of sqlite:FILE, postgres (the connection gitpoms.yaml names) or postgres:URL`,
  );
}

/** A heartbeat this recent is a replica that may still write. */
const LIVE_HEARTBEAT_MS = 60_000;

/**
 * Refuses a shared store some replica may still write to: one holds an unexpired lease, or
 * has sent a heartbeat in the last minute (a copy would miss what it writes after).
 */
async function refuseWhileReplicasRun(store: Store, role: 'from' | 'to'): Promise<void> {
  if (!isLeaseStore(store)) return;
  const [{ now, replicas }, { leases }] = [await store.replicas(), await store.leases()];
  const live = new Set([
    ...replicas.filter((r) => r.heartbeatAt > now - LIVE_HEARTBEAT_MS).map((r) => r.id),
    ...leases.filter((l) => l.expiresAt > now).map((l) => l.owner),
  ]);
  if (live.size)
    throw new InvalidInputError(
      `--${role} ${store.name}: replicas ${[...live].sort().join(', ')} still run on this store (a heartbeat in the last ${LIVE_HEARTBEAT_MS / 1000} s or a lease unexpired); stop every replica first (SIGTERM gives its leases up at once)`,
    );
}

/** The state store itself: its schema, and moving a site's records to another store. */
export function registerStore(program: Command, io: Io, setCode: (n: number) => void): void {
  const cmd = program.command('store').description('the state store: schema and copies');
  const common = (c: Command) =>
    c
      .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
      .option('--repo <dir>', 'repository root', '.');

  const context = async (flags: Flags) => {
    const ctx = repoContext(io, flags.repo);
    const spec = await loadOrReport(io, ctx.repo);
    if (!spec?.desired) return undefined;
    const config = spec.docs.config?.value;
    return { config, dataDir: dataDirOf(ctx.root, config, dataDirFlag(io, flags.dataDir)) };
  };

  common(
    cmd
      .command('migrate')
      .description(
        "bring the configured store's schema to this gitpoms's version (replicas wait on one another)",
      ),
  ).action(async (flags: Flags) => {
    const c = await context(flags);
    if (!c) return setCode(EXIT.error);
    mkdirSync(c.dataDir, { recursive: true });
    const store = configuredStore(c.config, c.dataDir, io.env);
    try {
      const m = await store.migrations();
      io.stdout(`${store.name} store: schema version ${m.applied} of ${m.known}\n`);
      setCode(EXIT.ok);
    } finally {
      await store.close();
    }
  });

  common(
    cmd
      .command('copy')
      .description(
        'copy every record into an empty store, then compare every table (stop the reconciler, or every replica, first)',
      )
      .requiredOption(
        '--from <store>',
        'sqlite:FILE, postgres (as gitpoms.yaml names it) or postgres:URL',
      )
      .requiredOption('--to <store>', 'the same forms; it must hold no records'),
  ).action(async (flags: Flags & { from: string; to: string }) => {
    const c = await context(flags);
    if (!c) return setCode(EXIT.error);
    const from = openNamed(flags.from, 'from', c.config, io, c.dataDir);
    try {
      await refuseWhileReplicasRun(from.store, 'from');
      const to = openNamed(flags.to, 'to', c.config, io, c.dataDir);
      try {
        await refuseWhileReplicasRun(to.store, 'to');
        const report = await copyStore(from.store, to.store);
        io.stdout(
          table(
            ['table', 'rows'],
            report.tables.map((t) => [t.table, String(t.rows)]),
          ),
        );
        io.stdout(`copied ${from.store.name} → ${to.store.name}; every table compared equal\n`);
        setCode(EXIT.ok);
      } finally {
        await to.store.close();
        to.release();
      }
    } finally {
      await from.store.close();
      from.release();
    }
  });
}
