import Database from 'better-sqlite3';
import { setImmediate } from 'node:timers';
import { openReadOnly } from '../../sqlite/read-only.js';
import { AdapterError } from '../../../errors.js';
import {
  overrideTarget,
  type ActionKind,
  type NewSubmission,
  FRESH_SPLIT,
  type OperatorOverride,
  type SplitState,
  type StoredToken,
  type SubmissionStatus,
} from '../../../model/index.js';
import type {
  AuditEntry,
  Intent,
  RevisionRecord,
  SplitAdvance,
  StageDefinition,
  NewOverride,
  Store,
  StoredJob,
  JobQuery,
  JobRecord,
  StoredSubmission,
} from '../types.js';
import { sameJob, type OverrideTarget } from '../types.js';
import { normalize, type Row, type StoreTables, type TableDef } from '../tables.js';
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

/** A statement that changes what submissions() returns. */
const WRITES_SUBMISSIONS =
  /^\s*(INSERT|UPDATE|DELETE|REPLACE)\b[\s\S]*\b(submissions|status_history)\b/i;

/** Schema migrations, applied in order; PRAGMA user_version counts those applied. */
const MIGRATIONS: string[] = [
  `CREATE TABLE submissions (
     key TEXT PRIMARY KEY, campaign TEXT NOT NULL, stage TEXT NOT NULL, slice TEXT NOT NULL,
     attempt INTEGER NOT NULL, parent TEXT, recovery TEXT, revision TEXT, command TEXT NOT NULL,
     input TEXT NOT NULL, job_type TEXT NOT NULL, launch_template TEXT NOT NULL, batch TEXT,
     project TEXT, status TEXT NOT NULL, held_by_gitpoms INTEGER NOT NULL DEFAULT 0,
     launched_at TEXT NOT NULL);
   CREATE INDEX submissions_stage ON submissions (campaign, stage);
   CREATE TABLE status_history (key TEXT NOT NULL, status TEXT NOT NULL, at TEXT NOT NULL, reason TEXT NOT NULL);
   CREATE INDEX status_history_key ON status_history (key);
   CREATE TABLE intents (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, state TEXT NOT NULL,
     created_at TEXT NOT NULL, finished_at TEXT, detail TEXT);
   CREATE INDEX intents_pending ON intents (state);
   CREATE TABLE jobs (id TEXT PRIMARY KEY, submission TEXT NOT NULL, state TEXT NOT NULL, exit_code INTEGER,
     held_reason TEXT, ended_at TEXT, node TEXT, started_at TEXT, cpu_seconds REAL, wall_seconds REAL,
     log_path TEXT, updated_at TEXT NOT NULL);
   CREATE INDEX jobs_submission ON jobs (submission);
   CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
     target TEXT NOT NULL, detail TEXT);`,
  `CREATE TABLE overrides (id INTEGER PRIMARY KEY, action TEXT NOT NULL, campaign TEXT NOT NULL, stage TEXT,
     actor TEXT NOT NULL, reason TEXT NOT NULL, created_at TEXT NOT NULL, revision TEXT, expires_at TEXT,
     cleared_at TEXT, cleared_reason TEXT);`,
  `CREATE TABLE revisions (revision TEXT PRIMARY KEY, first_seen_at TEXT NOT NULL, last_seen_at TEXT NOT NULL,
     seen_seq INTEGER NOT NULL, valid INTEGER NOT NULL, errors TEXT NOT NULL, applied_at TEXT,
     applied_seq INTEGER);`,
  `ALTER TABLE submissions ADD COLUMN definition TEXT;`,
  `CREATE TABLE splits (campaign TEXT NOT NULL, stage TEXT NOT NULL, position INTEGER NOT NULL, last INTEGER,
     generation INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (campaign, stage));`,
  `CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, experiments TEXT NOT NULL,
     salt TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,
     expires_at TEXT, revoked_at TEXT);`,
  `ALTER TABLE jobs ADD COLUMN site TEXT;`,
  `ALTER TABLE overrides ADD COLUMN submission TEXT;`,
  // The launch journal's indexes hold only the intents read by state: the pending ones (a
  // handful, in a page or two) and the abandoned ones a retry's back-off counts per key.
  `DROP INDEX intents_pending;
   CREATE INDEX intents_pending ON intents (state) WHERE state = 'pending';
   CREATE INDEX intents_abandoned ON intents (key) WHERE state = 'abandoned';`,
];

type Outcome = { value: unknown } | { error: unknown };

interface QueuedWrite {
  write: () => unknown;
  durable: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

function fail(message: string, cause?: unknown): never {
  throw new AdapterError('sqlite-store', message, { retryable: false, cause });
}

/** The embedded store: one SQLite file, WAL so readers (status, server) never block the reconciler. */
export class SqliteStore implements Store, StoreTables {
  readonly name = 'sqlite';
  private readonly conn: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** submissions() as last read, by key, and the data_version it was read at. */
  private submissionsCache: { version: number; index: SubmissionIndex } | undefined | undefined;
  /** Keys this store wrote since submissions() last read them (even in a write rolled back). */
  private readonly dirty = new Set<string>();
  /** True while writeSubmission runs its statement. */
  private naming = false;
  /** Each job as this store last recorded it, to write only changes. */
  private readonly recorded = new Map<string, JobRecord>();
  /** Every job as last read or written, and the data_version it was read at. */
  private jobsCache: { version: number; index: JobIndex } | undefined;
  /** The key of each launch intent this store began and has not finished. */
  private readonly intentKeys = new Map<number, string>();
  /** Journal writes waiting for their shared commit. */
  private readonly queued: QueuedWrite[] = [];
  private flushing = false;
  /** Write transactions this store committed (a group of journal writes is one). */
  commits = 0;
  private readonly file: string;
  private readonly readonly: boolean;
  private readonly clock: () => Date;

  constructor(
    file: string,
    opts: { readonly?: boolean; busyTimeoutMs?: number; clock?: () => Date } = {},
  ) {
    this.file = file;
    this.clock = opts.clock ?? (() => new Date());
    this.readonly = opts.readonly ?? false;
    try {
      this.conn = opts.readonly
        ? openReadOnly(file, opts.busyTimeoutMs ?? 10_000)
        : new Database(file, { timeout: opts.busyTimeoutMs ?? 10_000 });
      if (!opts.readonly) {
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = FULL');
        this.migrate();
      }
      this.prepare('SELECT count(*) FROM submissions').get();
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      fail(`cannot open the state store ${file}: ${(e as Error).message}`, e);
    }
  }

  /**
   * The connection, after the queued journal writes are committed: whatever the store does
   * next sees them, so it acts in the order it was called.
   */
  private get db(): Database.Database {
    if (!this.flushing) this.flush();
    return this.conn;
  }

  private prepare(sql: string): Database.Statement {
    const db = this.db;
    let st = this.statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      if (WRITES_SUBMISSIONS.test(sql)) {
        // A write of the tables submissions() reads not made through writeSubmission, which
        // names its key, ends the whole cache.
        const run = st.run.bind(st);
        st.run = (...args: unknown[]) => {
          if (!this.naming) this.submissionsCache = undefined;
          return run(...args);
        };
      }
      this.statements.set(sql, st);
    }
    return st;
  }

  /**
   * Group commit: journal writes made in the same turn of the event loop share one
   * transaction, so one fsync, and each caller's promise settles only after it: an intent is
   * on disk before its caller acts. When one write is refused, the group is made again with
   * each write in a savepoint of its own, so the refusal undoes nothing of the others.
   *
   * A group of writes none of which is `durable` is committed without waiting for the disk: a
   * power cut (never a crash of the process) may lose it, until the next durable commit makes
   * it durable too (the WAL is written in order). Only for the end of an intent: lost, the
   * intent is pending again and recoverIntents ends it from what the batch system shows.
   */
  private journal<T>(write: () => T, durable = true): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const n = this.queued.push({
        write,
        durable,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (n === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (!this.queued.length) return;
    const batch = this.queued.splice(0);
    let outcomes: Outcome[];
    const durable = batch.some((w) => w.durable);
    this.flushing = true;
    try {
      if (!durable) this.conn.pragma('synchronous = NORMAL');
      try {
        outcomes = this.commitBatch(batch, false);
      } catch {
        // A write refused: the group is rolled back and made again, each write on its own.
        outcomes = this.commitBatch(batch, true);
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    } finally {
      if (!durable) this.conn.pragma('synchronous = FULL');
      this.flushing = false;
    }
    batch.forEach((w, i) => {
      const o = outcomes[i]!;
      if ('error' in o) w.reject(o.error);
      else w.resolve(o.value);
    });
  }

  /** One transaction for the group; `isolated`, each write in a savepoint of its own. */
  private commitBatch(batch: readonly QueuedWrite[], isolated: boolean): Outcome[] {
    const outcomes = this.tx(() =>
      batch.map((w): Outcome => {
        if (!isolated) return { value: w.write() };
        this.prepare('SAVEPOINT journal_write').run();
        try {
          return { value: w.write() };
        } catch (error) {
          this.prepare('ROLLBACK TO journal_write').run();
          return { error };
        } finally {
          this.prepare('RELEASE journal_write').run();
        }
      }),
    );
    this.commits++;
    return outcomes;
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      fail(
        `the store has schema version ${version}, newer than this gitpoms knows (${MIGRATIONS.length}); upgrade gitpoms`,
      );
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.tx(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      });
    }
  }

  /** One immediate (write-locking) transaction; a lock held too long by another writer is a clear, retryable error. */
  private tx<T>(fn: () => T): T {
    try {
      const out = this.conn.transaction(fn).immediate();
      if (!this.flushing) this.commits++;
      return out;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') {
        throw new AdapterError(
          'sqlite-store',
          `the state store ${this.file} is locked by another writer (is another reconciler running?)`,
          {
            retryable: true,
            cause: e,
          },
        );
      }
      throw e;
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private history(key: string): StoredSubmission['history'] {
    return this.prepare(
      'SELECT status, at, reason FROM status_history WHERE key = ? ORDER BY rowid',
    ).all(key) as StoredSubmission['history'];
  }

  private toSubmission(r: SubmissionRow, history = this.history(r.key)): StoredSubmission {
    return toSubmission(r, history);
  }

  /**
   * Every submission with its history, in launch order. Read in full once, then only the
   * keys this store wrote since; in full again after a commit of another connection
   * (data_version). A pass reads them all and changes few. The records are frozen: they are
   * shared by every caller.
   */
  async submissions(): Promise<StoredSubmission[]> {
    return this.submissionIndex().all();
  }

  async submissionsOf(campaigns: readonly string[]): Promise<StoredSubmission[]> {
    return this.submissionIndex().of(campaigns);
  }

  /** submissions() as last read, brought up to date with what changed since. */
  private submissionIndex(): SubmissionIndex {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    let c = this.submissionsCache;
    if (c?.version !== version) {
      this.dirty.clear();
      c = this.submissionsCache = { version, index: new SubmissionIndex(this.readSubmissions()) };
    } else if (this.dirty.size) {
      const keys = [...this.dirty];
      this.dirty.clear();
      for (let i = 0; i < keys.length; i += 500) {
        const chunk = keys.slice(i, i + 500);
        const read = new Map(this.readSubmissions(chunk).map((sub) => [sub.key, sub]));
        for (const k of chunk) {
          const sub = read.get(k);
          if (sub) c.index.put(sub);
          else c.index.delete(k);
        }
      }
    }
    return c.index;
  }

  /** Submissions with their history: all, or those of `keys`. */
  private readSubmissions(keys?: readonly string[]): StoredSubmission[] {
    const where = keys ? ` WHERE key IN (${keys.map(() => '?').join(', ')})` : '';
    const rows = (
      keys
        ? this.db.prepare(`SELECT * FROM submissions${where}`)
        : this.prepare('SELECT * FROM submissions')
    ).all(...(keys ?? [])) as SubmissionRow[];
    const hist = new Map<string, StoredSubmission['history']>();
    const history = `SELECT key, status, at, reason FROM status_history${where} ORDER BY rowid`;
    for (const h of (keys ? this.db.prepare(history) : this.prepare(history)).all(
      ...(keys ?? []),
    ) as Array<{ key: string } & StoredSubmission['history'][number]>) {
      const { key, ...rest } = h;
      const list = hist.get(key);
      if (list) list.push(rest);
      else hist.set(key, [rest]);
    }
    return rows.map((r) => this.toSubmission(r, hist.get(r.key) ?? []));
  }

  /** Runs a write of submissions or status_history about `key`, which submissions() reads again. */
  private writeSubmission(key: string, sql: string, ...params: unknown[]): Database.RunResult {
    this.dirty.add(key);
    this.naming = true;
    try {
      return this.prepare(sql).run(...params);
    } finally {
      this.naming = false;
    }
  }

  async submission(key: string): Promise<StoredSubmission | undefined> {
    const r = this.prepare('SELECT * FROM submissions WHERE key = ?').get(key) as
      | SubmissionRow
      | undefined;
    return r ? this.toSubmission(r) : undefined;
  }

  private addHistory(key: string, status: SubmissionStatus, reason: string, at = this.now()): void {
    this.writeSubmission(
      key,
      'INSERT INTO status_history (key, status, at, reason) VALUES (?, ?, ?, ?)',
      key,
      status,
      at,
      reason,
    );
  }

  async beginLaunch(
    a: NewSubmission,
    revision: string | undefined,
    batch: string,
    definition?: StageDefinition,
  ): Promise<number> {
    const id = await this.journal(() => {
      const at = this.now();
      try {
        this.writeSubmission(
          a.key,
          `INSERT INTO submissions (key, campaign, stage, slice, attempt, parent, recovery, revision, command, input,
               job_type, launch_template, batch, status, launched_at, definition)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'launching', ?, ?)`,
          ...submissionValues(a, revision, batch, at, definition),
        );
      } catch (e) {
        // The key's uniqueness is the table's: no read before each write.
        if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
          fail(`submission ${a.key} already exists; refusing to launch it twice`, e);
        throw e;
      }
      this.addHistory(a.key, 'launching', a.reason, at);
      const { lastInsertRowid } = this.prepare(
        "INSERT INTO intents (kind, key, state, created_at) VALUES ('launch', ?, 'pending', ?)",
      ).run(a.key, at);
      return Number(lastInsertRowid);
    });
    // Known once committed: a group rolled back and made again never leaves a wrong one.
    this.intentKeys.set(id, a.key);
    return id;
  }

  private intent(id: number): Intent {
    const r = this.prepare(
      'SELECT id, kind, key, state, created_at AS createdAt, detail FROM intents WHERE id = ?',
    ).get(id) as Intent | undefined;
    if (!r) fail(`no intent ${id}`);
    return r;
  }

  async finishLaunch(
    intentId: number,
    outcome: { ok: true; project?: string; split?: SplitAdvance } | { ok: false; error: string },
  ): Promise<void> {
    return this.journal(() => {
      const it = { key: this.intentKeys.get(intentId) ?? this.intent(intentId).key };
      const at = this.now();
      if (outcome.ok && outcome.split) this.advanceSplit(outcome.split, at);
      if (outcome.ok) {
        this.writeSubmission(
          it.key,
          "UPDATE submissions SET status = 'launched', project = coalesce(?, project) WHERE key = ?",
          outcome.project ?? null,
          it.key,
        );
        this.addHistory(it.key, 'launched', 'jobs are in the batch system', at);
      } else {
        this.writeSubmission(
          it.key,
          "UPDATE submissions SET status = 'launch-failed' WHERE key = ?",
          it.key,
        );
        this.addHistory(it.key, 'launch-failed', outcome.error, at);
      }
      this.prepare('UPDATE intents SET state = ?, finished_at = ?, detail = ? WHERE id = ?').run(
        outcome.ok ? 'done' : 'failed',
        at,
        outcome.ok ? null : outcome.error,
        intentId,
      );
      this.intentKeys.delete(intentId);
    }, false);
  }

  /** Moves a split on past a launched slice, once: only from the position the slice was cut at. */
  private advanceSplit(a: SplitAdvance, at: string): void {
    const cur = this.splitRow(a.campaign, a.stage);
    if (cur.position !== a.from.position || cur.generation !== a.from.generation) return;
    this.prepare(
      `INSERT INTO splits (campaign, stage, position, last, generation, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (campaign, stage) DO UPDATE SET position = excluded.position, last = excluded.last,
           updated_at = excluded.updated_at`,
    ).run(a.campaign, a.stage, a.to.position, a.to.last ?? null, a.from.generation, at);
  }

  private splitRow(campaign: string, stage: string): SplitState {
    const r = this.prepare(
      'SELECT position, last, generation FROM splits WHERE campaign = ? AND stage = ?',
    ).get(campaign, stage) as
      | { position: number; last: number | null; generation: number }
      | undefined;
    if (!r) return { ...FRESH_SPLIT };
    return {
      position: r.position,
      generation: r.generation,
      ...(r.last !== null ? { last: r.last } : {}),
    };
  }

  async splitStates(): Promise<Record<string, SplitState>> {
    const rows = this.prepare('SELECT campaign, stage FROM splits').all() as Array<{
      campaign: string;
      stage: string;
    }>;
    return Object.fromEntries(
      rows.map((r) => [`${r.campaign}/${r.stage}`, this.splitRow(r.campaign, r.stage)]),
    );
  }

  async resetSplit(
    campaign: string,
    stage: string,
    actor: string,
    reason: string,
  ): Promise<SplitState> {
    return this.tx(() => {
      const generation = this.splitRow(campaign, stage).generation + 1;
      const at = this.now();
      this.prepare(
        `INSERT INTO splits (campaign, stage, position, last, generation, updated_at) VALUES (?, ?, 0, NULL, ?, ?)
           ON CONFLICT (campaign, stage) DO UPDATE SET position = 0, last = NULL, generation = excluded.generation,
             updated_at = excluded.updated_at`,
      ).run(campaign, stage, generation, at);
      this.prepare(
        'INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
      ).run(at, actor, 'split reset', `${campaign}/${stage}`, reason);
      return { position: 0, generation };
    });
  }

  async abandonLaunch(intentId: number, reason: string): Promise<void> {
    return this.journal(() => {
      const it = this.intent(intentId);
      this.intentKeys.delete(intentId);
      this.writeSubmission(it.key, 'DELETE FROM submissions WHERE key = ?', it.key);
      this.addHistory(it.key, 'launching', `abandoned: ${reason}`);
      this.prepare(
        "UPDATE intents SET state = 'abandoned', finished_at = ?, detail = ? WHERE id = ?",
      ).run(this.now(), reason, intentId);
    });
  }

  async noteIntent(intentId: number, detail: string): Promise<void> {
    return this.journal(() => {
      this.prepare('UPDATE intents SET detail = ? WHERE id = ?').run(detail, intentId);
    });
  }

  async transientFailures(key: string): Promise<{ count: number; last: Date | undefined }> {
    const r = this.prepare(
      `SELECT count(*) AS n, max(finished_at) AS last FROM intents
         WHERE kind = 'launch' AND key = ? AND state = 'abandoned' AND detail LIKE 'transient:%'`,
    ).get(key) as { n: number; last: string | null };
    return { count: r.n, last: r.last ? new Date(r.last) : undefined };
  }

  async pendingIntents(): Promise<Intent[]> {
    return this.prepare(
      "SELECT id, kind, key, state, created_at AS createdAt, detail FROM intents WHERE state = 'pending' ORDER BY id",
    ).all() as Intent[];
  }

  async beginAction(kind: ActionKind, key: string): Promise<number> {
    return this.journal(() => {
      const { lastInsertRowid } = this.prepare(
        "INSERT INTO intents (kind, key, state, created_at) VALUES (?, ?, 'pending', ?)",
      ).run(kind, key, this.now());
      return Number(lastInsertRowid);
    });
  }

  async finishAction(intentId: number, error?: string): Promise<void> {
    return this.journal(() => {
      this.prepare('UPDATE intents SET state = ?, finished_at = ?, detail = ? WHERE id = ?').run(
        error ? 'failed' : 'done',
        this.now(),
        error ?? null,
        intentId,
      );
    }, false);
  }

  async setStatus(key: string, status: SubmissionStatus, reason: string): Promise<void> {
    return this.journal(() => {
      const r = this.writeSubmission(
        key,
        'UPDATE submissions SET status = ? WHERE key = ?',
        status,
        key,
      );
      if (r.changes === 0) fail(`no submission ${key}`);
      this.addHistory(key, status, reason);
    });
  }

  async setHeld(key: string, held: boolean): Promise<void> {
    return this.journal(() => {
      this.writeSubmission(
        key,
        'UPDATE submissions SET held_by_gitpoms = ? WHERE key = ?',
        held ? 1 : 0,
        key,
      );
    });
  }

  async recordJobs(jobs: readonly JobRecord[], at: string): Promise<void> {
    const changed = jobs.filter((j) => {
      const was = this.recorded.get(j.id);
      return !was || !sameJob(was, j);
    });
    if (!changed.length) return;
    const up = this.prepare(
      `INSERT INTO jobs (id, submission, state, exit_code, held_reason, ended_at, node, site, started_at, cpu_seconds, wall_seconds, log_path, updated_at)
       VALUES (@id, @submission, @state, @exitCode, @heldReason, @endedAt, @node, @site, @startedAt, @cpuSeconds, @wallSeconds, @logPath, @updatedAt)
       ON CONFLICT (id) DO UPDATE SET submission = excluded.submission, state = excluded.state, exit_code = excluded.exit_code, held_reason = excluded.held_reason,
         ended_at = excluded.ended_at, node = excluded.node, site = excluded.site, started_at = excluded.started_at, cpu_seconds = excluded.cpu_seconds,
         wall_seconds = excluded.wall_seconds, log_path = excluded.log_path, updated_at = excluded.updated_at`,
    );
    this.tx(() => {
      for (const j of changed) up.run(jobColumns(j, at));
    });
    // A copy: the caller's objects are its own to change.
    for (const j of changed) this.recorded.set(j.id, { ...j });
    this.jobsCache?.index.put(changed.map((j) => ({ ...j, updatedAt: at })));
  }

  /**
   * The job cache, read in full once and again after another connection commits (as
   * submissions()); this store's own writes keep it current. Pages and status read it often.
   */
  private jobIndex(): JobIndex {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    let c = this.jobsCache;
    if (c?.version !== version) {
      const rows = this.prepare('SELECT * FROM jobs ORDER BY submission, id').all() as Array<
        Record<string, unknown>
      >;
      c = this.jobsCache = { version, index: new JobIndex(rows.map(toStoredJob)) };
    }
    return c.index;
  }

  async jobs(): Promise<StoredJob[]> {
    return this.jobIndex().all();
  }

  async jobPage(q: JobQuery): Promise<{ items: StoredJob[]; total: number }> {
    const index = this.jobIndex();
    const ofCampaign =
      q.campaign === undefined
        ? undefined
        : new Set(
            (await this.submissions()).filter((r) => r.campaign === q.campaign).map((r) => r.key),
          );
    return index.page(q, ofCampaign);
  }

  async addOverride(o: NewOverride): Promise<number> {
    return this.tx(() => {
      const { lastInsertRowid } = this.prepare(
        'INSERT INTO overrides (action, campaign, stage, submission, actor, reason, created_at, revision, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(
        o.action,
        o.campaign,
        o.stage ?? null,
        o.submission ?? null,
        o.actor,
        o.reason,
        this.now(),
        o.revision ?? null,
        o.expiresAt ?? null,
      );
      this.prepare(
        'INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
      ).run(this.now(), o.actor, `override ${o.action}`, overrideTarget(o), o.reason);
      return Number(lastInsertRowid);
    });
  }

  async activeOverrides(now: Date, revision: string | undefined): Promise<OperatorOverride[]> {
    const at = now.toISOString();
    // Expired overrides and those of another revision are recorded as cleared (when this store may write).
    if (!this.readonly) {
      this.tx(() => {
        this.prepare(
          "UPDATE overrides SET cleared_at = ?, cleared_reason = 'expired' WHERE cleared_at IS NULL AND expires_at IS NOT NULL AND expires_at <= ?",
        ).run(at, at);
        if (revision) {
          this.prepare(
            "UPDATE overrides SET cleared_at = ?, cleared_reason = 'cleared by revision ' || ? WHERE cleared_at IS NULL AND revision IS NOT NULL AND revision != ?",
          ).run(at, revision, revision);
        }
      });
    }
    const rows = this.prepare(
      'SELECT * FROM overrides WHERE cleared_at IS NULL ORDER BY id',
    ).all() as Array<Record<string, string | number | null>>;
    return overridesInForce(rows, at, revision);
  }

  async clearOverrides(target: OverrideTarget, reason: string): Promise<number> {
    const actions = target.actions ?? ['hold', 'kill', 'launch-now', 'prune'];
    const stage = target.stage ?? null;
    const submission = target.submission ?? null;
    const r = this.prepare(
      `UPDATE overrides SET cleared_at = ?, cleared_reason = ? WHERE cleared_at IS NULL AND campaign = ?
         AND (? IS NULL OR stage = ?) AND (? IS NULL OR submission = ?)
         AND action IN (${actions.map(() => '?').join(',')})`,
    ).run(this.now(), reason, target.campaign, stage, stage, submission, submission, ...actions);
    return r.changes;
  }

  async recordRevision(r: { revision: string; valid: boolean; errors: string[] }): Promise<void> {
    const at = this.now();
    this.tx(() => {
      this.prepare(
        `INSERT INTO revisions (revision, first_seen_at, last_seen_at, seen_seq, valid, errors)
             VALUES (?, ?, ?, (SELECT coalesce(max(seen_seq), 0) + 1 FROM revisions), ?, ?)
           ON CONFLICT (revision) DO UPDATE SET last_seen_at = excluded.last_seen_at,
             seen_seq = excluded.seen_seq, valid = excluded.valid, errors = excluded.errors`,
      ).run(r.revision, at, at, r.valid ? 1 : 0, JSON.stringify(r.errors));
    });
  }

  async markApplied(revision: string): Promise<void> {
    this.prepare(
      'UPDATE revisions SET applied_at = ?, applied_seq = (SELECT coalesce(max(applied_seq), 0) + 1 FROM revisions) WHERE revision = ?',
    ).run(this.now(), revision);
  }

  async revisions(limit = 10): Promise<RevisionRecord[]> {
    return this.revisionRows('ORDER BY seen_seq DESC', limit);
  }

  async appliedRevision(): Promise<RevisionRecord | undefined> {
    return this.revisionRows('WHERE applied_seq IS NOT NULL ORDER BY applied_seq DESC', 1)[0];
  }

  private revisionRows(where: string, limit: number): RevisionRecord[] {
    const rows = this.prepare(`SELECT * FROM revisions ${where} LIMIT ?`).all(limit) as Array<
      Record<string, string | number | null>
    >;
    return rows.map(toRevision);
  }

  async audit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    this.prepare(
      'INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)',
    ).run(this.now(), entry.actor, entry.action, entry.target, entry.detail ?? null);
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = this.prepare(
      'SELECT at, actor, action, target, detail FROM audit ORDER BY id DESC LIMIT ?',
    ).all(limit) as Array<AuditEntry & { detail: string | null }>;
    return rows.map(({ detail, ...r }) => (detail === null ? r : { ...r, detail }));
  }

  async addToken(t: Omit<StoredToken, 'createdAt' | 'revokedAt'>): Promise<void> {
    this.prepare(
      `INSERT INTO tokens (id, name, role, experiments, salt, hash, created_at, created_by, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...tokenValues(t, this.now()));
  }

  async token(id: string): Promise<StoredToken | undefined> {
    const r = this.prepare('SELECT * FROM tokens WHERE id = ?').get(id) as TokenRow | undefined;
    return r && toToken(r);
  }

  async tokens(): Promise<StoredToken[]> {
    return (
      this.prepare('SELECT * FROM tokens ORDER BY created_at DESC, rowid DESC').all() as TokenRow[]
    ).map(toToken);
  }

  async revokeToken(id: string): Promise<boolean> {
    return (
      this.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(
        this.now(),
        id,
      ).changes === 1
    );
  }

  async migrations(): Promise<{ applied: number; known: number }> {
    return {
      applied: this.db.pragma('user_version', { simple: true }) as number,
      known: MIGRATIONS.length,
    };
  }

  async readTable(t: TableDef): Promise<Row[]> {
    const cols = Object.keys(t.columns).map((c) => (c === t.rowid ? `rowid AS ${c}` : c));
    const order = t.order.map((c) => (c === t.rowid ? 'rowid' : c)).join(', ');
    return (
      this.db.prepare(`SELECT ${cols.join(', ')} FROM ${t.name} ORDER BY ${order}`).all() as Array<
        Record<string, unknown>
      >
    ).map((r) =>
      Object.fromEntries(Object.entries(t.columns).map(([c, type]) => [c, normalize(type, r[c])])),
    );
  }

  async writeTables(rows: ReadonlyMap<TableDef, readonly Row[]>): Promise<void> {
    this.tx(() => {
      for (const t of rows.keys())
        if (this.db.prepare(`SELECT 1 FROM ${t.name} LIMIT 1`).get())
          fail(`table ${t.name} of ${this.file} has rows; copy only into an empty store`);
      for (const [t, list] of rows) {
        const cols = Object.keys(t.columns);
        const insert = this.db.prepare(
          `INSERT INTO ${t.name} (${cols.map((c) => (c === t.rowid ? 'rowid' : c)).join(', ')})
             VALUES (${cols.map(() => '?').join(', ')})`,
        );
        for (const r of list)
          insert.run(...cols.map((c) => (typeof r[c] === 'boolean' ? (r[c] ? 1 : 0) : r[c])));
      }
    });
    this.submissionsCache = undefined;
    this.jobsCache = undefined;
  }

  async close(): Promise<void> {
    this.flush();
    this.conn.close();
  }
}
