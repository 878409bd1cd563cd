import { vi } from 'vitest';

/** Waits until a child process's collected output matches `re`; its match. */
export function waitForOutput(
  output: () => string,
  re: RegExp,
  timeout = 20_000,
): Promise<RegExpMatchArray> {
  return vi.waitFor(
    () => {
      const m = output().match(re);
      if (!m) throw new Error(`no ${re} in output:\n${output()}`);
      return m;
    },
    { timeout, interval: 50 },
  );
}
