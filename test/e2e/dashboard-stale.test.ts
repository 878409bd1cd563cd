// A page left open while its server goes away says so: the data's age keeps counting on the
// page, and once the event stream has been down for 20 s a banner says the page may be out of
// date. CI sets GITPOMS_TEST_BROWSER=1, which makes a missing chromium a failure instead of a skip.
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { browserAvailable, expectBrowserIfRequired, launchChromium } from '../helpers/chromium.js';
import { fixture, NOW, SBND } from '../helpers/server-fixture.js';

describe('a dashboard page whose server stops answering', () => {
  it('runs if CI says it must', expectBrowserIfRequired);

  it.runIf(browserAvailable)(
    'shows the age of its data, and a banner once the server has not answered for 20 s',
    { timeout: 90_000 },
    async () => {
      const f = await fixture();
      f.status.intervalMs = 60_000;
      f.status.lastGoodPassAt = new Date(NOW.getTime() - 5 * 60_000 + 5000).toISOString();
      await f.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (f.app.server.address() as AddressInfo).port;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/campaigns/${SBND}`);
        await expect.poll(() => page.textContent('#live')).toBe('live');
        expect(await page.textContent('#as-of')).toBe(
          'Data as of 2026-12-01 11:55:05Z, 4 min ago.',
        );
        expect(await page.isHidden('#lost')).toBe(true);
        await f.app.close();
        await expect.poll(() => page.textContent('#live')).toBe('reconnecting');
        // Not at once: a restart of the server is no alarm.
        await new Promise((r) => setTimeout(r, 10_000));
        expect(await page.isHidden('#lost')).toBe(true);
        await expect
          .poll(() => page.isVisible('#lost'), { timeout: 20_000, interval: 1000 })
          .toBe(true);
        expect(await page.textContent('#lost')).toMatch(
          /^No answer from the server since \S.*: this page may be out of date\.$/,
        );
        // The age went on counting, on the server's clock (the fixture's is a week behind this
        // machine's, which would say "6 d ago").
        expect(await page.textContent('#as-of')).toBe(
          'Data as of 2026-12-01 11:55:05Z, 5 min ago.',
        );
      } finally {
        await browser.close();
      }
    },
  );
});
