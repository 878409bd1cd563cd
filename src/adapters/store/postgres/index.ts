import pg from 'pg';
import { AdapterError, GitpomsError } from '../../../errors.js';
import {
  overrideTarget,
  type ActionKind,
  FRESH_SPLIT,
  type NewSubmission,
  type OperatorOverride,
  type SplitState,
  type StoredToken,
  type SubmissionStatus,
} from '../../../model/index.js';
import {
  jobColumns,
  JobIndex,
  SubmissionIndex,
  type SubmissionRow,
  toStoredJob,
  toSubmission,
  toToken,
  type TokenRow,
  overridesInForce,
  submissionValues,
  tokenValues,
  toRevision,
} from '../rows.js';
import {
  type AuditEntry,
  campaignOfKey,
  type Fence,
  type FencedWrite,
  type Intent,
  type JobQuery,
  type JobRecord,
  type Lease,
  type LeaseStore,
  type Membership,
  type NewOverride,
  type ReplicaRecord,
  type RevisionRecord,
  sameJob,
  type OverrideTarget,
  type SplitAdvance,
  type StageDefinition,
  type Store,
  type StoredJob,
  type StoredSubmission,
} from '../types.js';
import { MIGRATIONS } from './migrations.js';
import { normalize, type Row, type StoreTables, type TableDef } from '../tables.js';

const ARRAY_TYPE = {
  text: 'text[]',
  int: 'bigint[]',
  real: 'double precision[]',
  bool: 'boolean[]',
};

/** The sequences behind the columns a copy writes ids into, and the columns they must pass. */
const SEQUENCES: Record<string, Array<[string, string]>> = {
  status_history: [['status_history_id_seq', 'id']],
  intents: [['intents_id_seq', 'id']],
  audit: [['audit_id_seq', 'id']],
  overrides: [['overrides_id_seq', 'id']],
  tokens: [['tokens_seq_seq', 'seq']],
  revisions: [
    ['revision_seq', 'seen_seq'],
    ['revision_seq', 'applied_seq'],
  ],
};

/** bigint columns (ids, versions) as numbers: they stay far below 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? Number
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

/** SQLSTATE of a lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';
/** SQLSTATE classes and codes worth another try: a connection lost, a conflict, a timeout. */
const RETRYABLE = /^(08|40|53|57P0[1-3])|^55P03$|^57014$/;

/** The store's change log keeps this many versions; a reader further behind reads all again. */
const KEEP_CHANGES = 10_000;

type Kind = 'submission' | 'jobs';

export interface PostgresStoreOptions {
  /** postgresql://user:password@host:port/db; never logged. */
  url: string;
  /** The schema gitpoms's tables live in (created if absent); default: the role's search_path. */
  schema?: string | undefined;
  /** Operator commands read the store and never write it: the server refuses their writes. */
  readonly?: boolean;
  clock?: () => Date;
  /** Connections kept open. Default 4. */
  poolSize?: number | undefined;
  /** A statement running longer is cancelled. Default 30 s. */
  statementTimeoutMs?: number | undefined;
  /**
   * The server ends a session that sits this long inside a write transaction doing nothing (a
   * frozen or cut-off process), so the row locks it holds go with it. Replicas set their lease:
   * a frozen owner then blocks its successor no longer than its lease would. Default 60 s.
   */
  idleInTransactionMs?: number | undefined;
}

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured PostgreSQL URL (unparseable)';
  }
}

/**
 * The PostgreSQL store, for a site that runs several replicas or keeps its state on a database
 * server. Tables as the SQLite store's; every write of submissions or jobs takes the store's
 * version in one row, so writers commit in version order and a reader follows them through the
 * change log, reading again only what changed.
 */
/** A launch journal write: its statements on the group's client; `changed` names the submissions it writes. */
type JournalWrite<T> = (c: pg.PoolClient, changed: (keys: string[]) => void) => Promise<T>;

interface QueuedWrite {
  write: JournalWrite<unknown>;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class PostgresStore implements Store, StoreTables, LeaseStore {
  readonly name = 'postgres';
  private readonly pool: pg.Pool;
  /** Leases' own connection, opened on first use: renewals never queue behind bulk work. */
  private leasePool: pg.Pool | undefined;
  private readonly clock: () => Date;
  private readonly readonly: boolean;
  private readonly where: string;
  /** The open in flight; forgotten when it fails, so a server down at start is tried again. */
  private opening: Promise<void> | undefined;
  private opened = false;
  /** The store version the caches below are at. */
  private version = -1;
  private subs: SubmissionIndex | undefined;
  private jobIndex: JobIndex | undefined;
  /** Syncs of the caches, one at a time. */
  private syncing: Promise<unknown> = Promise.resolve();
  /** Each job as this store last recorded it, to write only changes. */
  private readonly recorded = new Map<string, JobRecord>();
  /** The fences a replica's writes carry; none outside replica mode. */
  private fences: ((campaign: string) => Fence | undefined) | undefined;
  /** Launch journal writes waiting for their shared transaction. */
  private readonly queued: QueuedWrite[] = [];
  /** The key of each launch intent this store began and has not finished. */
  private readonly intentKeys = new Map<number, string>();

  constructor(private readonly opts: PostgresStoreOptions) {
    this.clock = opts.clock ?? (() => new Date());
    this.readonly = opts.readonly ?? false;
    this.where = `the PostgreSQL store ${redactUrl(opts.url)}${opts.schema ? ` (schema ${opts.schema})` : ''}`;
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema))
      throw new GitpomsError(
        'invalid-config',
        `backends.postgres.schema ${JSON.stringify(opts.schema)}: lower-case letters, digits and _`,
      );
    this.pool = this.newPool(opts.poolSize ?? 4);
    this.ready().catch(() => undefined);
  }

  private newPool(max: number): pg.Pool {
    const settings = [
      ...(this.opts.schema ? [`-c search_path=${this.opts.schema}`] : []),
      ...(this.readonly ? ['-c default_transaction_read_only=on'] : []),
      `-c idle_in_transaction_session_timeout=${Math.ceil(this.opts.idleInTransactionMs ?? 60_000)}`,
    ];
    const pool = new pg.Pool({
      connectionString: this.opts.url,
      max,
      statement_timeout: this.opts.statementTimeoutMs ?? 30_000,
      connectionTimeoutMillis: 10_000,
      application_name: 'gitpoms',
      types: TYPES,
      options: settings.join(' '),
    });
    // An idle connection the server cut is an event, not a crash: the next query reconnects.
    pool.on('error', () => undefined);
    return pool;
  }

  private leaseConnection(): pg.Pool {
    return (this.leasePool ??= this.newPool(1));
  }

  private fail(message: string, cause?: unknown, retryable = false): never {
    throw new AdapterError('postgres-store', `${this.where}: ${message}`, { retryable, cause });
  }

  /** A driver or server error as a store error that says where and whether to try again. */
  private wrap(e: unknown): unknown {
    if (e instanceof GitpomsError) return e;
    const code = (e as { code?: string }).code ?? '';
    const message = (e as Error).message ?? String(e);
    const connection =
      /^E[A-Z]+$/.test(code) || /connect|terminat|timeout|closed/i.test(message) || !code;
    return new AdapterError('postgres-store', `${this.where}: ${message}`, {
      retryable: RETRYABLE.test(code) || connection,
      cause: e,
    });
  }

  private ready(): Promise<void> {
    if (this.opened) return Promise.resolve();
    return (this.opening ??= this.open().then(
      () => void (this.opened = true),
      (e: unknown) => {
        this.opening = undefined;
        throw e;
      },
    ));
  }

  /** Creates or upgrades the tables, once across replicas (under an advisory lock). */
  private async open(): Promise<void> {
    const c = await this.client();
    let broken = false;
    try {
      if (this.readonly) {
        const v = await this.schemaVersion(c);
        if (v === undefined)
          this.fail('has no gitpoms tables; run gitpoms store migrate, or gitpoms run, first');
        if (v > MIGRATIONS.length) this.tooNew(v);
        return;
      }
      // Only other opens wait on it; a process starting up may be slow between statements.
      await c.query('BEGIN; SET LOCAL idle_in_transaction_session_timeout = 0');
      await c.query("SELECT pg_advisory_xact_lock(hashtext('gitpoms store migrations'))");
      if (this.opts.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${this.opts.schema}`);
      await c.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)',
      );
      const v = (await this.schemaVersion(c)) ?? 0;
      if (v > MIGRATIONS.length) this.tooNew(v);
      for (let i = v; i < MIGRATIONS.length; i++) {
        await c.query(MIGRATIONS[i]!);
        await c.query('INSERT INTO schema_migrations VALUES ($1, $2)', [i + 1, this.now()]);
      }
      await c.query('COMMIT');
    } catch (e) {
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw this.wrap(e);
    } finally {
      c.release(broken);
    }
  }

  private tooNew(v: number): never {
    this.fail(
      `has schema version ${v}, newer than this gitpoms knows (${MIGRATIONS.length}); upgrade gitpoms`,
    );
  }

  private async schemaVersion(c: pg.PoolClient): Promise<number | undefined> {
    const t = await c.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present");
    if (!t.rows[0].present) return undefined;
    const r = await c.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations');
    return r.rows[0].v as number;
  }

  /** The schema version and how many migrations this gitpoms has. */
  async migrations(): Promise<{ applied: number; known: number }> {
    await this.ready();
    const c = await this.client();
    let failed = false;
    try {
      return { applied: (await this.schemaVersion(c)) ?? 0, known: MIGRATIONS.length };
    } catch (e) {
      failed = true;
      throw this.wrap(e);
    } finally {
      c.release(failed);
    }
  }

  private async client(pool = this.pool): Promise<pg.PoolClient> {
    let c: pg.PoolClient;
    try {
      c = await pool.connect();
    } catch (e) {
      throw this.wrap(e);
    }
    // A connection cut while checked out between two statements (a server restart) is an
    // event on the client: unheard it would end the process. The next statement fails instead.
    if (!c.listenerCount('error')) c.on('error', () => undefined);
    return c;
  }

  private async query<R extends object = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    pool = this.pool,
  ): Promise<R[]> {
    await this.ready();
    try {
      return (await pool.query(sql, params)).rows as R[];
    } catch (e) {
      throw this.wrap(e);
    }
  }

  /**
   * One transaction. `durable: false` commits without waiting for the disk (only for the end
   * of an intent: lost, the intent is pending again and is ended from the batch system).
   */
  private async tx<T>(
    fn: (c: pg.PoolClient) => Promise<T>,
    opts: {
      durable?: boolean;
      isolation?: string;
      pool?: pg.Pool;
      /** SET LOCAL settings of this transaction, sent with its BEGIN in one round trip. */
      settings?: Record<string, string | number>;
    } = {},
  ): Promise<T> {
    await this.ready();
    const c = await this.client(opts.pool);
    let broken = false;
    try {
      const settings = {
        ...(opts.durable === false ? { synchronous_commit: 'off' } : {}),
        ...opts.settings,
      };
      await c.query(
        [
          opts.isolation ? `BEGIN ISOLATION LEVEL ${opts.isolation}` : 'BEGIN',
          ...Object.entries(settings).map(([k, v]) => `SET LOCAL ${k} = ${v}`),
        ].join('; '),
      );
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => (broken = true));
      throw this.wrap(e);
    } finally {
      c.release(broken);
    }
  }

  /**
   * Group commit: launch journal writes made in the same turn of the event loop share one
   * transaction (one store version, one commit), and each caller's promise settles only after
   * it: an intent is on disk before its caller acts. When one write is refused, each write of
   * the group is made again in a transaction of its own, so the refusal undoes no other. A
   * group none of whose writes is `durable` commits without waiting for the disk (see tx).
   */
  private journal<T>(write: JournalWrite<T>, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const n = this.queued.push({
        write,
        durable,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (n === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const group = this.queued.splice(0);
    const run = (writes: QueuedWrite[]) =>
      this.tx(
        async (c) => {
          const changed = await this.bump(c);
          const keys: string[] = [];
          const out: unknown[] = [];
          for (const w of writes) out.push(await w.write(c, (k) => keys.push(...k)));
          await changed('submission', keys);
          return out;
        },
        { durable: writes.some((w) => w.durable) },
      );
    try {
      const out = await run(group);
      group.forEach((w, i) => w.resolve(out[i]));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const w of group)
        await run([w]).then(
          ([v]) => w.resolve(v),
          (e: unknown) => w.reject(e),
        );
    }
  }

  /**
   * Takes the next store version for a write of submissions or jobs (the row lock orders
   * writers until they commit) and logs what it changes. First in its transaction, so writers
   * queue on this one row and never deadlock on others.
   */
  private async bump(c: pg.PoolClient): Promise<(kind: Kind, keys: string[]) => Promise<void>> {
    const r = await c.query('UPDATE store_state SET version = version + 1 RETURNING version');
    const version = r.rows[0].version as number;
    if (version % 1000 === 0) {
      await c.query('DELETE FROM changes WHERE version <= $1', [version - KEEP_CHANGES]);
      await c.query('UPDATE store_state SET pruned_below = greatest(pruned_below, $1)', [
        version - KEEP_CHANGES,
      ]);
    }
    return async (kind, keys) => {
      if (keys.length)
        await c.query(
          'INSERT INTO changes (version, kind, key) SELECT $1, $2, k FROM unnest($3::text[]) AS k',
          [version, kind, [...new Set(keys)]],
        );
    };
  }

  private now(): string {
    return this.clock().toISOString();
  }

  /**
   * Refuses the write unless each campaign is still in the unit its fence names and this
   * replica still holds that unit's lease with the token the fence carries (FOR KEY SHARE: a
   * new holder's taking and a move of the campaign lock FOR UPDATE, so they wait for, or skip,
   * this write; the owner's renewal, a plain UPDATE of expires_at, neither waits on it nor can
   * deadlock with a group of writes), and logs the write under it, in the write's transaction.
   */
  private async fence(c: pg.PoolClient, keys: readonly string[], what: string): Promise<void> {
    if (!this.fences) return;
    const campaigns = [...new Set(keys.map(campaignOfKey))];
    const fences = campaigns.map((campaign) => {
      const f = this.fences!(campaign);
      if (!f) this.lost(campaign, 'this replica holds no lease on it');
      return f;
    });
    const r = await c.query(
      `SELECT m.campaign, greatest(l.token, m.token) AS token
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS f(campaign, unit, owner, token)
         JOIN lease_members m ON m.campaign = f.campaign AND m.unit = f.unit
         JOIN leases l ON l.unit = f.unit AND l.owner = f.owner AND l.token = f.token
       WHERE l.expires_at > now() FOR KEY SHARE OF l, m`,
      [
        campaigns,
        fences.map((f) => f.unit),
        fences.map((f) => f.replica),
        fences.map((f) => f.token),
      ],
    );
    const held = new Map(r.rows.map((x) => [x.campaign as string, Number(x.token)]));
    for (const [i, campaign] of campaigns.entries())
      if (!held.has(campaign))
        this.lost(
          campaign,
          `its lease on ${fences[i]!.unit} is no longer ${fences[i]!.replica}'s with token ${fences[i]!.token}, or it was moved out of ${fences[i]!.unit}`,
        );
    await c.query(
      `INSERT INTO action_log (replica, campaign, token, unit, unit_token, what)
         SELECT f.owner, f.campaign, f.token, f.unit, f.unit_token, $6
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[])
             AS f(campaign, owner, token, unit, unit_token)`,
      [
        campaigns,
        fences.map((f) => f.replica),
        campaigns.map((x) => held.get(x)!),
        fences.map((f) => f.unit),
        fences.map((f) => f.token),
        what,
      ],
    );
  }

  private lost(campaign: string, why: string): never {
    throw new AdapterError(
      'postgres-store',
      `${this.where}: write about campaign ${campaign} refused: ${why}`,
      { retryable: false, code: 'lease-lost' },
    );
  }

  /**
   * Brings the caches to the store's version, in one snapshot: the rows the change log names
   * since, or everything when the log no longer reaches back (or nothing was read yet).
   */
  private sync(need: 'submissions' | 'jobs'): Promise<void> {
    const run = this.syncing.then(() =>
      this.tx(
        async (c) => {
          const s = (await c.query('SELECT version, pruned_below FROM store_state')).rows[0] as {
            version: number;
            pruned_below: number;
          };
          if (s.version !== this.version) {
            if (this.version < s.pruned_below || this.version < 0) {
              this.subs = undefined;
              this.jobIndex = undefined;
            } else {
              const changed = (
                await c.query('SELECT DISTINCT kind, key FROM changes WHERE version > $1', [
                  this.version,
                ])
              ).rows as Array<{ kind: Kind; key: string }>;
              const of = (k: Kind) => changed.filter((x) => x.kind === k).map((x) => x.key);
              if (this.subs) await this.refreshSubmissions(c, of('submission'));
              if (this.jobIndex) await this.refreshJobs(c, of('jobs'));
            }
            this.version = s.version;
          }
          if (need === 'submissions' && !this.subs)
            this.subs = new SubmissionIndex(await this.readSubmissions(c));
          if (need === 'jobs' && !this.jobIndex) {
            const rows = await c.query('SELECT * FROM jobs ORDER BY submission, id');
            this.jobIndex = new JobIndex(rows.rows.map(toStoredJob));
          }
        },
        // It holds no lock, and reading every job of a large store takes a while.
        {
          isolation: 'REPEATABLE READ READ ONLY',
          settings: { idle_in_transaction_session_timeout: 0 },
        },
      ),
    );
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async refreshSubmissions(c: pg.PoolClient, keys: string[]): Promise<void> {
    if (!keys.length) return;
    const read = new Map((await this.readSubmissions(c, keys)).map((s) => [s.key, s]));
    for (const k of keys) {
      const sub = read.get(k);
      if (sub) this.subs!.put(sub);
      else this.subs!.delete(k);
    }
  }

  private async refreshJobs(c: pg.PoolClient, submissions: string[]): Promise<void> {
    if (!submissions.length) return;
    const rows = await c.query(
      'SELECT * FROM jobs WHERE submission = ANY($1) ORDER BY submission, id',
      [submissions],
    );
    const bySub = new Map<string, StoredJob[]>(submissions.map((k) => [k, []]));
    for (const r of rows.rows) bySub.get(r.submission)!.push(toStoredJob(r));
    for (const [k, jobs] of bySub) this.jobIndex!.replace(k, jobs);
  }

  /** Submissions with their history: all, or those of `keys`. */
  private async readSubmissions(
    c: pg.PoolClient | pg.Pool,
    keys?: string[],
  ): Promise<StoredSubmission[]> {
    const where = keys ? ' WHERE key = ANY($1)' : '';
    const params = keys ? [keys] : [];
    const rows = (await c.query(`SELECT * FROM submissions${where}`, params))
      .rows as SubmissionRow[];
    const hist = new Map<string, StoredSubmission['history']>();
    for (const h of (
      await c.query(
        `SELECT key, status, at, reason FROM status_history${where} ORDER BY id`,
        params,
      )
    ).rows as Array<{ key: string } & StoredSubmission['history'][number]>) {
      const { key, ...rest } = h;
      const list = hist.get(key);
      if (list) list.push(rest);
      else hist.set(key, [rest]);
    }
    return rows.map((r) => toSubmission(r, hist.get(r.key) ?? []));
  }

  /** Every submission with its history, in launch order; frozen, shared by every caller. */
  async submissions(): Promise<StoredSubmission[]> {
    await this.sync('submissions');
    return this.subs!.all();
  }

  async submissionsOf(campaigns: readonly string[]): Promise<StoredSubmission[]> {
    await this.sync('submissions');
    return this.subs!.of(campaigns);
  }

  async submission(key: string): Promise<StoredSubmission | undefined> {
    await this.ready();
    try {
      return (await this.readSubmissions(this.pool, [key]))[0];
    } catch (e) {
      throw this.wrap(e);
    }
  }

  private async addHistory(
    c: pg.PoolClient,
    key: string,
    status: SubmissionStatus,
    reason: string,
    at = this.now(),
  ): Promise<void> {
    await c.query('INSERT INTO status_history (key, status, at, reason) VALUES ($1, $2, $3, $4)', [
      key,
      status,
      at,
      reason,
    ]);
  }

  async beginLaunch(
    a: NewSubmission,
    revision: string | undefined,
    batch: string,
    definition?: StageDefinition,
  ): Promise<number> {
    const id = await this.journal(async (c, changed) => {
      await this.fence(c, [a.key], `launch ${a.key}`);
      const at = this.now();
      const inserted = await c.query(
        `INSERT INTO submissions (key, campaign, stage, slice, attempt, parent, recovery, revision, command, input,
             job_type, launch_template, batch, status, launched_at, definition)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'launching', $14, $15)
           ON CONFLICT (key) DO NOTHING`,
        submissionValues(a, revision, batch, at, definition),
      );
      if (inserted.rowCount === 0)
        this.fail(`submission ${a.key} already exists; refusing to launch it twice`);
      await this.addHistory(c, a.key, 'launching', a.reason, at);
      const r = await c.query(
        "INSERT INTO intents (kind, key, state, created_at) VALUES ('launch', $1, 'pending', $2) RETURNING id",
        [a.key, at],
      );
      changed([a.key]);
      return Number(r.rows[0].id);
    });
    // Known once committed: a group made again never leaves a wrong one.
    this.intentKeys.set(id, a.key);
    return id;
  }

  private async intent(c: pg.PoolClient, id: number): Promise<Intent> {
    const r = await c.query(
      'SELECT id, kind, key, state, created_at AS "createdAt", detail FROM intents WHERE id = $1',
      [id],
    );
    if (!r.rows.length) this.fail(`no intent ${id}`);
    return intentOf(r.rows[0]);
  }

  async finishLaunch(
    intentId: number,
    outcome: { ok: true; project?: string; split?: SplitAdvance } | { ok: false; error: string },
  ): Promise<void> {
    await this.journal(async (c, changed) => {
      const it = { key: this.intentKeys.get(intentId) ?? (await this.intent(c, intentId)).key };
      await this.fence(c, [it.key], `launch ${it.key} ${outcome.ok ? 'done' : 'failed'}`);
      const at = this.now();
      if (outcome.ok && outcome.split) await this.advanceSplit(c, outcome.split, at);
      if (outcome.ok) {
        await c.query(
          "UPDATE submissions SET status = 'launched', project = coalesce($1, project) WHERE key = $2",
          [outcome.project ?? null, it.key],
        );
        await this.addHistory(c, it.key, 'launched', 'jobs are in the batch system', at);
      } else {
        await c.query("UPDATE submissions SET status = 'launch-failed' WHERE key = $1", [it.key]);
        await this.addHistory(c, it.key, 'launch-failed', outcome.error, at);
      }
      await c.query('UPDATE intents SET state = $1, finished_at = $2, detail = $3 WHERE id = $4', [
        outcome.ok ? 'done' : 'failed',
        at,
        outcome.ok ? null : outcome.error,
        intentId,
      ]);
      changed([it.key]);
    }, false);
    this.intentKeys.delete(intentId);
  }

  /** Moves a split on past a launched slice, once: only from the position the slice was cut at. */
  private async advanceSplit(c: pg.PoolClient, a: SplitAdvance, at: string): Promise<void> {
    const params = [
      a.campaign,
      a.stage,
      a.to.position,
      a.to.last ?? null,
      a.from.generation,
      at,
      a.from.position,
    ];
    const fresh =
      a.from.position === FRESH_SPLIT.position && a.from.generation === FRESH_SPLIT.generation;
    // Only from where it stands: a split that moved since (a reset, a replay) is left alone.
    await c.query(
      fresh
        ? `INSERT INTO splits (campaign, stage, position, last, generation, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (campaign, stage) DO UPDATE SET position = excluded.position, last = excluded.last,
               updated_at = excluded.updated_at
             WHERE splits.position = $7 AND splits.generation = $5`
        : `UPDATE splits SET position = $3, last = $4, updated_at = $6
             WHERE campaign = $1 AND stage = $2 AND position = $7 AND generation = $5`,
      params,
    );
  }

  async splitStates(): Promise<Record<string, SplitState>> {
    const rows = await this.query<{
      campaign: string;
      stage: string;
      position: number;
      last: number | null;
      generation: number;
    }>('SELECT campaign, stage, position, last, generation FROM splits');
    return Object.fromEntries(
      rows.map((r) => [
        `${r.campaign}/${r.stage}`,
        {
          position: r.position,
          generation: r.generation,
          ...(r.last !== null ? { last: r.last } : {}),
        },
      ]),
    );
  }

  async resetSplit(
    campaign: string,
    stage: string,
    actor: string,
    reason: string,
  ): Promise<SplitState> {
    return this.tx(async (c) => {
      const at = this.now();
      const r = await c.query(
        `INSERT INTO splits (campaign, stage, position, last, generation, updated_at) VALUES ($1, $2, 0, NULL, 1, $3)
           ON CONFLICT (campaign, stage) DO UPDATE SET position = 0, last = NULL,
             generation = splits.generation + 1, updated_at = excluded.updated_at
           RETURNING generation`,
        [campaign, stage, at],
      );
      await this.auditIn(
        c,
        { actor, action: 'split reset', target: `${campaign}/${stage}`, detail: reason },
        at,
      );
      return { position: 0, generation: r.rows[0].generation as number };
    });
  }

  async abandonLaunch(intentId: number, reason: string): Promise<void> {
    this.intentKeys.delete(intentId);
    await this.tx(async (c) => {
      const changed = await this.bump(c);
      const it = await this.intent(c, intentId);
      await this.fence(c, [it.key], `launch ${it.key} abandoned`);
      await c.query('DELETE FROM submissions WHERE key = $1', [it.key]);
      await this.addHistory(c, it.key, 'launching', `abandoned: ${reason}`);
      await c.query(
        "UPDATE intents SET state = 'abandoned', finished_at = $1, detail = $2 WHERE id = $3",
        [this.now(), reason, intentId],
      );
      await changed('submission', [it.key]);
    });
  }

  async noteIntent(intentId: number, detail: string): Promise<void> {
    await this.tx(async (c) => {
      await this.fence(c, [(await this.intent(c, intentId)).key], `note ${intentId}`);
      await c.query('UPDATE intents SET detail = $1 WHERE id = $2', [detail, intentId]);
    });
  }

  async transientFailures(key: string): Promise<{ count: number; last: Date | undefined }> {
    const [r] = await this.query<{ n: number; last: string | null }>(
      `SELECT count(*)::integer AS n, max(finished_at) AS last FROM intents
         WHERE kind = 'launch' AND key = $1 AND state = 'abandoned' AND detail LIKE 'transient:%'`,
      [key],
    );
    return { count: r!.n, last: r!.last ? new Date(r!.last) : undefined };
  }

  async pendingIntents(): Promise<Intent[]> {
    return (
      await this.query(
        `SELECT id, kind, key, state, created_at AS "createdAt", detail FROM intents
           WHERE state = 'pending' ORDER BY id`,
      )
    ).map(intentOf);
  }

  async beginAction(kind: ActionKind, key: string): Promise<number> {
    return this.tx(async (c) => {
      await this.fence(c, [key], `${kind} ${key}`);
      const r = await c.query(
        "INSERT INTO intents (kind, key, state, created_at) VALUES ($1, $2, 'pending', $3) RETURNING id",
        [kind, key, this.now()],
      );
      return r.rows[0].id as number;
    });
  }

  async finishAction(intentId: number, error?: string): Promise<void> {
    await this.tx(
      async (c) => {
        const it = await this.intent(c, intentId);
        await this.fence(c, [it.key], `${it.kind} ${it.key} ${error ? 'failed' : 'done'}`);
        await c.query(
          'UPDATE intents SET state = $1, finished_at = $2, detail = $3 WHERE id = $4',
          [error ? 'failed' : 'done', this.now(), error ?? null, intentId],
        );
      },
      { durable: false },
    );
  }

  async setStatus(key: string, status: SubmissionStatus, reason: string): Promise<void> {
    await this.tx(async (c) => {
      const changed = await this.bump(c);
      await this.fence(c, [key], `${status} ${key}`);
      const r = await c.query('UPDATE submissions SET status = $1 WHERE key = $2', [status, key]);
      if (r.rowCount === 0) this.fail(`no submission ${key}`);
      await this.addHistory(c, key, status, reason);
      await changed('submission', [key]);
    });
  }

  async setHeld(key: string, held: boolean): Promise<void> {
    await this.tx(async (c) => {
      const changed = await this.bump(c);
      await this.fence(c, [key], `${held ? 'held' : 'released'} ${key}`);
      await c.query('UPDATE submissions SET held_by_gitpoms = $1 WHERE key = $2', [held, key]);
      await changed('submission', [key]);
    });
  }

  async recordJobs(jobs: readonly JobRecord[], at: string): Promise<void> {
    const changed = jobs.filter((j) => {
      const was = this.recorded.get(j.id);
      return !was || !sameJob(was, j);
    });
    if (!changed.length) return;
    const cols = changed.map((j) => jobColumns(j, at));
    const column = <K extends keyof (typeof cols)[number]>(k: K) => cols.map((c) => c[k]);
    await this.tx(async (c) => {
      const log = await this.bump(c);
      await this.fence(c, column('submission'), 'observed jobs');
      // A job relabelled changes the submission it left too.
      const before = await c.query('SELECT DISTINCT submission FROM jobs WHERE id = ANY($1)', [
        column('id'),
      ]);
      await c.query(
        `INSERT INTO jobs (id, submission, state, exit_code, held_reason, ended_at, node, site, started_at,
             cpu_seconds, wall_seconds, log_path, updated_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[],
             $7::text[], $8::text[], $9::text[], $10::double precision[], $11::double precision[], $12::text[],
             $13::text[])
           ON CONFLICT (id) DO UPDATE SET submission = excluded.submission, state = excluded.state,
             exit_code = excluded.exit_code, held_reason = excluded.held_reason, ended_at = excluded.ended_at,
             node = excluded.node, site = excluded.site, started_at = excluded.started_at,
             cpu_seconds = excluded.cpu_seconds, wall_seconds = excluded.wall_seconds,
             log_path = excluded.log_path, updated_at = excluded.updated_at`,
        [
          column('id'),
          column('submission'),
          column('state'),
          column('exitCode'),
          column('heldReason'),
          column('endedAt'),
          column('node'),
          column('site'),
          column('startedAt'),
          column('cpuSeconds'),
          column('wallSeconds'),
          column('logPath'),
          column('updatedAt'),
        ],
      );
      await log('jobs', [
        ...column('submission'),
        ...before.rows.map((r) => r.submission as string),
      ]);
    });
    // A copy: the caller's objects are its own to change.
    for (const j of changed) this.recorded.set(j.id, { ...j });
  }

  async jobs(): Promise<StoredJob[]> {
    await this.sync('jobs');
    return this.jobIndex!.all();
  }

  async jobPage(q: JobQuery): Promise<{ items: StoredJob[]; total: number }> {
    const ofCampaign =
      q.campaign === undefined
        ? undefined
        : new Set(
            (await this.submissions()).filter((r) => r.campaign === q.campaign).map((r) => r.key),
          );
    await this.sync('jobs');
    return this.jobIndex!.page(q, ofCampaign);
  }

  private async auditIn(
    c: pg.PoolClient | pg.Pool,
    e: Omit<AuditEntry, 'at'>,
    at = this.now(),
  ): Promise<void> {
    await c.query(
      'INSERT INTO audit (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)',
      [at, e.actor, e.action, e.target, e.detail ?? null],
    );
  }

  async addOverride(o: NewOverride): Promise<number> {
    return this.tx(async (c) => {
      const r = await c.query(
        `INSERT INTO overrides (action, campaign, stage, submission, actor, reason, created_at, revision,
             expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          o.action,
          o.campaign,
          o.stage ?? null,
          o.submission ?? null,
          o.actor,
          o.reason,
          this.now(),
          o.revision ?? null,
          o.expiresAt ?? null,
        ],
      );
      await this.auditIn(c, {
        actor: o.actor,
        action: `override ${o.action}`,
        target: overrideTarget(o),
        detail: o.reason,
      });
      return r.rows[0].id as number;
    });
  }

  async activeOverrides(now: Date, revision: string | undefined): Promise<OperatorOverride[]> {
    const at = now.toISOString();
    // Expired overrides and those of another revision are recorded as cleared (when this store may write).
    if (!this.readonly) {
      await this.tx(async (c) => {
        await c.query(
          `UPDATE overrides SET cleared_at = $1, cleared_reason = 'expired'
             WHERE cleared_at IS NULL AND expires_at IS NOT NULL AND expires_at <= $1`,
          [at],
        );
        if (revision)
          await c.query(
            `UPDATE overrides SET cleared_at = $1, cleared_reason = 'cleared by revision ' || $2
               WHERE cleared_at IS NULL AND revision IS NOT NULL AND revision != $2`,
            [at, revision],
          );
      });
    }
    const rows = await this.query<Record<string, string | number | null>>(
      'SELECT * FROM overrides WHERE cleared_at IS NULL ORDER BY id',
    );
    return overridesInForce(rows, at, revision);
  }

  async clearOverrides(target: OverrideTarget, reason: string): Promise<number> {
    const actions = target.actions ?? ['hold', 'kill', 'launch-now', 'prune'];
    await this.ready();
    try {
      const r = await this.pool.query(
        `UPDATE overrides SET cleared_at = $1, cleared_reason = $2 WHERE cleared_at IS NULL AND campaign = $3
           AND ($4::text IS NULL OR stage = $4) AND ($5::text IS NULL OR submission = $5)
           AND action = ANY($6)`,
        [
          this.now(),
          reason,
          target.campaign,
          target.stage ?? null,
          target.submission ?? null,
          actions,
        ],
      );
      return r.rowCount ?? 0;
    } catch (e) {
      throw this.wrap(e);
    }
  }

  async recordRevision(r: { revision: string; valid: boolean; errors: string[] }): Promise<void> {
    const at = this.now();
    await this.query(
      `INSERT INTO revisions (revision, first_seen_at, last_seen_at, seen_seq, valid, errors)
           VALUES ($1, $2, $2, nextval('revision_seq'), $3, $4)
         ON CONFLICT (revision) DO UPDATE SET last_seen_at = excluded.last_seen_at,
           seen_seq = excluded.seen_seq, valid = excluded.valid, errors = excluded.errors`,
      [r.revision, at, r.valid, JSON.stringify(r.errors)],
    );
  }

  async markApplied(revision: string): Promise<void> {
    await this.query(
      "UPDATE revisions SET applied_at = $1, applied_seq = nextval('revision_seq') WHERE revision = $2",
      [this.now(), revision],
    );
  }

  async revisions(limit = 10): Promise<RevisionRecord[]> {
    return this.revisionRows('ORDER BY seen_seq DESC', limit);
  }

  async appliedRevision(): Promise<RevisionRecord | undefined> {
    return (
      await this.revisionRows('WHERE applied_seq IS NOT NULL ORDER BY applied_seq DESC', 1)
    )[0];
  }

  private async revisionRows(where: string, limit: number): Promise<RevisionRecord[]> {
    const rows = await this.query<Record<string, string | boolean | null>>(
      `SELECT * FROM revisions ${where} LIMIT $1`,
      [limit],
    );
    return rows.map(toRevision);
  }

  async audit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    await this.ready();
    try {
      await this.auditIn(this.pool, entry);
    } catch (e) {
      throw this.wrap(e);
    }
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.query<AuditEntry & { detail: string | null }>(
      'SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return rows.map(({ detail, ...r }) => (detail === null ? r : { ...r, detail }));
  }

  async addToken(t: Omit<StoredToken, 'createdAt' | 'revokedAt'>): Promise<void> {
    await this.query(
      `INSERT INTO tokens (id, name, role, experiments, salt, hash, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      tokenValues(t, this.now()),
    );
  }

  async token(id: string): Promise<StoredToken | undefined> {
    const [r] = await this.query<TokenRow>('SELECT * FROM tokens WHERE id = $1', [id]);
    return r && toToken(r);
  }

  async tokens(): Promise<StoredToken[]> {
    return (
      await this.query<TokenRow>('SELECT * FROM tokens ORDER BY created_at DESC, seq DESC')
    ).map(toToken);
  }

  async revokeToken(id: string): Promise<boolean> {
    const r = await this.query(
      'UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL RETURNING id',
      [this.now(), id],
    );
    return r.length === 1;
  }

  async heartbeat(replica: string, info: { host?: string; pid?: number } = {}): Promise<number> {
    const [r] = await this.query<{ now: number }>(
      `INSERT INTO replicas (id, started_at, heartbeat_at, host, pid) VALUES ($1, now(), now(), $2, $3)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), host = excluded.host, pid = excluded.pid
       RETURNING ${MS('now()')} AS now`,
      [replica, info.host ?? null, info.pid ?? null],
      this.leaseConnection(),
    );
    return r!.now;
  }

  async replicas(): Promise<{ now: number; replicas: ReplicaRecord[] }> {
    const rows = await this.query<Record<string, unknown>>(
      `SELECT id, ${MS('started_at')} AS started, ${MS('heartbeat_at')} AS heartbeat, host, pid,
         ${MS('now()')} AS now FROM replicas ORDER BY id`,
      [],
      this.leaseConnection(),
    );
    return {
      now: rows[0]?.now !== undefined ? (rows[0].now as number) : await this.dbNow(),
      replicas: rows.map((r) => ({
        id: r.id as string,
        startedAt: r.started as number,
        heartbeatAt: r.heartbeat as number,
        ...(r.host !== null ? { host: r.host as string } : {}),
        ...(r.pid !== null ? { pid: r.pid as number } : {}),
      })),
    };
  }

  private async dbNow(): Promise<number> {
    const [r] = await this.query<{ now: number }>(`SELECT ${MS('now()')} AS now`);
    return r!.now;
  }

  /**
   * Two steps, so what it holds is renewed whatever else is locked: first its own unexpired
   * leases (waiting only for its own writes under them), then the free ones, never touching
   * those others hold; an expired one still locked (its owner froze inside a write under it)
   * is left for a later renewal rather than waited on.
   */
  async acquireLeases(
    replica: string,
    units: readonly string[],
    ttlMs: number,
  ): Promise<{ now: number; held: Lease[]; members: Membership[] }> {
    const pool = this.leaseConnection();
    const ask = [...new Set(units)].sort();
    const renewed = await this.tx(
      async (c) => {
        const now = (await c.query(`SELECT ${MS('now()')} AS now`)).rows[0].now as number;
        const r = ask.length
          ? await c.query(
              `UPDATE leases SET expires_at = now() + $3 * interval '1 millisecond'
                 WHERE owner = $1 AND unit = ANY($2) AND expires_at > now()
               RETURNING ${LEASE_COLUMNS}`,
              [replica, ask, ttlMs],
            )
          : { rows: [] };
        const held = r.rows.map(leaseOf);
        // Read here, in the renewal's transaction, unless the taking below may change them.
        const members =
          held.length < ask.length ? undefined : (await c.query(MEMBERS)).rows.map(memberOf);
        return { now, held, members };
      },
      { pool },
    );
    const mine = new Set(renewed.held.map((l) => l.unit));
    const rest = ask.filter((u) => !mine.has(u));
    let taken: Lease[] = [];
    let members = renewed.members;
    if (rest.length)
      try {
        [taken, members] = await this.tx(
          async (c) => {
            const until = `now() + $3 * interval '1 millisecond'`;
            // Expired, and not locked by a write under it: taken over, with a new, larger token.
            const over = await c.query(
              `UPDATE leases SET owner = $1, token = nextval('lease_token_seq'), acquired_at = now(),
                 expires_at = ${until}
               WHERE unit IN (SELECT unit FROM leases WHERE unit = ANY($2)
                 AND expires_at <= now() ORDER BY unit FOR UPDATE SKIP LOCKED)
               RETURNING ${LEASE_COLUMNS}`,
              [replica, rest, ttlMs],
            );
            const fresh = await c.query(
              `INSERT INTO leases (unit, owner, token, acquired_at, expires_at)
                 SELECT u, $1, nextval('lease_token_seq'), now(), ${until}
                   FROM unnest($2::text[]) AS u ORDER BY u
               ON CONFLICT (unit) DO NOTHING RETURNING ${LEASE_COLUMNS}`,
              [replica, rest, ttlMs],
            );
            const got = [...over.rows, ...fresh.rows].map(leaseOf);
            // A campaign's own unit holds it unless it was placed elsewhere.
            const own = got.filter((l) => !l.unit.includes(':'));
            if (own.length)
              await c.query(
                `INSERT INTO lease_members (campaign, unit, token)
                   SELECT u, u, t FROM unnest($1::text[], $2::bigint[]) AS x(u, t)
                 ON CONFLICT (campaign) DO NOTHING`,
                [own.map((l) => l.unit), own.map((l) => l.token)],
              );
            return [got, (await c.query(MEMBERS)).rows.map(memberOf)] as const;
          },
          // A lease row locked by a frozen writer is not waited on for long.
          { pool, settings: { lock_timeout: Math.max(50, Math.floor(ttlMs / 8)) } },
        );
      } catch (e) {
        // Still locked by a write under it: taken at a later renewal.
        if ((e as { cause?: { code?: string } }).cause?.code !== LOCK_NOT_AVAILABLE) throw e;
      }
    members ??= await this.tx(async (c) => (await c.query(MEMBERS)).rows.map(memberOf), {
      pool,
    });
    const held = [...renewed.held, ...taken].sort((x, y) => (x.unit < y.unit ? -1 : 1));
    return { now: renewed.now, held, members };
  }

  async placeCampaigns(
    replica: string,
    moves: ReadonlyArray<{ campaign: string; unit: string }>,
  ): Promise<Membership[]> {
    return this.tx(
      async (c) => {
        if (moves.length) {
          const args = [replica, moves.map((m) => m.campaign), moves.map((m) => m.unit)];
          // A row a write under way holds (FOR KEY SHARE) is skipped, not waited on.
          const locked = await c.query(
            `SELECT campaign FROM lease_members WHERE campaign = ANY($1) ORDER BY campaign
               FOR UPDATE SKIP LOCKED`,
            [args[1]],
          );
          // A new statement sees every lease taken before the rows were locked.
          const live = (unit: string, who: string) =>
            `EXISTS (SELECT 1 FROM leases l WHERE l.unit = ${unit} AND l.owner ${who} AND l.expires_at > now())`;
          await c.query(
            `UPDATE lease_members m SET unit = x.unit, token = nextval('lease_token_seq')
               FROM unnest($2::text[], $3::text[]) AS x(campaign, unit)
              WHERE m.campaign = x.campaign AND m.unit <> x.unit AND m.campaign = ANY($4)
                AND (${live('m.unit', '= $1')}
                  OR (${live('x.unit', '= $1')} AND NOT ${live('m.unit', '<> $1')}))`,
            [...args, locked.rows.map((r) => r.campaign as string)],
          );
          await c.query(
            `INSERT INTO lease_members (campaign, unit, token)
               SELECT x.campaign, x.unit, nextval('lease_token_seq')
                 FROM unnest($2::text[], $3::text[]) AS x(campaign, unit)
                WHERE ${live('x.unit', '= $1')}
             ON CONFLICT (campaign) DO NOTHING`,
            args,
          );
        }
        return (await c.query(MEMBERS)).rows.map(memberOf);
      },
      { pool: this.leaseConnection() },
    );
  }

  async releaseLeases(replica: string, units?: readonly string[]): Promise<void> {
    await this.query(
      units
        ? 'DELETE FROM leases WHERE owner = $1 AND unit = ANY($2)'
        : 'DELETE FROM leases WHERE owner = $1',
      units ? [replica, [...units]] : [replica],
      this.leaseConnection(),
    );
  }

  async leave(replica: string): Promise<void> {
    await this.tx(
      async (c) => {
        await c.query('DELETE FROM leases WHERE owner = $1', [replica]);
        await c.query('DELETE FROM replicas WHERE id = $1', [replica]);
      },
      { pool: this.leaseConnection() },
    );
  }

  async leases(): Promise<{ now: number; leases: Lease[]; members: Membership[] }> {
    return this.tx(async (c) => ({
      now: (await c.query(`SELECT ${MS('now()')} AS now`)).rows[0].now as number,
      leases: (await c.query(`SELECT ${LEASE_COLUMNS} FROM leases ORDER BY unit`)).rows.map(
        leaseOf,
      ),
      members: (await c.query(MEMBERS)).rows.map(memberOf),
    }));
  }

  useFences(fenceOf: (campaign: string) => Fence | undefined): void {
    this.fences = fenceOf;
  }

  async fencedWrites(campaign?: string): Promise<FencedWrite[]> {
    const rows = await this.query<Record<string, unknown>>(
      `SELECT id, ${MS('at')} AS at, replica, campaign, token, unit, unit_token, what FROM action_log
         ${campaign === undefined ? '' : 'WHERE campaign = $1'} ORDER BY id`,
      campaign === undefined ? [] : [campaign],
    );
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as number,
      replica: r.replica as string,
      campaign: r.campaign as string,
      token: r.token as number,
      unit: r.unit as string,
      unitToken: r.unit_token as number,
      what: r.what as string,
    }));
  }

  async pruneFencedWrites(beforeMs: number): Promise<number> {
    const r = await this.query<{ n: number }>(
      `WITH gone AS (DELETE FROM action_log WHERE at < to_timestamp($1 / 1000.0) RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [beforeMs],
    );
    return r[0]!.n;
  }

  async readTable(t: TableDef): Promise<Row[]> {
    const rows = await this.query(
      `SELECT ${Object.keys(t.columns).join(', ')} FROM ${t.name} ORDER BY ${t.order.join(', ')}`,
    );
    return rows.map((r) =>
      Object.fromEntries(Object.entries(t.columns).map(([c, type]) => [c, normalize(type, r[c])])),
    );
  }

  async writeTables(rows: ReadonlyMap<TableDef, readonly Row[]>): Promise<void> {
    await this.tx(async (c) => {
      await this.bump(c);
      // Not in the change log: every reader reads all again.
      await c.query('UPDATE store_state SET pruned_below = version');
      for (const t of rows.keys())
        if ((await c.query(`SELECT 1 FROM ${t.name} LIMIT 1`)).rows.length)
          this.fail(`table ${t.name} has rows; copy only into an empty store`);
      for (const [t, list] of rows) {
        const cols = Object.entries(t.columns);
        for (let i = 0; i < list.length; i += 10_000) {
          const chunk = list.slice(i, i + 10_000);
          await c.query(
            `INSERT INTO ${t.name} (${cols.map(([n]) => n).join(', ')})
               SELECT * FROM unnest(${cols.map(([, type], k) => `$${k + 1}::${ARRAY_TYPE[type]}`).join(', ')})`,
            cols.map(([n]) => chunk.map((r) => r[n] ?? null)),
          );
        }
        // The next id a store makes comes after every copied one.
        for (const [seq, col] of SEQUENCES[t.name] ?? [])
          await c.query(
            `SELECT setval('${seq}', greatest((SELECT max(${col}) FROM ${t.name}), (SELECT last_value FROM ${seq})))`,
          );
      }
    });
    this.subs = undefined;
    this.jobIndex = undefined;
    this.version = -1;
  }

  async close(): Promise<void> {
    await this.opening?.catch(() => undefined);
    await Promise.all([this.pool.end(), this.leasePool?.end()]);
  }
}

/** A timestamptz as ms since the epoch (a float8 the driver reads as a number). */
const MS = (col: string) => `(extract(epoch from ${col}) * 1000)::float8`;

/** A lease row as leaseOf reads it. */
const LEASE_COLUMNS = `unit, owner, token, ${MS('acquired_at')} AS acquired, ${MS('expires_at')} AS expires`;

const MEMBERS = 'SELECT campaign, unit, token FROM lease_members ORDER BY campaign';

function leaseOf(r: Record<string, unknown>): Lease {
  return {
    unit: r.unit as string,
    owner: r.owner as string,
    token: r.token as number,
    acquiredAt: r.acquired as number,
    expiresAt: r.expires as number,
  };
}

function memberOf(r: Record<string, unknown>): Membership {
  return { campaign: r.campaign as string, unit: r.unit as string, token: r.token as number };
}

function intentOf(r: Record<string, unknown>): Intent {
  return {
    id: r.id as number,
    kind: r.kind as ActionKind,
    key: r.key as string,
    state: r.state as Intent['state'],
    createdAt: r.createdAt as string,
    detail: r.detail as string,
  };
}
