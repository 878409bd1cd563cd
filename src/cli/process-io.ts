// What every command line needs before it knows its command: kept free of heavy imports, so
// gitpoms --version and a command's start do not load every command's code.

/** What commands may touch of the outside world; tests pass their own. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  now(): Date;
  /** Whether stdout is a terminal (live progress bars), default false. */
  tty?: boolean;
}

export const EXIT = { ok: 0, error: 1, changes: 2 } as const;

export function processIo(): Io {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    now: () => new Date(),
    tty: process.stdout.isTTY === true,
  };
}
