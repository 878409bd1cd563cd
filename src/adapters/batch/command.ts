import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AdapterError } from '../../errors.js';
import type { BatchJob } from './types.js';

const run = promisify(execFile);

/** One word for a POSIX shell, whatever it contains: single-quoted, its own quotes escaped. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs a batch system's command as an argument vector. A command that is missing is a
 * clear error not worth retrying; one that fails or times out is retryable, with the tail of
 * what it printed.
 */
export async function batchCommand(
  backend: string,
  bin: string,
  args: readonly string[],
  timeoutSeconds: number,
): Promise<string> {
  return (await batchRun(backend, bin, args, timeoutSeconds)).stdout;
}

/** batchCommand with what the command printed on stderr too, for tools whose exit code says little. */
export async function batchRun(
  backend: string,
  bin: string,
  args: readonly string[],
  timeoutSeconds: number,
): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run(bin, [...args], {
      timeout: timeoutSeconds * 1000,
      maxBuffer: 512 << 20,
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
    const missing = err.code === 'ENOENT';
    const said = (err.stderr ?? err.message).trim().split('\n').slice(-2).join(' ');
    throw new AdapterError(
      backend,
      missing
        ? `${bin} is not installed or not on PATH`
        : `${bin} ${args.join(' ')} failed${err.killed ? ' (timed out)' : ''}: ${said}`,
      { retryable: !missing, cause: e },
    );
  }
}

/** This reconciler's jobs by id; an id it does not know is refused, never acted on. */
export async function ownJobs(
  backend: string,
  observe: () => Promise<BatchJob[]>,
  ids: readonly string[],
): Promise<Map<string, BatchJob>> {
  const all = new Map((await observe()).map((j) => [j.id, j]));
  const unknown = ids.filter((id) => !all.has(id));
  if (unknown.length)
    throw new AdapterError(backend, `no job ${unknown.join(', ')} of this reconciler`, {
      retryable: false,
    });
  return all;
}

/**
 * Observes until every job satisfies `ok`: batch commands answer 0 to more than they do
 * (scancel of an unknown id, a hold of a running job), so their exit code is never trusted.
 */
export async function confirm(
  backend: string,
  observe: () => Promise<BatchJob[]>,
  ids: readonly string[],
  ok: (j: BatchJob) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const all = await ownJobs(backend, observe, ids);
    const bad = ids.filter((id) => !ok(all.get(id)!));
    if (bad.length === 0) return;
    if (Date.now() > until)
      throw new AdapterError(backend, `${what} did not take for ${bad.join(', ')}`, {
        retryable: true,
      });
    await new Promise((r) => setTimeout(r, 200));
  }
}
