import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../errors.js';
import { JOB_STATES, type JobState, type Observed, type SubmissionRecord } from '../model/index.js';

/** Observed state and store records saved as JSON (reconcile --observed FILE). */
export interface Snapshot {
  observed: Observed;
  records: SubmissionRecord[];
}

const RECORD_STATUSES = ['launching', 'launched', 'launch-failed', 'located', 'failed'];

export function emptySnapshot(): Snapshot {
  return {
    observed: { jobs: [], outputs: {}, recoveryFiles: {}, splits: {}, services: {} },
    records: [],
  };
}

function fail(file: string, field: string, message: string): never {
  throw new InvalidInputError(`${file}: ${field}: ${message}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks a parsed snapshot; every error names the field. */
export function parseSnapshot(value: unknown, file: string): Snapshot {
  if (!isObject(value)) fail(file, '(top)', 'must be an object with "observed" and "records"');
  const unknown = Object.keys(value).filter((k) => k !== 'observed' && k !== 'records');
  if (unknown.length)
    fail(file, unknown[0]!, 'unknown field; a snapshot has "observed" and "records"');
  const base = emptySnapshot();
  const o = value.observed ?? {};
  if (!isObject(o)) fail(file, 'observed', 'must be an object');
  const jobs = o.jobs ?? [];
  if (!Array.isArray(jobs)) fail(file, 'observed.jobs', 'must be a list');
  jobs.forEach((j, i) => {
    if (!isObject(j)) fail(file, `observed.jobs[${i}]`, 'must be an object');
    if (typeof j.id !== 'string' || !j.id)
      fail(file, `observed.jobs[${i}].id`, 'must be a non-empty string');
    if (typeof j.submission !== 'string')
      fail(file, `observed.jobs[${i}].submission`, 'must be the submission key (a string)');
    if (!JOB_STATES.includes(j.state as JobState))
      fail(file, `observed.jobs[${i}].state`, `must be one of ${JOB_STATES.join(', ')}`);
  });
  for (const field of ['outputs', 'recoveryFiles', 'splits', 'services'] as const) {
    if (o[field] !== undefined && !isObject(o[field]))
      fail(file, `observed.${field}`, 'must be an object');
  }
  const records = value.records ?? [];
  if (!Array.isArray(records)) fail(file, 'records', 'must be a list');
  records.forEach((r, i) => {
    if (!isObject(r)) fail(file, `records[${i}]`, 'must be an object');
    for (const k of ['key', 'campaign', 'stage', 'slice', 'launchedAt']) {
      if (typeof r[k] !== 'string') fail(file, `records[${i}].${k}`, 'must be a string');
    }
    if (!Number.isInteger(r.attempt)) fail(file, `records[${i}].attempt`, 'must be an integer');
    if (!RECORD_STATUSES.includes(r.status as string))
      fail(file, `records[${i}].status`, `must be one of ${RECORD_STATUSES.join(', ')}`);
    if (Number.isNaN(Date.parse(r.launchedAt as string)))
      fail(file, `records[${i}].launchedAt`, 'must be an ISO date');
  });
  return {
    observed: { ...base.observed, ...(o as Partial<Observed>) },
    records: records as SubmissionRecord[],
  };
}

/** Reads a snapshot file; `label` is how messages name it (default: the path). */
export function readSnapshot(file: string, label = file): Snapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidInputError(
      `${label}: cannot read the observed-state file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InvalidInputError(`${label}: not valid JSON: ${(e as Error).message}`);
  }
  return parseSnapshot(value, label);
}
