// Script injection into the dashboard: a payload in every field a page displays (from the
// store, the reconciler's status, the probes, the catalog, and the URL itself), each page
// loaded in a real Chromium with its Content-Security-Policy bypassed, so the escaping alone
// must hold. A dialog, a script that ran, or an element the payload made is a failure; every
// field's marker must show as text somewhere, so a field that went missing is noticed too.
// CI sets GITPOMS_TEST_BROWSER=1, which makes a missing chromium a failure instead of a skip.
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, expectBrowserIfRequired, launchChromium } from '../helpers/chromium.js';
import type { Catalog, FileRecord } from '../../src/adapters/catalog/types.js';
import { createToken } from '../../src/engine/tokens.js';
import { CatalogReads } from '../../src/server/catalog-reads.js';
import { launchAction } from '../contracts/store.js';
import { apps, fixture, NOW, SBND, type Fixture } from '../helpers/server-fixture.js';

/** One payload per field, each naming its field so what ran (or showed) says where it came from. */
const payload = (field: string) =>
  `xss-${field} <script>window.__xss='${field}'</script>"><img src=x onerror="window.__xss='${field}'">` +
  `'><svg onload="alert('${field}')"></svg></textarea></script><script>alert('${field}')</script>` +
  `<iframe srcdoc="<script>parent.alert('${field}')</script>"></iframe><a href="javascript:alert('${field}')">x</a>`;

const FIELDS = [
  'hold-reason',
  'token-name',
  'status-reason',
  'launch-error',
  'launch-reason',
  'launch-command',
  'job-node',
  'job-site',
  'job-stdout',
  'job-stderr',
  'audit-detail',
  'revision-error',
  'last-error',
  'source-error',
  'latest-error',
  'probe-detail',
  'file-name',
  'file-metadata',
  'file-location',
] as const;

const FILE = payload('file-name');
const KEY1 = `${SBND}/gen/mc-1#1`;
const KEY3 = `${SBND}/gen/mc-3#1`;
const enc = encodeURIComponent;

/** A catalog holding one file, every text of it a payload. */
function catalog(): CatalogReads {
  const record: FileRecord = {
    name: FILE,
    id: 1,
    size: 10,
    checksum: 'adler32:00000001',
    createDate: NOW.toISOString(),
    metadata: { 'gitpoms.submission': KEY1, data_tier: payload('file-metadata') },
    parents: [],
    children: [],
    locations: [payload('file-location')],
  };
  const c: Pick<Catalog, 'countFiles' | 'listFiles' | 'getFile'> = {
    countFiles: async () => 1,
    listFiles: async () => [FILE],
    getFile: async (name) => (name === FILE ? record : undefined),
  };
  return new CatalogReads(c);
}

async function poisoned(): Promise<Fixture> {
  const f = await fixture({
    readAccess: 'open',
    catalog: catalog(),
    // What the job printed, as its page shows it.
    logs: async () => ({ stdout: payload('job-stdout'), stderr: payload('job-stderr') }),
    probes: {
      results: () => ({
        'sam-sbnd': { status: 'failed', detail: payload('probe-detail'), at: NOW.toISOString() },
      }),
    },
  });
  const admin = { authorization: `Bearer ${f.tokens.admin}` };
  const post = (url: string, body: unknown, headers = admin) =>
    f.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
    });
  expect(
    (await post(`/api/campaigns/${SBND}/hold`, { stage: 'g4', reason: payload('hold-reason') }))
      .statusCode,
  ).toBe(201);
  const named = await createToken(
    f.store,
    { name: payload('token-name'), role: 'admin', experiments: [], createdBy: 'root' },
    NOW,
  );
  expect(
    (
      await post(
        `/api/campaigns/${SBND}/release`,
        { stage: 'g4', reason: 'r' },
        { authorization: `Bearer ${named.text}` },
      )
    ).statusCode,
  ).toBe(201);
  await f.store.setStatus(`${SBND}/gen/mc-2#1`, 'failed', payload('status-reason'));
  const id = await f.store.beginLaunch(
    launchAction(KEY3, {
      reason: payload('launch-reason'),
      command: ['fife_launch', '-c', 'cfg/x.cfg', payload('launch-command')],
    }),
    'rev1',
    'local',
  );
  await f.store.finishLaunch(id, { ok: false, error: payload('launch-error') });
  await f.store.recordJobs(
    [
      {
        id: '0.0@local',
        submission: KEY1,
        state: 'completed',
        exitCode: 0,
        node: payload('job-node'),
        site: payload('job-site'),
        // Shown on no page (the server's path); recorded all the same.
        logPath: payload('job-log-path'),
      },
    ],
    NOW.toISOString(),
  );
  await f.store.audit({
    actor: 'root',
    action: 'hold',
    target: SBND,
    detail: payload('audit-detail'),
  });
  await f.store.recordRevision({
    revision: 'rev2',
    valid: false,
    errors: [payload('revision-error')],
  });
  f.status.failures = 1;
  f.status.lastError = payload('last-error');
  f.status.sourceError = payload('source-error');
  f.status.latest = { revision: 'rev2', valid: false, errors: [payload('latest-error')] };
  return f;
}

const PAGES = [
  '/',
  `/campaigns/${SBND}`,
  `/campaigns/${SBND}/stages/gen`,
  `/campaigns/${SBND}/stages/g4`,
  `/campaigns/${SBND}/submissions`,
  `/campaigns/${SBND}/triage`,
  `/campaigns/${SBND}/timebars`,
  `/submission?key=${enc(KEY1)}`,
  `/submission?key=${enc(`${SBND}/gen/mc-2#1`)}`,
  `/submission?key=${enc(KEY3)}`,
  `/submission/files?key=${enc(KEY1)}&category=outputs`,
  `/file?name=${enc(FILE)}`,
  `/job?key=${enc(KEY1)}&id=0.0@local`,
  '/plan',
  '/revisions',
  '/sign-in',
  // Reflected: what a link can put in the URL.
  `/file?name=${enc(payload('url-file'))}`,
  `/submission?key=${enc(payload('url-key'))}`,
  `/campaigns/${enc(payload('url-campaign'))}`,
  `/campaigns/${SBND}/stages/${enc(payload('url-stage'))}`,
  `/job?key=${enc(KEY1)}&id=${enc(payload('url-job'))}`,
];

let browser: Browser | undefined;
let f: Fixture;
let base = '';

beforeAll(async () => {
  if (!browserAvailable) return;
  f = await poisoned();
  await f.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(f.app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  while (apps.length) await apps.pop()!.close();
});

/** What a page made of the payloads: dialogs, a script that ran, elements they would add. */
async function damage(page: Page, dialogs: string[]): Promise<string[]> {
  const made = await page.evaluate(() => {
    const out: string[] = [];
    const w = window as unknown as { __xss?: string };
    if (w.__xss) out.push(`script ran: ${w.__xss}`);
    for (const el of document.querySelectorAll(
      'img[src="x"], [onerror], [onload], iframe, a[href^="javascript:" i]',
    ))
      out.push(`element: ${el.outerHTML.slice(0, 80)}`);
    for (const s of document.querySelectorAll('script:not([src])'))
      if (s.textContent?.includes('alert(') || s.textContent?.includes('__xss'))
        out.push(`inline script: ${s.textContent.slice(0, 80)}`);
    return out;
  });
  return [...dialogs.map((d) => `dialog: ${d}`), ...made];
}

describe('serve under script injection (Chromium, CSP bypassed)', () => {
  it('runs if CI says it must', expectBrowserIfRequired);

  it.runIf(browserAvailable)(
    'no page runs or builds anything from a payload in any displayed field or in its URL',
    { timeout: 120_000 },
    async () => {
      const context = await browser!.newContext({ bypassCSP: true });
      const page = await context.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const seen = new Set<string>();
      for (const url of PAGES) {
        const res = await page.goto(base + url, { waitUntil: 'load' });
        expect(res?.status(), url).toBeLessThan(500);
        expect(await damage(page, dialogs), url).toEqual([]);
        const text = (await page.textContent('body')) ?? '';
        for (const m of text.matchAll(/xss-([a-z-]+) <script>/g)) seen.add(m[1]!);
      }
      // Every field is displayed somewhere, as text, with its markup intact.
      expect([...FIELDS].filter((x) => !seen.has(x))).toEqual([]);
      expect(['url-key', 'url-campaign', 'url-stage'].filter((x) => !seen.has(x))).toEqual([]);

      // A live update brings a new payload into an open page: still text.
      await page.goto(`${base}/campaigns/${SBND}`, { waitUntil: 'load' });
      await expect.poll(() => page.textContent('#live')).toBe('live');
      f.status.lastError = payload('live-error');
      f.events.publish({ kind: 'pass-failed', pass: 8, error: payload('live-event') });
      await expect
        .poll(() => page.evaluate(() => document.body.dataset.refreshed ?? '0'), {
          timeout: 10_000,
        })
        .not.toBe('0');
      expect(await page.textContent('body')).toContain('xss-live-error <script>');
      expect(await damage(page, dialogs)).toEqual([]);
      await context.close();
    },
  );
});
