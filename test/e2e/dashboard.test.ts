import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/capture.js';
import { waitForOutput } from '../helpers/output.js';
import { copyDemoRepo, DEMO_ENV, demoRunArgs } from '../helpers/demo.js';

/**
 * The dashboard in a real headless Chromium against `gitpoms serve` on the SBND demo's state.
 * CI installs Debian's chromium and sets GITPOMS_TEST_BROWSER=1, which makes a missing browser
 * a failure instead of a skip. GITPOMS_SCREENSHOTS=DIR keeps the screenshots (the README's).
 */
const CHROMIUM = process.env.GITPOMS_CHROMIUM ?? '/usr/bin/chromium';
const required = process.env.GITPOMS_TEST_BROWSER === '1';
const available = existsSync(CHROMIUM);
const CAMPAIGN = 'sbnd-mcc-test-1';

let repo: string;
let dataDir: string;
let shots: string;
let child: ChildProcess | undefined;
let out = '';
let base = '';
let browser: Browser | undefined;
const tokens: Record<'shifter' | 'viewer', string> = { shifter: '', viewer: '' };

const waitFor = (re: RegExp) => waitForOutput(() => out, re, 30_000);

async function newPage(token?: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: ${m.text()}`);
  });
  if (token) {
    await page.goto(`${base}/sign-in`);
    await page.fill('input[name=token]', token);
    await page.click('#token-form button[type=submit]');
    await expect.poll(() => page.textContent('#whoami')).toMatch(/^Signed in as /);
  }
  return { page, errors };
}

/** The numbers of a table's rows, keyed by their first cell. */
async function tableNumbers(page: Page, selector: string): Promise<Record<string, string[]>> {
  return page.$$eval(`${selector} tbody tr`, (rows) =>
    Object.fromEntries(
      rows.map((r) => {
        const cells = [...r.querySelectorAll('td')].map((c) => c.textContent!.trim());
        return [cells[0]!, cells];
      }),
    ),
  );
}

beforeAll(async () => {
  if (!available) return;
  repo = copyDemoRepo(mkdtempSync(path.join(tmpdir(), 'gitpoms-dashboard-')));
  dataDir = path.join(repo, '.gitpoms-data');
  shots = process.env.GITPOMS_SCREENSHOTS ?? path.join(repo, 'screenshots');
  mkdirSync(shots, { recursive: true });
  const ran = await cli(demoRunArgs(dataDir, 100, CAMPAIGN), { cwd: repo, env: DEMO_ENV });
  expect(ran.code, ran.stderr).toBe(0);
  for (const role of ['shifter', 'viewer'] as const) {
    const t = await cli(
      ['token', 'create', '--name', `${role}-1`, '--role', role, '--experiment', 'sbnd'],
      { cwd: repo, env: DEMO_ENV },
    );
    expect(t.code, t.stderr).toBe(0);
    tokens[role] = t.stdout.trim();
  }
  child = spawn(
    process.execPath,
    [
      path.resolve('bin/gitpoms.js'),
      'serve',
      '--data-dir',
      dataDir,
      '--port',
      '0',
      '--interval',
      '3600',
    ],
    { cwd: repo, env: { ...DEMO_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  base = (await waitFor(/listening on (http:\/\/127\.0\.0\.1:\d+)/))[1]!;
  await waitFor(/^pass 1 at /m);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless=new'],
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe.runIf(available || required)('the dashboard in a real browser', () => {
  it('finds the browser', () => {
    expect(available, `GITPOMS_TEST_BROWSER=1 but there is no ${CHROMIUM}`).toBe(true);
  });

  it('loads every page with no console error, and writes a screenshot of each', async () => {
    const { page, errors } = await newPage();
    const key = `${CAMPAIGN}/g4/mc-1#1`;
    const pages: Array<[string, string, string]> = [
      ['overview', '/', 'Campaigns'],
      ['campaign', `/campaigns/${CAMPAIGN}`, CAMPAIGN],
      ['stage', `/campaigns/${CAMPAIGN}/stages/g4`, `${CAMPAIGN}/g4`],
      ['submissions', `/campaigns/${CAMPAIGN}/submissions`, `Submissions of ${CAMPAIGN}`],
      ['submission', `/submission?key=${encodeURIComponent(key)}`, key],
      ['triage', `/campaigns/${CAMPAIGN}/triage`, `Failed jobs of ${CAMPAIGN}`],
      ['timebars', `/campaigns/${CAMPAIGN}/timebars`, `Time bars of ${CAMPAIGN}`],
      ['plan', '/plan', 'Plan'],
      ['revisions', '/revisions', 'Revisions'],
      ['sign-in', '/sign-in', 'Token'],
    ];
    for (const [name, url, title] of pages) {
      const r = await page.goto(`${base}${url}`);
      expect(r?.status(), url).toBe(200);
      expect(await page.textContent('h1'), url).toBe(title);
      await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    }
    // The services panel says which launches a failed service holds.
    await page.goto(`${base}/`);
    const services = await tableNumbers(page, '#services table');
    expect(services['sam-sbnd']!.at(-1)).toBe('every sbnd campaign');
    expect(services['dcache-sbnd']!.at(-1)).toBe('none');
    // The submission page shows what its launch left: the jobsub_submit fife_launch rendered.
    await page.goto(`${base}/submission?key=${encodeURIComponent(key)}`);
    expect(await page.textContent('#launch-output')).toMatch(
      /The jobsub_submit command fife_launch rendered for it\.[\s\S]*jobsub_submit \\\n\s+-e IFDH_DEBUG/,
    );
    // Its file accounting, from the catalog: 10 gen files in, job 3 failed, 9 outputs located.
    await Promise.all([
      page.waitForURL(/\/submission\/files\?/),
      page.click('a:text("File accounting")'),
    ]);
    expect(await page.textContent('h1')).toBe(`Files of ${key}`);
    const counts = await tableNumbers(page, 'main table');
    expect(counts.submitted![1]).toBe('10');
    expect(counts['with children located']![1]).toBe('9');
    expect(counts['outputs located']![1]).toBe('9');
    await page.screenshot({ path: path.join(shots, 'files.png'), fullPage: true });
    await Promise.all([
      page.waitForURL(/category=outputs\+located/),
      page.click('tr:has-text("outputs located") a'),
    ]);
    expect(await page.$$eval('ul.files li a', (a) => a.length)).toBe(9);
    await Promise.all([page.waitForURL(/\/file\?/), page.click('ul.files li a >> nth=0')]);
    expect(await page.textContent('main table')).toContain(`gitpoms.submission${key}`);
    // The triage drill-down: a failed job of the demo (g4 job 3 fails by design).
    await page.goto(`${base}/campaigns/${CAMPAIGN}/triage`);
    await Promise.all([page.waitForURL(/\/job\?/), page.click('table.jobs tbody tr a >> nth=0')]);
    expect(await page.textContent('h1')).toMatch(/^Job /);
    const exit = /Exit code(\d+)/.exec((await page.textContent('dl.facts')) ?? '');
    expect(Number(exit?.[1])).toBeGreaterThan(0);
    // Its logs, read from the local executor's files through the batch port.
    expect(await page.textContent('#job-logs')).toContain('lar: DEMO_FAIL makes g4 job 3 fail');
    await page.screenshot({ path: path.join(shots, 'job.png'), fullPage: true });
    const missing = await page.goto(`${base}/campaigns/no-such-campaign`);
    expect(missing?.status()).toBe(404);
    expect(await page.textContent('main')).toContain('No campaign no-such-campaign.');
    expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
    expect(errors).toHaveLength(1);
  });

  it('shows in its stage table and DAG the numbers gitpoms status prints', async () => {
    const status = await cli(['status', CAMPAIGN, '--data-dir', dataDir], {
      cwd: repo,
      env: DEMO_ENV,
    });
    expect(status.code, status.stderr).toBe(0);
    const cliRows = Object.fromEntries(
      // The stage table, before the submissions table that follows a blank line.
      status.stdout
        .split('\n\n')[0]!
        .split('\n')
        .filter((l) => l.startsWith(`${CAMPAIGN}/`))
        .map((l) => l.trim().split(/\s{2,}/))
        .map((cells) => [cells[0]!.slice(CAMPAIGN.length + 1), cells.slice(1)]),
    );
    expect(Object.keys(cliRows)).toEqual(['gen', 'g4', 'detsim', 'reco', 'anatree']);
    const { page } = await newPage();
    // Pending and Files come from the catalog, read after the first pass.
    await expect
      .poll(
        async () => {
          await page.goto(`${base}/campaigns/${CAMPAIGN}`);
          return page.textContent('#stage-table');
        },
        { timeout: 20_000 },
      )
      .toContain('as the catalog said at');
    const web = await tableNumbers(page, 'table.stages');
    for (const [stage, cells] of Object.entries(cliRows)) {
      // Page: Stage, State, Subs … Files, Held by; CLI: Subs … Files.
      expect(web[stage]!.slice(2, 2 + cells.length), stage).toEqual(cells);
    }
    const dag = await page.$$eval('svg.dag g.node', (nodes) =>
      nodes.map((n) => [...n.querySelectorAll('text')].map((t) => t.textContent)),
    );
    for (const [stage, cells] of Object.entries(cliRows)) {
      const node = dag.find((t) => t[0] === stage);
      expect(node, stage).toBeDefined();
      // CLI: Subs, Failed subs, All, … Files.
      expect(node![2]).toBe(`${cells[0]} located${cells[1] === '0' ? '' : `, ${cells[1]} failed`}`);
      expect(node![3]).toMatch(new RegExp(`^${cells[2]} jobs, `));
      expect(node![4]).toBe(`${cells[13]} files`);
    }
  });

  it('offers a hold only to a shifter (others see why not), in every tab, and needs a kill confirmed', async () => {
    const stage = `${base}/campaigns/${CAMPAIGN}/stages/anatree`;
    const hold = 'form[data-api$="/hold"]';
    const anonymous = await newPage();
    await anonymous.page.goto(stage);
    expect(await anonymous.page.isDisabled(`${hold} button`)).toBe(true);
    expect(await anonymous.page.textContent(`${hold} .why`)).toBe(
      'Sign in as a shifter of sbnd to hold.',
    );

    const viewer = await newPage(tokens.viewer);
    await viewer.page.goto(stage);
    expect(await viewer.page.isDisabled(`${hold} button`)).toBe(true);
    expect(await viewer.page.textContent(`${hold} .why`)).toBe(
      'Signed in as viewer-1, viewer of sbnd: to hold takes a shifter of sbnd.',
    );
    // Signed out, the same tab is anonymous again.
    await viewer.page.goto(`${base}/sign-in`);
    await viewer.page.click('#sign-out');
    await expect.poll(() => viewer.page.textContent('#whoami')).toMatch(/^No token/);
    await viewer.page.goto(stage);
    expect(await viewer.page.textContent(`${hold} .why`)).toBe(
      'Sign in as a shifter of sbnd to hold.',
    );

    const shifter = await newPage(tokens.shifter);
    // Another tab of the same browser acts with the token signed in in the first.
    const tab = await shifter.page.context().newPage();
    await tab.goto(stage);
    expect(await tab.isDisabled(`${hold} button`)).toBe(false);
    await shifter.page.goto(stage);
    const kill = 'form[data-api$="/kill"]';
    await shifter.page.fill(`${kill} input[name=reason]`, 'bad geometry');
    await shifter.page.click(`${kill} button`);
    await expect
      .poll(() => shifter.page.textContent(`${kill} output`))
      .toContain('add "confirm": true to confirm');
    // The second tab's kill reaches the API with that token: refused only for want of confirmation.
    await tab.fill(`${kill} input[name=reason]`, 'bad geometry');
    await tab.click(`${kill} button`);
    await expect
      .poll(() => tab.textContent(`${kill} output`))
      .toContain('add "confirm": true to confirm');
    const overrides = (await (await fetch(`${base}/api/overrides`)).json()) as { items: unknown[] };
    expect(overrides.items).toEqual([]);
  });

  it('shows a shifter’s hold through the event stream, without a reload', async () => {
    const { page, errors } = await newPage(tokens.shifter);
    await page.goto(`${base}/campaigns/${CAMPAIGN}/stages/anatree`);
    await expect.poll(() => page.textContent('#live')).toBe('live');
    expect(await page.textContent('#stage-state')).toContain('No override in force.');
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const hold = 'form[data-api$="/hold"]';
    await page.fill(`${hold} input[name=reason]`, 'detector calibration');
    await page.click(`${hold} button`);
    await expect.poll(() => page.textContent(`${hold} output`)).toMatch(/^done/);
    await expect
      .poll(() => page.textContent('#stage-state'), { timeout: 15_000 })
      .toMatch(/hold by shifter-1 \(token [0-9a-f]{16}\) since .*: detector calibration/);
    await expect
      .poll(() => page.textContent('#stage-state .state'), { timeout: 15_000 })
      .toBe('held');
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await page.screenshot({ path: path.join(shots, 'stage-held.png'), fullPage: true });
    // The campaign page shows who holds the stage.
    await page.goto(`${base}/campaigns/${CAMPAIGN}`);
    const row = (await tableNumbers(page, 'table.stages')).anatree!;
    expect(row[1]).toBe('held');
    expect(row.at(-1)).toContain('detector calibration');
    expect(errors).toEqual([]);
  });

  it('holds and releases one submission from its page', async () => {
    const { page, errors } = await newPage(tokens.shifter);
    const key = `${CAMPAIGN}/gen/mc-1#1`;
    await page.goto(`${base}/submission?key=${encodeURIComponent(key)}`);
    await expect.poll(() => page.textContent('#live')).toBe('live');
    const form = (a: string) => `form[data-api="/api/submissions/${encodeURIComponent(key)}/${a}"]`;
    await page.fill(`${form('hold')} input[name=reason]`, 'node 12 writes bad files');
    await page.click(`${form('hold')} button`);
    await expect.poll(() => page.textContent(`${form('hold')} output`)).toMatch(/^done/);
    await expect
      .poll(() => page.textContent('#timeline'), { timeout: 15_000 })
      .toMatch(
        new RegExp(`${key.replace(/[#/]/g, '.')}: hold by shifter-1 .*: node 12 writes bad files`),
      );
    const overrides = (await (await fetch(`${base}/api/overrides`)).json()) as {
      items: Array<{ submission?: string }>;
    };
    // The anatree hold of the test before stays; this one is on the submission alone.
    expect(overrides.items.filter((o) => o.submission).map((o) => o.submission)).toEqual([key]);
    await page.fill(`${form('release')} input[name=reason]`, 'node drained');
    await page.click(`${form('release')} button`);
    await expect.poll(() => page.textContent(`${form('release')} output`)).toMatch(/^done/);
    await expect
      .poll(() => page.textContent('#timeline'), { timeout: 15_000 })
      .not.toContain('node 12 writes bad files');
    expect(errors).toEqual([]);
  });
});
