// The dashboard behind a host name over plain HTTP, as a test or site-internal host serves it:
// Chromium resolves the name to 127.0.0.1 (a loopback address would be trusted as secure and
// hide the defect). Without server.tls the pages must neither send HSTS nor ask the browser to
// upgrade their requests to https, which would lose the stylesheet, the script and live updates.
// CI sets GITPOMS_TEST_BROWSER=1, which makes a missing chromium a failure instead of a skip.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { browserAvailable, expectBrowserIfRequired, launchChromium } from '../helpers/chromium.js';
import { apps, fixture, SBND } from '../helpers/server-fixture.js';

const HOST = 'gitpoms.test';

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

describe('the dashboard behind a plain-HTTP host name', () => {
  it('sends HSTS and upgrade-insecure-requests only when server.tls says the site is HTTPS', async () => {
    for (const tls of [false, true]) {
      const f = await fixture({ tls });
      for (const url of ['/', `/campaigns/${SBND}`, '/api/status']) {
        const r = await f.app.inject({ url });
        expect(r.statusCode, url).toBe(200);
        expect(r.headers['strict-transport-security'] !== undefined, url).toBe(tls);
        expect(r.headers['cross-origin-opener-policy'] !== undefined, url).toBe(tls);
        if (url.startsWith('/api/')) continue;
        const csp = String(r.headers['content-security-policy']);
        expect(csp, url).toContain("script-src 'self'");
        expect(csp.includes('upgrade-insecure-requests'), url).toBe(tls);
      }
    }
  });

  it('runs if CI says it must', expectBrowserIfRequired);

  it.runIf(browserAvailable)(
    'loads its stylesheet and script, and goes live, in Chromium at http://gitpoms.test',
    { timeout: 60_000 },
    async () => {
      const f = await fixture();
      await f.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (f.app.server.address() as AddressInfo).port;
      const browser = await launchChromium([`--host-resolver-rules=MAP ${HOST} 127.0.0.1`]);
      try {
        const page = await browser.newPage();
        const failed: string[] = [];
        page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
        page.on('console', (m) => m.type() === 'error' && failed.push(m.text()));
        await page.goto(`http://${HOST}:${port}/campaigns/${SBND}`, { waitUntil: 'load' });
        // The script ran and its event stream is open.
        await expect.poll(() => page.textContent('#live'), { timeout: 10_000 }).toBe('live');
        // The stylesheet applied: its rules are there.
        expect(
          await page.evaluate(() =>
            [...document.styleSheets].some(
              (s) => s.href?.endsWith('/static/app.css') && s.cssRules.length > 0,
            ),
          ),
        ).toBe(true);
        expect(failed).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
