import type { Io } from '../../src/cli/io.js';
import { run } from '../../src/cli/main.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  opts: { cwd?: string; env?: Record<string, string>; now?: Date } = {},
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: opts.cwd ?? process.cwd(),
    env: opts.env ?? {},
    now: () => opts.now ?? new Date('2026-11-25T12:00:00Z'),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}
