import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AdapterError } from '../../errors.js';

const run = promisify(execFile);

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
  try {
    const { stdout } = await run(bin, [...args], {
      timeout: timeoutSeconds * 1000,
      maxBuffer: 512 << 20,
    });
    return stdout;
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
