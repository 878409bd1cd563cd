// What the SQL stores share: their rows have the same columns, and both keep the job cache
// in memory between reads.
import type {
  NewSubmission,
  OperatorOverride,
  StoredToken,
  SubmissionStatus,
} from '../../model/index.js';
import type {
  JobQuery,
  JobRecord,
  RevisionRecord,
  StageDefinition,
  StoredJob,
  StoredSubmission,
} from './types.js';

/** `o` and everything in it, frozen. */
export function frozen<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') frozen(v as object);
  return Object.freeze(o);
}

/** Binary order of text (SQLite's BINARY, PostgreSQL's "C"), for the ASCII names keys are made of. */
export const binary = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Launch order, then key. */
export const byLaunch = (a: StoredSubmission, b: StoredSubmission): number =>
  binary(a.launchedAt, b.launchedAt) || binary(a.key, b.key);

/**
 * The submissions a store holds in memory between reads, by key and by campaign, each list
 * sorted once after it changes: reading one campaign costs what that campaign holds.
 */
export class SubmissionIndex {
  private readonly byKey = new Map<string, StoredSubmission>();
  private readonly byCampaign = new Map<string, Map<string, StoredSubmission>>();
  private list: StoredSubmission[] | undefined;
  private readonly lists = new Map<string, StoredSubmission[]>();

  constructor(subs: Iterable<StoredSubmission> = []) {
    for (const s of subs) this.put(s);
  }

  /** Puts in or replaces a submission (frozen: readers share it). */
  put(sub: StoredSubmission): void {
    const before = this.byKey.get(sub.key);
    if (before && before.campaign !== sub.campaign) this.delete(sub.key);
    const s = frozen(sub);
    this.byKey.set(s.key, s);
    let of = this.byCampaign.get(s.campaign);
    if (!of) this.byCampaign.set(s.campaign, (of = new Map()));
    of.set(s.key, s);
    this.changed(s.campaign);
  }

  delete(key: string): void {
    const before = this.byKey.get(key);
    if (!before) return;
    this.byKey.delete(key);
    const of = this.byCampaign.get(before.campaign)!;
    of.delete(key);
    if (!of.size) this.byCampaign.delete(before.campaign);
    this.changed(before.campaign);
  }

  /** Every submission, in launch order. */
  all(): StoredSubmission[] {
    this.list ??= [...this.byKey.values()].sort(byLaunch);
    return [...this.list];
  }

  /** The submissions of these campaigns, in launch order. */
  of(campaigns: Iterable<string>): StoredSubmission[] {
    const out: StoredSubmission[] = [];
    for (const c of new Set(campaigns)) {
      let list = this.lists.get(c);
      if (!list) {
        const of = this.byCampaign.get(c);
        if (!of) continue;
        this.lists.set(c, (list = [...of.values()].sort(byLaunch)));
      }
      out.push(...list);
    }
    return out.sort(byLaunch);
  }

  private changed(campaign: string): void {
    this.list = undefined;
    this.lists.delete(campaign);
  }
}

export interface SubmissionRow {
  key: string;
  campaign: string;
  stage: string;
  slice: string;
  attempt: number;
  parent: string | null;
  recovery: string | null;
  revision: string | null;
  command: string;
  input: string;
  job_type: string;
  launch_template: string;
  batch: string | null;
  project: string | null;
  status: SubmissionStatus;
  held_by_gitpoms: number | boolean;
  launched_at: string;
  definition: string | null;
}

export function toSubmission(
  r: SubmissionRow,
  history: StoredSubmission['history'],
): StoredSubmission {
  return {
    key: r.key,
    campaign: r.campaign,
    stage: r.stage,
    slice: r.slice,
    attempt: r.attempt,
    ...(r.parent ? { parent: r.parent } : {}),
    ...(r.recovery ? { recovery: JSON.parse(r.recovery) as StoredSubmission['recovery'] } : {}),
    ...(r.revision ? { revision: r.revision } : {}),
    ...(r.project ? { project: r.project } : {}),
    ...(r.batch ? { batch: r.batch } : {}),
    launchedAt: r.launched_at,
    status: r.status,
    heldByGitpoms: r.held_by_gitpoms === 1 || r.held_by_gitpoms === true,
    command: JSON.parse(r.command) as string[],
    input: JSON.parse(r.input) as StoredSubmission['input'],
    jobType: r.job_type,
    launchTemplate: r.launch_template,
    ...(r.definition ? { definition: JSON.parse(r.definition) as StageDefinition } : {}),
    history,
  };
}

export function toStoredJob(r: Record<string, unknown>): StoredJob {
  const j: StoredJob = {
    id: r.id as string,
    submission: r.submission as string,
    state: r.state as StoredJob['state'],
    updatedAt: r.updated_at as string,
  };
  if (r.exit_code !== null) j.exitCode = r.exit_code as number;
  if (r.held_reason !== null) j.heldReason = r.held_reason as string;
  if (r.ended_at !== null) j.endedAt = r.ended_at as string;
  if (r.node !== null) j.node = r.node as string;
  if (r.site !== null) j.site = r.site as string;
  if (r.started_at !== null) j.startedAt = r.started_at as string;
  if (r.cpu_seconds !== null) j.cpuSeconds = r.cpu_seconds as number;
  if (r.wall_seconds !== null) j.wallSeconds = r.wall_seconds as number;
  if (r.log_path !== null) j.logPath = r.log_path as string;
  return j;
}

/** A job as the jobs table's columns hold it, `updatedAt` when it was observed. */
export function jobColumns(j: JobRecord, updatedAt: string) {
  return {
    id: j.id,
    submission: j.submission,
    state: j.state,
    exitCode: j.exitCode ?? null,
    heldReason: j.heldReason ?? null,
    endedAt: j.endedAt ?? null,
    node: j.node ?? null,
    site: j.site ?? null,
    startedAt: j.startedAt ?? null,
    cpuSeconds: j.cpuSeconds ?? null,
    wallSeconds: j.wallSeconds ?? null,
    logPath: j.logPath ?? null,
    updatedAt,
  };
}

export interface TokenRow {
  id: string;
  name: string;
  role: StoredToken['role'];
  experiments: string;
  salt: string;
  hash: string;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
}

export const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  name: r.name,
  role: r.role,
  experiments: JSON.parse(r.experiments) as string[],
  salt: r.salt,
  hash: r.hash,
  createdAt: r.created_at,
  createdBy: r.created_by,
  ...(r.expires_at ? { expiresAt: r.expires_at } : {}),
  ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
});

/**
 * The job cache in memory: every job by submission, in the order of jobs() (submission, then
 * id). Loaded in full, then kept current by the writes it is told of.
 */
export class JobIndex {
  private readonly bySubmission = new Map<string, StoredJob[]>();
  /** Each job's submission. */
  private readonly submissionOf = new Map<string, string>();
  /** Submissions whose jobs are not in id order since a write. */
  private readonly unsorted = new Set<string>();
  private keys: string[] | undefined;

  /** From rows in the order of jobs(). */
  constructor(jobs: Iterable<StoredJob>) {
    for (const job of jobs) {
      const j = frozen(job);
      this.submissionOf.set(j.id, j.submission);
      const list = this.bySubmission.get(j.submission);
      if (list) list.push(j);
      else this.bySubmission.set(j.submission, [j]);
    }
  }

  /** Jobs just written, each as it is now stored. */
  put(jobs: readonly StoredJob[]): void {
    for (const j of jobs) {
      const stored = frozen(structuredClone(j));
      const was = this.submissionOf.get(j.id);
      const list = this.bySubmission.get(j.submission);
      if (was === j.submission) list![list!.findIndex((x) => x.id === j.id)] = stored;
      else {
        // A job relabelled leaves the submission it was in.
        if (was !== undefined) this.drop(was, j.id);
        this.submissionOf.set(j.id, j.submission);
        if (list) list.push(stored);
        else {
          this.bySubmission.set(j.submission, [stored]);
          this.keys = undefined;
        }
        this.unsorted.add(j.submission);
      }
    }
  }

  /** The jobs of `submission` as they are now stored (read again after a change). */
  replace(submission: string, jobs: readonly StoredJob[]): void {
    for (const j of this.bySubmission.get(submission) ?? []) this.submissionOf.delete(j.id);
    if (!jobs.length) {
      if (this.bySubmission.delete(submission)) this.keys = undefined;
      return;
    }
    if (!this.bySubmission.has(submission)) this.keys = undefined;
    const list = jobs.map((j) => frozen(structuredClone(j)));
    for (const j of list) this.submissionOf.set(j.id, submission);
    this.bySubmission.set(submission, list);
    this.unsorted.add(submission);
  }

  private drop(submission: string, id: string): void {
    const old = this.bySubmission.get(submission)!;
    old.splice(
      old.findIndex((x) => x.id === id),
      1,
    );
  }

  private sorted(): { bySubmission: Map<string, StoredJob[]>; keys: string[] } {
    for (const key of this.unsorted) this.bySubmission.get(key)?.sort((a, b) => binary(a.id, b.id));
    this.unsorted.clear();
    this.keys ??= [...this.bySubmission.keys()].sort(binary);
    return { bySubmission: this.bySubmission, keys: this.keys };
  }

  all(): StoredJob[] {
    const { bySubmission, keys } = this.sorted();
    return keys.flatMap((k) => bySubmission.get(k)!);
  }

  /** One page of what `q` selects; `ofCampaign` holds the submissions of q.campaign. */
  page(q: JobQuery, ofCampaign?: ReadonlySet<string>): { items: StoredJob[]; total: number } {
    const { bySubmission, keys } = this.sorted();
    let selected: readonly string[] = q.submission === undefined ? keys : [q.submission];
    if (ofCampaign) selected = selected.filter((k) => ofCampaign.has(k));
    const items: StoredJob[] = [];
    let total = 0;
    const end = q.offset + q.limit;
    for (const k of selected) {
      const list = bySubmission.get(k);
      if (!list) continue;
      if (q.state === undefined && (total + list.length <= q.offset || total >= end)) {
        total += list.length;
        continue;
      }
      for (const j of list) {
        if (q.state !== undefined && j.state !== q.state) continue;
        if (total >= q.offset && total < end) items.push(j);
        total++;
      }
    }
    return { items, total };
  }
}

type Cells = Record<string, string | number | boolean | null>;

/** The overrides rows still in force at `at` under `revision` (expired or another revision's are not). */
export function overridesInForce(
  rows: readonly Cells[],
  at: string,
  revision: string | undefined,
): OperatorOverride[] {
  return rows
    .filter(
      (r) =>
        !(r.expires_at && String(r.expires_at) <= at) &&
        !(revision && r.revision && r.revision !== revision),
    )
    .map((r) => ({
      id: Number(r.id),
      action: r.action as OperatorOverride['action'],
      campaign: r.campaign as string,
      ...(r.stage ? { stage: r.stage as string } : {}),
      ...(r.submission ? { submission: r.submission as string } : {}),
      actor: r.actor as string,
      reason: r.reason as string,
      createdAt: r.created_at as string,
      ...(r.revision ? { revision: r.revision as string } : {}),
      ...(r.expires_at ? { expiresAt: r.expires_at as string } : {}),
    }));
}

export function toRevision(r: Cells): RevisionRecord {
  return {
    revision: r.revision as string,
    firstSeenAt: r.first_seen_at as string,
    lastSeenAt: r.last_seen_at as string,
    valid: r.valid === 1 || r.valid === true,
    errors: JSON.parse(r.errors as string) as string[],
    ...(r.applied_at ? { appliedAt: r.applied_at as string } : {}),
  };
}

/** A new submission's values, in the column order of the INSERT both stores make. */
export function submissionValues(
  a: NewSubmission,
  revision: string | undefined,
  batch: string,
  at: string,
  definition: StageDefinition | undefined,
): unknown[] {
  return [
    a.key,
    a.campaign,
    a.stage,
    a.slice,
    a.attempt,
    a.parent ?? null,
    a.recovery ? JSON.stringify(a.recovery) : null,
    revision ?? null,
    JSON.stringify(a.command),
    JSON.stringify(a.input),
    a.jobType,
    a.launchTemplate,
    batch,
    at,
    definition ? JSON.stringify(definition) : null,
  ];
}

/** A new token's values, in the column order of the INSERT both stores make. */
export function tokenValues(
  t: Omit<StoredToken, 'createdAt' | 'revokedAt'>,
  at: string,
): unknown[] {
  return [
    t.id,
    t.name,
    t.role,
    JSON.stringify(t.experiments),
    t.salt,
    t.hash,
    at,
    t.createdBy,
    t.expiresAt ?? null,
  ];
}
