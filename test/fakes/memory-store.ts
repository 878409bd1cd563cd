import {
  sameJob,
  type OverrideTarget,
  type JobQuery,
  type JobRecord,
  type AuditEntry,
  type Intent,
  type NewOverride,
  type RevisionRecord,
  type SplitAdvance,
  type StageDefinition,
  type Store,
  type StoredJob,
  type StoredSubmission,
} from '../../src/adapters/store/types.js';
import { AdapterError } from '../../src/errors.js';
import { overrideTarget } from '../../src/model/index.js';
import {
  FRESH_SPLIT,
  type ActionKind,
  type NewSubmission,
  type OperatorOverride,
  type SplitState,
  type StoredToken,
  type SubmissionStatus,
} from '../../src/model/index.js';

function fail(message: string): never {
  throw new AdapterError('memory-store', message, { retryable: false });
}

/** SQLite's binary collation, for ORDER BY on text. */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Override = OperatorOverride & { cleared?: { at: string; reason: string } };
type Revision = RevisionRecord & { seenSeq: number; appliedSeq?: number };

/**
 * A store in this process's memory, for engine tests. It keeps what the SQLite store keeps
 * and answers as it does (the store contract holds both to it); every read is a copy, so a
 * caller cannot change what is stored by changing what it was given.
 */
export class MemoryStore implements Store {
  readonly name = 'memory';
  private readonly subs = new Map<string, StoredSubmission>();
  private readonly histories = new Map<string, StoredSubmission['history']>();
  private readonly intents: Array<Intent & { finishedAt?: string }> = [];
  private readonly splits = new Map<string, SplitState>();
  private readonly jobCache = new Map<string, StoredJob>();
  private readonly overrides: Override[] = [];
  private readonly revs = new Map<string, Revision>();
  private readonly log: AuditEntry[] = [];
  private seenSeq = 0;
  private appliedSeq = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private now(): string {
    return this.clock().toISOString();
  }

  private addHistory(key: string, status: SubmissionStatus, reason: string, at = this.now()) {
    const list = this.histories.get(key) ?? [];
    list.push({ status, at, reason });
    this.histories.set(key, list);
  }

  private copy(s: StoredSubmission): StoredSubmission {
    return structuredClone({ ...s, history: this.histories.get(s.key) ?? [] });
  }

  private intent(id: number) {
    const it = this.intents[id - 1];
    if (!it) fail(`no intent ${id}`);
    return it;
  }

  async submissions(): Promise<StoredSubmission[]> {
    return [...this.subs.values()]
      .sort((a, b) => cmp(a.launchedAt, b.launchedAt) || cmp(a.key, b.key))
      .map((s) => this.copy(s));
  }

  async submissionsOf(campaigns: readonly string[]): Promise<StoredSubmission[]> {
    const of = new Set(campaigns);
    return (await this.submissions()).filter((s) => of.has(s.campaign));
  }

  async submission(key: string): Promise<StoredSubmission | undefined> {
    const s = this.subs.get(key);
    return s ? this.copy(s) : undefined;
  }

  async beginLaunch(
    a: NewSubmission,
    revision: string | undefined,
    batch: string,
    definition?: StageDefinition,
  ): Promise<number> {
    if (this.subs.has(a.key))
      fail(`submission ${a.key} already exists; refusing to launch it twice`);
    const at = this.now();
    this.subs.set(
      a.key,
      structuredClone({
        key: a.key,
        campaign: a.campaign,
        stage: a.stage,
        slice: a.slice,
        attempt: a.attempt,
        ...(a.parent ? { parent: a.parent } : {}),
        ...(a.recovery ? { recovery: a.recovery } : {}),
        ...(revision ? { revision } : {}),
        batch,
        launchedAt: at,
        status: 'launching' as const,
        heldByGitpoms: false,
        command: a.command,
        input: a.input,
        jobType: a.jobType,
        launchTemplate: a.launchTemplate,
        ...(definition ? { definition } : {}),
        history: [],
      }),
    );
    this.addHistory(a.key, 'launching', a.reason, at);
    return this.beginIntent('launch', a.key, at);
  }

  private beginIntent(kind: ActionKind, key: string, at = this.now()): number {
    this.intents.push({ id: this.intents.length + 1, kind, key, state: 'pending', createdAt: at });
    return this.intents.length;
  }

  private endIntent(id: number, state: Intent['state'], detail: string | undefined) {
    const it = this.intent(id);
    it.state = state;
    it.finishedAt = this.now();
    if (detail === undefined) delete it.detail;
    else it.detail = detail;
  }

  async finishLaunch(
    intentId: number,
    outcome: { ok: true; project?: string; split?: SplitAdvance } | { ok: false; error: string },
  ): Promise<void> {
    const it = this.intent(intentId);
    const s = this.subs.get(it.key);
    if (outcome.ok) {
      if (outcome.split) this.advanceSplit(outcome.split);
      if (s) {
        s.status = 'launched';
        if (outcome.project) s.project = outcome.project;
      }
      this.addHistory(it.key, 'launched', 'jobs are in the batch system');
      this.endIntent(intentId, 'done', undefined);
    } else {
      if (s) s.status = 'launch-failed';
      this.addHistory(it.key, 'launch-failed', outcome.error);
      this.endIntent(intentId, 'failed', outcome.error);
    }
  }

  private advanceSplit(a: SplitAdvance): void {
    const id = `${a.campaign}/${a.stage}`;
    const cur = this.splits.get(id) ?? FRESH_SPLIT;
    if (cur.position !== a.from.position || cur.generation !== a.from.generation) return;
    this.splits.set(id, {
      position: a.to.position,
      generation: a.from.generation,
      ...(a.to.last !== undefined ? { last: a.to.last } : {}),
    });
  }

  async splitStates(): Promise<Record<string, SplitState>> {
    return structuredClone(Object.fromEntries(this.splits));
  }

  async resetSplit(
    campaign: string,
    stage: string,
    actor: string,
    reason: string,
  ): Promise<SplitState> {
    const id = `${campaign}/${stage}`;
    const next = { position: 0, generation: (this.splits.get(id) ?? FRESH_SPLIT).generation + 1 };
    this.splits.set(id, next);
    await this.audit({ actor, action: 'split reset', target: id, detail: reason });
    return { ...next };
  }

  async abandonLaunch(intentId: number, reason: string): Promise<void> {
    const it = this.intent(intentId);
    this.subs.delete(it.key);
    this.addHistory(it.key, 'launching', `abandoned: ${reason}`);
    this.endIntent(intentId, 'abandoned', reason);
  }

  async noteIntent(intentId: number, detail: string): Promise<void> {
    this.intent(intentId).detail = detail;
  }

  async transientFailures(key: string): Promise<{ count: number; last: Date | undefined }> {
    const hits = this.intents.filter(
      (i) =>
        i.kind === 'launch' &&
        i.key === key &&
        i.state === 'abandoned' &&
        i.detail?.startsWith('transient:'),
    );
    const last = hits
      .map((i) => i.finishedAt!)
      .sort()
      .at(-1);
    return { count: hits.length, last: last ? new Date(last) : undefined };
  }

  async pendingIntents(): Promise<Intent[]> {
    return this.intents
      .filter((i) => i.state === 'pending')
      .map(({ finishedAt: _, ...i }) => ({ ...i }));
  }

  async beginAction(kind: ActionKind, key: string): Promise<number> {
    return this.beginIntent(kind, key);
  }

  async finishAction(intentId: number, error?: string): Promise<void> {
    this.endIntent(intentId, error ? 'failed' : 'done', error);
  }

  async setStatus(key: string, status: SubmissionStatus, reason: string): Promise<void> {
    const s = this.subs.get(key);
    if (!s) fail(`no submission ${key}`);
    s.status = status;
    this.addHistory(key, status, reason);
  }

  async setHeld(key: string, held: boolean): Promise<void> {
    const s = this.subs.get(key);
    if (s) s.heldByGitpoms = held;
  }

  async recordJobs(jobs: readonly JobRecord[], at: string): Promise<void> {
    for (const j of jobs) {
      const was = this.jobCache.get(j.id);
      if (!was || !sameJob(was, j))
        this.jobCache.set(j.id, { ...structuredClone(j), updatedAt: at });
    }
  }

  async jobs(): Promise<StoredJob[]> {
    return [...this.jobCache.values()]
      .sort((a, b) => cmp(a.submission, b.submission) || cmp(a.id, b.id))
      .map((j) => structuredClone(j));
  }

  async jobPage(q: JobQuery): Promise<{ items: StoredJob[]; total: number }> {
    const all = (await this.jobs()).filter(
      (j) =>
        (!q.submission || j.submission === q.submission) &&
        (!q.state || j.state === q.state) &&
        (!q.campaign || this.subs.get(j.submission)?.campaign === q.campaign),
    );
    return { items: all.slice(q.offset, q.offset + q.limit), total: all.length };
  }

  async addOverride(o: NewOverride): Promise<number> {
    const id = this.overrides.length + 1;
    this.overrides.push({ ...structuredClone(o), id, createdAt: this.now() });
    await this.audit({
      actor: o.actor,
      action: `override ${o.action}`,
      target: overrideTarget(o),
      detail: o.reason,
    });
    return id;
  }

  async activeOverrides(now: Date, revision: string | undefined): Promise<OperatorOverride[]> {
    const at = now.toISOString();
    for (const o of this.overrides) {
      if (o.cleared) continue;
      if (o.expiresAt !== undefined && o.expiresAt <= at) o.cleared = { at, reason: 'expired' };
      else if (revision && o.revision && o.revision !== revision)
        o.cleared = { at, reason: `cleared by revision ${revision}` };
    }
    return this.overrides
      .filter((o) => !o.cleared)
      .map(({ cleared: _, ...o }) => structuredClone(o));
  }

  async clearOverrides(target: OverrideTarget, reason: string): Promise<number> {
    const actions = target.actions ?? ['hold', 'kill', 'launch-now', 'prune'];
    let n = 0;
    for (const o of this.overrides) {
      if (o.cleared || o.campaign !== target.campaign || !actions.includes(o.action)) continue;
      if (target.stage !== undefined && o.stage !== target.stage) continue;
      if (target.submission !== undefined && o.submission !== target.submission) continue;
      o.cleared = { at: this.now(), reason };
      n++;
    }
    return n;
  }

  async recordRevision(r: { revision: string; valid: boolean; errors: string[] }): Promise<void> {
    const at = this.now();
    const seen = this.revs.get(r.revision);
    this.revs.set(r.revision, {
      ...(seen ?? { revision: r.revision, firstSeenAt: at }),
      lastSeenAt: at,
      seenSeq: ++this.seenSeq,
      valid: r.valid,
      errors: [...r.errors],
    });
  }

  async markApplied(revision: string): Promise<void> {
    const r = this.revs.get(revision);
    if (!r) return;
    r.appliedAt = this.now();
    r.appliedSeq = ++this.appliedSeq;
  }

  private revisionList(rows: Revision[], limit: number): RevisionRecord[] {
    return rows.slice(0, limit).map(({ seenSeq: _, appliedSeq: __, ...r }) => structuredClone(r));
  }

  async revisions(limit = 10): Promise<RevisionRecord[]> {
    return this.revisionList(
      [...this.revs.values()].sort((a, b) => b.seenSeq - a.seenSeq),
      limit,
    );
  }

  async appliedRevision(): Promise<RevisionRecord | undefined> {
    const applied = [...this.revs.values()].filter((r) => r.appliedSeq !== undefined);
    return this.revisionList(
      applied.sort((a, b) => b.appliedSeq! - a.appliedSeq!),
      1,
    )[0];
  }

  async audit(entry: Omit<AuditEntry, 'at'>): Promise<void> {
    this.log.push({
      at: this.now(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      ...(entry.detail !== undefined ? { detail: entry.detail } : {}),
    });
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    return this.log
      .slice()
      .reverse()
      .slice(0, limit)
      .map((e) => ({ ...e }));
  }

  private readonly tokenList: StoredToken[] = [];

  async addToken(t: Omit<StoredToken, 'createdAt' | 'revokedAt'>): Promise<void> {
    if (this.tokenList.some((x) => x.id === t.id))
      throw new AdapterError('memory-store', `token ${t.id} exists`, { retryable: false });
    this.tokenList.unshift({ ...structuredClone(t), createdAt: this.now() });
  }

  async token(id: string): Promise<StoredToken | undefined> {
    const t = this.tokenList.find((x) => x.id === id);
    return t && structuredClone(t);
  }

  async tokens(): Promise<StoredToken[]> {
    return structuredClone(this.tokenList);
  }

  async revokeToken(id: string): Promise<boolean> {
    const t = this.tokenList.find((x) => x.id === id);
    if (!t || t.revokedAt) return false;
    t.revokedAt = this.now();
    return true;
  }

  async close(): Promise<void> {}
}
