// Debian's chromium driven by playwright-core, for the tests that load pages in a real
// browser. CI installs it and sets GITPOMS_TEST_BROWSER=1, which makes a missing browser a
// failure instead of a skip.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM = process.env.GITPOMS_CHROMIUM ?? '/usr/bin/chromium';
export const browserRequired = process.env.GITPOMS_TEST_BROWSER === '1';
export const browserAvailable = existsSync(CHROMIUM);

/** Fails when CI asks for the browser and it is not there. */
export function expectBrowserIfRequired(): void {
  if (browserRequired)
    expect(browserAvailable, `GITPOMS_TEST_BROWSER=1 but there is no ${CHROMIUM}`).toBe(true);
}

/** Headless, unsandboxed (these tests run as root), with `args` added. */
export function launchChromium(args: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new', ...args],
  });
}
