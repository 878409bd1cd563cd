import type {
  ActionKind,
  InputSpec,
  JobState,
  NewSubmission,
  NamedJobType,
  NamedLaunchTemplate,
  ObservedJob,
  OperatorOverride,
  ResolvedStage,
  SplitState,
  StoredToken,
  SubmissionRecord,
  SubmissionStatus,
} from '../../model/index.js';

export interface StatusChange {
  status: SubmissionStatus;
  at: string;
  reason: string;
}

/**
 * The stage as it was defined when a submission was launched, with its job type and launch
 * template (references to secrets, never their values): POMS keeps the same snapshots so a
 * submission can be understood after its definition changed.
 */
export interface StageDefinition {
  stage: ResolvedStage;
  jobType: NamedJobType | undefined;
  launchTemplate: NamedLaunchTemplate | undefined;
}

/** Everything remembered about a submission. */
export interface StoredSubmission extends SubmissionRecord {
  command: string[];
  input: InputSpec;
  jobType: string;
  launchTemplate: string;
  /** Catalog project the submission's jobs consume from, when it has input. */
  project?: string;
  /** Batch system the jobs went to. */
  batch?: string;
  definition?: StageDefinition;
  history: StatusChange[];
}

export interface Intent {
  id: number;
  kind: ActionKind;
  key: string;
  state: 'pending' | 'done' | 'failed' | 'abandoned';
  createdAt: string;
  detail?: string;
}

/** What the job cache keeps of a job as the batch system reported it. */
export interface JobRecord extends ObservedJob {
  node?: string;
  /** The grid site the job ran at, when the batch system says (a glidein's GLIDEIN_Site). */
  site?: string;
  startedAt?: string;
  cpuSeconds?: number;
  wallSeconds?: number;
  logPath?: string;
}

export interface StoredJob extends JobRecord {
  /** When the job was last seen to change. */
  updatedAt: string;
}

/** True when two records of a job say the same (what the cache writes, updatedAt aside). */
export function sameJob(a: JobRecord, b: JobRecord): boolean {
  return (
    a.submission === b.submission &&
    a.state === b.state &&
    (a.exitCode ?? null) === (b.exitCode ?? null) &&
    a.heldReason === b.heldReason &&
    a.endedAt === b.endedAt &&
    a.node === b.node &&
    a.site === b.site &&
    a.startedAt === b.startedAt &&
    a.cpuSeconds === b.cpuSeconds &&
    a.wallSeconds === b.wallSeconds &&
    a.logPath === b.logPath
  );
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target: string;
  detail?: string;
}

/** A launched slice moves its split on: recorded with the launch, in one transaction. */
export interface SplitAdvance {
  campaign: string;
  stage: string;
  /** The state the slice was cut from; a split that moved since (a reset) is left alone. */
  from: { position: number; generation: number };
  to: { position: number; last?: number };
}

/** A revision of the desired state the reconciler has seen, valid or not. */
export interface RevisionRecord {
  /** Commit SHA (or a working-tree label). */
  revision: string;
  firstSeenAt: string;
  lastSeenAt: string;
  valid: boolean;
  /** Formatted diagnostics (file:line:col: message) when it did not validate. */
  errors: string[];
  /** The last time a pass acted on it. */
  appliedAt?: string;
}

export type NewOverride = Omit<OperatorOverride, 'id' | 'createdAt'>;

/** What a release clears: a campaign, a stage of it, or one submission; some actions or all. */
export interface OverrideTarget {
  campaign: string;
  stage?: string | undefined;
  submission?: string | undefined;
  actions?: OperatorOverride['action'][];
}

/**
 * The launch journal: submissions and the intents recorded before acting, so a crash never
 * launches twice and never loses a launch.
 */
export interface LaunchJournal {
  submissions(): Promise<StoredSubmission[]>;
  /** The submissions of these campaigns, in the order of submissions(): costs what they hold. */
  submissionsOf(campaigns: readonly string[]): Promise<StoredSubmission[]>;
  submission(key: string): Promise<StoredSubmission | undefined>;
  /** Records the launch intent and the submission as 'launching', in one transaction. */
  beginLaunch(
    submission: NewSubmission,
    revision: string | undefined,
    batch: string,
    definition?: StageDefinition,
  ): Promise<number>;
  /** Ends a launch intent: the jobs are in the batch system, or the launch failed. A launched slice moves its split on in the same transaction. */
  finishLaunch(
    intentId: number,
    outcome: { ok: true; project?: string; split?: SplitAdvance } | { ok: false; error: string },
  ): Promise<void>;
  /** A launch that never reached the batch system: forget the submission so it launches again under the same key. */
  abandonLaunch(intentId: number, reason: string): Promise<void>;
  /** Keeps a word on a pending intent (why a submit's outcome is unknown) for whoever resolves it. */
  noteIntent(intentId: number, detail: string): Promise<void>;
  /** Launches of a key abandoned after a transient submit failure ("transient: …"): how many, the last when. */
  transientFailures(key: string): Promise<{ count: number; last: Date | undefined }>;
  pendingIntents(): Promise<Intent[]>;
  beginAction(kind: ActionKind, key: string): Promise<number>;
  finishAction(intentId: number, error?: string): Promise<void>;
  setStatus(key: string, status: SubmissionStatus, reason: string): Promise<void>;
  setHeld(key: string, held: boolean): Promise<void>;
}

/** Where each split stage stands (POMS's cs_last_split), advanced by the launch journal. */
export interface SplitPositions {
  /** Where each split stage (campaign/stage) stands; stages never split are absent. */
  splitStates(): Promise<Record<string, SplitState>>;
  /** Starts a stage's split over (a new generation, position 0), audited. */
  resetSplit(campaign: string, stage: string, actor: string, reason: string): Promise<SplitState>;
}

/** The last observed state of every job, for triage after the batch system forgot them. */
export interface JobCache {
  /**
   * Records each job's observed state. A job observed as it was last recorded is left as it
   * is, `updatedAt` included (so it says when the job last changed): a pass writes only what
   * changed, not every job it sees. `at` is when they were observed.
   */
  recordJobs(jobs: readonly JobRecord[], at: string): Promise<void>;
  /** Every job, by submission then id. */
  jobs(): Promise<StoredJob[]>;
  /** One page of the jobs a query selects, in the order of jobs(), and how many it selects. */
  jobPage(q: JobQuery): Promise<{ items: StoredJob[]; total: number }>;
}

export interface JobQuery {
  submission?: string | undefined;
  /** The jobs of this campaign's submissions. */
  campaign?: string | undefined;
  state?: JobState | undefined;
  limit: number;
  offset: number;
}

/** Operators' holds, kills, launch-nows and prune confirmations. */
export interface OverrideStore {
  addOverride(o: NewOverride): Promise<number>;
  /** Overrides in force: expired ones and those made at another revision are cleared first. */
  activeOverrides(now: Date, revision: string | undefined): Promise<OperatorOverride[]>;
  /** Clears what is in force on a target and under it (a campaign's stages and submissions). */
  clearOverrides(target: OverrideTarget, reason: string): Promise<number>;
}

/** Every revision the source showed, whether it validated, and the one applied. */
export interface RevisionLog {
  /** Records a revision seen by the source and whether it validated. */
  recordRevision(r: { revision: string; valid: boolean; errors: string[] }): Promise<void>;
  /** Marks a recorded revision as the one a pass acted on. */
  markApplied(revision: string): Promise<void>;
  /** Revisions seen, most recently seen first. */
  revisions(limit?: number): Promise<RevisionRecord[]>;
  /** The revision the last pass acted on. */
  appliedRevision(): Promise<RevisionRecord | undefined>;
}

/** Who did what, newest first. */
export interface AuditLog {
  audit(entry: Omit<AuditEntry, 'at'>): Promise<void>;
  auditLog(limit?: number): Promise<AuditEntry[]>;
}

/** API tokens: created and revoked by an admin from the CLI, checked by the server. */
export interface TokenStore {
  addToken(t: Omit<StoredToken, 'createdAt' | 'revokedAt'>): Promise<void>;
  token(id: string): Promise<StoredToken | undefined>;
  /** Every token, newest first, revoked ones too. */
  tokens(): Promise<StoredToken[]>;
  /** Revokes a token; false when there is no such token or it was revoked already. */
  revokeToken(id: string): Promise<boolean>;
}

/**
 * The state store, as the roles above: each has its own section of the store contract
 * (test/contracts/store.ts), which every store backend passes.
 */
export interface Store
  extends LaunchJournal,
    SplitPositions,
    JobCache,
    OverrideStore,
    RevisionLog,
    AuditLog,
    TokenStore {
  readonly name: string;
  close(): Promise<void>;
}

/** A replica of the reconciler, as its heartbeats record it. Times in ms since the epoch, the database's clock. */
export interface ReplicaRecord {
  id: string;
  startedAt: number;
  heartbeatAt: number;
  host?: string;
  pid?: number;
}

/**
 * A lease on a unit of ownership (one campaign, or every campaign of an experiment): who may
 * act on its campaigns until when, and the fencing token their writes carry.
 */
export interface Lease {
  unit: string;
  owner: string;
  /** Grows with every new holder: a write with an older token is refused. */
  token: number;
  acquiredAt: number;
  expiresAt: number;
}

/**
 * Which unit a campaign is in, as the store records it, so replicas that disagree (another
 * revision, another setting) cannot both own it. `token` is taken when it was placed there.
 */
export interface Membership {
  campaign: string;
  unit: string;
  token: number;
}

/** The unit of a campaign owned on its own, as a lease names it. */
export const experimentUnit = (experiment: string): string => `experiment:${experiment}`;

/** What a replica's writes about a campaign carry: the unit it holds the campaign in, and that lease's token. */
export interface Fence {
  replica: string;
  unit: string;
  token: number;
}

/** A write under a lease, as the store recorded it (in the write's own transaction). */
export interface FencedWrite {
  id: number;
  at: number;
  replica: string;
  campaign: string;
  /**
   * The campaign's token: the larger of its unit's lease token and the token of its placement
   * in the unit, so it grows with every change of hands, by a new lease or a move.
   */
  token: number;
  unit: string;
  /** The unit's lease token. */
  unitToken: number;
  what: string;
}

/**
 * Replicas and the leases on units they act under, kept by a store several reconcilers
 * share. Times are the database's (`now` in each answer), so replicas' clocks need not agree.
 */
export interface LeaseStore {
  /** Records that the replica is alive; the store's time now. */
  heartbeat(replica: string, info?: { host?: string; pid?: number }): Promise<number>;
  /** Every replica that has a heartbeat, and the store's time now. */
  replicas(): Promise<{ now: number; replicas: ReplicaRecord[] }>;
  /**
   * Renews the replica's leases among `units` and takes those nobody holds or whose lease
   * expired (each with a new token); returns the leases it holds among them, and the time.
   * A unit named as a campaign (no ':') holds that campaign unless it was placed elsewhere.
   * With them, every campaign's unit (as placeCampaigns returns them), read in the same go.
   */
  acquireLeases(
    replica: string,
    units: readonly string[],
    ttlMs: number,
  ): Promise<{ now: number; held: Lease[]; members: Membership[] }>;
  /**
   * Moves campaigns to units, each only when this replica holds the unit it leaves (a push),
   * or holds the unit it enters and nobody else holds the one it leaves (a pull); a move
   * waits for no write under way about the campaign (it is tried again later). Returns every
   * campaign's unit afterwards.
   */
  placeCampaigns(
    replica: string,
    moves: ReadonlyArray<{ campaign: string; unit: string }>,
  ): Promise<Membership[]>;
  /** Gives up the replica's leases on `units` (all of them when absent). */
  releaseLeases(replica: string, units?: readonly string[]): Promise<void>;
  /** The replica leaves: its leases are released and its heartbeat forgotten. */
  leave(replica: string): Promise<void>;
  leases(): Promise<{ now: number; leases: Lease[]; members: Membership[] }>;
  /**
   * From now on every write of an action about a campaign (a launch, its end, a status, a
   * hold, an observed job) carries the fence `fenceOf` gives, and the store refuses it unless
   * the campaign is in that unit and the unit's lease is still that replica's, with that token,
   * unexpired; each accepted one is logged.
   */
  useFences(fenceOf: (campaign: string) => Fence | undefined): void;
  /** The writes made under leases, in the order they were made. */
  fencedWrites(campaign?: string): Promise<FencedWrite[]>;
  /** Forgets logged writes made before `beforeMs` (the store's clock); how many went. */
  pruneFencedWrites(beforeMs: number): Promise<number>;
}

/** Whether a store keeps leases (one replicas can share). */
export function isLeaseStore<S extends object>(s: S): s is S & LeaseStore {
  return 'acquireLeases' in s && 'useFences' in s;
}

/** The campaign a submission key (campaign/stage/slice#attempt) belongs to. */
export function campaignOfKey(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? key : key.slice(0, i);
}
