// A job's stdout and stderr for the API and the job page: read through the batch port when a
// reader asks (never by a pass), shown tail first, one window of characters at a time.
import type { JobLogs } from '../adapters/batch/types.js';
import type { Store, StoredJob } from '../adapters/store/types.js';
import { AdapterError } from '../errors.js';
import { HttpError } from './access.js';

/** A job of a submission as the store last recorded it, or undefined when it has none by that id. */
export async function jobOfSubmission(
  store: Pick<Store, 'jobPage'>,
  key: string,
  id: string,
): Promise<StoredJob | undefined> {
  const jobs = await store.jobPage({ submission: key, limit: Number.MAX_SAFE_INTEGER, offset: 0 });
  return jobs.items.find((j) => j.id === id);
}

/** Reads a job's logs from the backend its submission records (`backend`). */
export type JobLogReader = (job: string, backend: string | undefined) => Promise<JobLogs>;

export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** Characters of a log shown at once. */
export const LOG_WINDOW = 64 * 1024;

export interface LogWindow {
  stream: LogStream;
  /** Characters in the whole log. */
  total: number;
  /** The window: characters start (inclusive) to end (exclusive). */
  start: number;
  end: number;
  text: string;
}

/** The `size` characters before `end` (the log's end unless given): the tail, or an earlier window. */
export function logWindow(
  stream: LogStream,
  log: string,
  o: { end?: number | undefined; size?: number | undefined } = {},
): LogWindow {
  const total = log.length;
  const end = Math.min(o.end ?? total, total);
  const start = Math.max(0, end - (o.size ?? LOG_WINDOW));
  return { stream, total, start, end, text: log.slice(start, end) };
}

/**
 * The job's logs, or an HttpError a reader can act on: 503 without a batch system to ask, 404
 * when it no longer knows the job, 502 when it cannot be read now.
 */
export async function readLogs(
  reader: JobLogReader | undefined,
  job: string,
  backend: string | undefined,
): Promise<JobLogs> {
  if (!reader) throw new HttpError(503, 'this server has no batch system to read logs from');
  try {
    return await reader(job, backend);
  } catch (e) {
    if (!(e instanceof AdapterError)) throw e;
    throw e.retryable
      ? new HttpError(502, `cannot read the logs of job ${job} now: ${e.message}`)
      : new HttpError(404, `no logs of job ${job}: ${e.message}`);
  }
}
