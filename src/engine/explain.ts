// Why a submission exists: the revision and stage definition it was launched from, what it
// consumes (its parent's files, a slice, a recovery's files), what followed from it, and the
// operators' overrides and audited actions on its stage. Read from the store (and the
// catalog for its project's file counts); nothing is written.
import type { Catalog, ProjectInfo } from '../adapters/catalog/types.js';
import type { AuditEntry, StatusChange, Store } from '../adapters/store/types.js';
import {
  overrideTarget,
  type InputSpec,
  type JobState,
  type OperatorOverride,
} from '../model/index.js';

export interface Explanation {
  key: string;
  campaign: string;
  stage: string;
  slice: string;
  attempt: number;
  status: string;
  launched: {
    at: string;
    reason: string;
    revision?: string;
    batch?: string;
    command: string[];
    jobType: string;
    launchTemplate: string;
  };
  /** What it consumes, in a sentence. */
  input: string;
  parent?: { key: string; status?: string };
  recoveryOf?: { key: string; type: string; index: number; status?: string };
  recoveries: Array<{ key: string; type: string; status: string }>;
  dependents: Array<{ key: string; status: string }>;
  project?: { name: string; counts?: ProjectInfo['counts'] };
  /** Overrides in force on its campaign or stage. */
  overrides: OperatorOverride[];
  /** Audited actions on its campaign or stage, newest first. */
  audit: AuditEntry[];
  history: StatusChange[];
  jobs: { total: number; byState: Partial<Record<JobState, number>> };
}

export function describeInput(input: InputSpec): string {
  switch (input.kind) {
    case 'none':
      return 'no input files (a Monte Carlo submission)';
    case 'dataset':
      return `the dataset definition ${input.definition}${input.dimensions ? ` (${input.dimensions})` : ''}`;
    case 'split':
      return `slice ${input.slice.position + 1} of its ${input.slice.type} split${input.slice.generation ? ` (generation ${input.slice.generation})` : ''}: ${input.slice.definition ?? input.slice.value ?? input.slice.dimensions ?? ''}`.trimEnd();
    case 'parent':
      return `the files ${input.filePatterns.join(', ')} of ${input.sources.join(', ')}, through definition ${input.definition}`;
    case 'recovery':
      return `the files ${input.of} left for ${input.type} recovery, through definition ${input.definition}`;
    case 'rerun':
      return `process(es) ${input.processes.join(', ')} of ${input.of} run again (they did not succeed)`;
  }
}

/** Why `key` exists; undefined when the store has no such submission. */
export async function explain(
  store: Store,
  catalog: Catalog | undefined,
  key: string,
  now: Date,
  revision: string | undefined,
): Promise<Explanation | undefined> {
  const sub = await store.submission(key);
  if (!sub) return undefined;
  const all = await store.submissions();
  const byKey = new Map(all.map((s) => [s.key, s]));
  const statusOf = (k: string) => byKey.get(k)?.status;
  const onStage = (t: { campaign: string; stage?: string | undefined }) =>
    t.campaign === sub.campaign && (t.stage === undefined || t.stage === sub.stage);
  const target = `${sub.campaign}/${sub.stage}`;
  const jobs = await store.jobPage({ submission: key, limit: 100_000, offset: 0 });
  const byState: Partial<Record<JobState, number>> = {};
  for (const j of jobs.items) byState[j.state] = (byState[j.state] ?? 0) + 1;
  const info = sub.project && catalog ? await catalog.projectInfo(sub.project) : undefined;
  const first = sub.history[0];
  return {
    key,
    campaign: sub.campaign,
    stage: sub.stage,
    slice: sub.slice,
    attempt: sub.attempt,
    status: sub.status,
    launched: {
      at: sub.launchedAt,
      reason: first?.reason ?? '',
      ...(sub.revision ? { revision: sub.revision } : {}),
      ...(sub.batch ? { batch: sub.batch } : {}),
      command: sub.command,
      jobType: sub.jobType,
      launchTemplate: sub.launchTemplate,
    },
    input: describeInput(sub.input),
    ...(sub.parent ? { parent: withStatus({ key: sub.parent }, statusOf(sub.parent)) } : {}),
    ...(sub.recovery
      ? {
          recoveryOf: withStatus(
            { key: sub.recovery.of, type: sub.recovery.type, index: sub.recovery.index },
            statusOf(sub.recovery.of),
          ),
        }
      : {}),
    recoveries: all
      .filter((s) => s.recovery?.of === key)
      .map((s) => ({ key: s.key, type: s.recovery!.type, status: s.status })),
    // A dependent consumes its parent and the recoveries of its parent's chain.
    dependents: all
      .filter(
        (s) => s.parent === key || (s.input.kind === 'parent' && s.input.sources.includes(key)),
      )
      .map((s) => ({ key: s.key, status: s.status })),
    ...(sub.project
      ? { project: { name: sub.project, ...(info ? { counts: info.counts } : {}) } }
      : {}),
    overrides: (await store.activeOverrides(now, revision)).filter(
      (o) => onStage(o) && (o.submission === undefined || o.submission === key),
    ),
    audit: (await store.auditLog(1000))
      .filter((a) => a.target === sub.campaign || a.target === target || a.target === key)
      .slice(0, 10),
    history: sub.history,
    jobs: { total: jobs.total, byState },
  };
}

function withStatus<T extends object>(o: T, status: string | undefined): T & { status?: string } {
  return status === undefined ? o : { ...o, status };
}

/** The explanation as an operator reads it. */
export function explainText(e: Explanation): string {
  const l: string[] = [];
  l.push(`${e.key}: ${e.status}`);
  l.push(
    `launched ${e.launched.at}${e.launched.revision ? ` from revision ${e.launched.revision.slice(0, 12)}` : ''}${e.launched.batch ? ` on ${e.launched.batch}` : ''}: ${e.launched.reason}`,
  );
  l.push(`  job type ${e.launched.jobType}, launch template ${e.launched.launchTemplate}`);
  l.push(`  command: ${e.launched.command.join(' ')}`);
  l.push(`consumes ${e.input}`);
  if (e.parent) l.push(`parent: ${e.parent.key} (${e.parent.status ?? 'not in the store'})`);
  if (e.recoveryOf)
    l.push(
      `recovery ${e.recoveryOf.index} (${e.recoveryOf.type}) of ${e.recoveryOf.key} (${e.recoveryOf.status ?? 'not in the store'})`,
    );
  if (e.project) {
    const c = e.project.counts;
    l.push(
      `project ${e.project.name}${c ? `: ${c.consumed} consumed, ${c.delivered} delivered, ${c.skipped} skipped, ${c.unknown} not yet delivered` : ''}`,
    );
  }
  const states = Object.entries(e.jobs.byState).map(([s, n]) => `${n} ${s}`);
  l.push(`jobs: ${e.jobs.total}${states.length ? ` (${states.join(', ')})` : ''}`);
  for (const r of e.recoveries) l.push(`recovered by ${r.key} (${r.type}): ${r.status}`);
  for (const d of e.dependents) l.push(`consumed by ${d.key}: ${d.status}`);
  for (const o of e.overrides)
    l.push(
      `override ${o.id} in force: ${o.action} ${overrideTarget(o)} by ${o.actor} at ${o.createdAt}: ${o.reason}`,
    );
  for (const a of e.audit)
    l.push(
      `audit ${a.at}: ${a.action} ${a.target} by ${a.actor}${a.detail ? `: ${a.detail}` : ''}`,
    );
  l.push('history:');
  for (const h of e.history) l.push(`  ${h.at}  ${h.status}  ${h.reason}`);
  return `${l.join('\n')}\n`;
}
