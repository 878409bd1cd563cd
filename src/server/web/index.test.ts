import { afterEach, describe, expect, it } from 'vitest';
import { apps, fixture, NOW, SBND, type Fixture } from '../../../test/helpers/server-fixture.js';
import { AdapterError } from '../../errors.js';
import { TOKEN_COOKIE } from '../access.js';

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

async function page(f: Fixture, url: string, headers: Record<string, string> = {}) {
  const r = await f.app.inject({ method: 'GET', url, headers });
  return { status: r.statusCode, body: r.body, headers: r.headers };
}

const cookie = (t: string) => ({ cookie: `other=1; ${TOKEN_COOKIE}=${encodeURIComponent(t)}` });

describe('the dashboard pages (server-side)', () => {
  it('serves every page as HTML under a strict content security policy', async () => {
    const f = await fixture();
    const key = encodeURIComponent(`${SBND}/gen/mc-2#1`);
    for (const url of [
      '/',
      `/campaigns/${SBND}`,
      `/campaigns/${SBND}/stages/gen`,
      `/campaigns/${SBND}/submissions`,
      `/campaigns/${SBND}/submissions?stage=gen`,
      `/submission?key=${key}`,
      `/job?key=${key}&id=2000.0%40local`,
      `/campaigns/${SBND}/triage`,
      `/campaigns/${SBND}/timebars`,
      '/plan',
      '/revisions',
      '/sign-in',
    ]) {
      const r = await page(f, url);
      expect(r.status, url).toBe(200);
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(r.body, url).toMatch(/^<!doctype html><html lang="en">/);
      expect(r.headers['content-security-policy'], url).toContain("script-src 'self'");
      expect(r.body, url).not.toMatch(/<script>|<script [^>]*>[^<]/);
    }
    expect((await page(f, '/static/app.js')).status).toBe(200);
    expect((await page(f, '/static/app.css')).headers['content-type']).toMatch(/^text\/css/);
  });

  it('links each diagnostic of a rejected revision to its file and line on the forge', async () => {
    const diag =
      'campaigns/sbnd.yaml:14:7: error spec.stages[1].jobType: no JobType "g4x" [unknown-reference]';
    const plain = await fixture();
    await plain.store.recordRevision({ revision: 'bad1', valid: false, errors: [diag] });
    expect((await page(plain, '/revisions')).body).toContain(
      '<div class="diag">campaigns/sbnd.yaml:14:7',
    );
    const f = await fixture({
      browse: {
        template: 'https://github.com/sbnd/prod/blob/{revision}/{path}#L{line}',
        specPath: 'sbnd',
      },
    });
    await f.store.recordRevision({
      revision: 'bad1',
      valid: false,
      errors: [diag, 'no file here'],
    });
    const body = (await page(f, '/revisions')).body;
    expect(body).toContain(
      '<div class="diag"><a href="https://github.com/sbnd/prod/blob/bad1/sbnd/campaigns/sbnd.yaml#L14">campaigns/sbnd.yaml:14:7',
    );
    expect(body).toContain('<div class="diag">no file here</div>');
  });

  it('shows the stage table of gitpoms status, and one page of a submission with 2,490 jobs', async () => {
    const f = await fixture();
    const c = await page(f, `/campaigns/${SBND}`);
    // gen: 1 of 2 located, none failed; 2,500 jobs, 10 completed (of the located one), none
    // failed, 2,490 running.
    expect(c.body).toMatch(
      /<tr data-stage="gen"><td><a href="[^"]+">gen<\/a><\/td><td><span class="state st-active">active<\/span><\/td><td class="num">1\/2<\/td><td class="num">0<\/td><td class="num">2500<\/td><td class="num">0<\/td><td class="num">2490<\/td><td class="num">0<\/td><td class="num">10<\/td><td class="num">0<\/td><td class="num">0<\/td><td class="num">10<\/td>/,
    );
    // No catalog figures read yet: Pending and Files are unknown, not zero.
    expect(c.body).toContain('Pending and Files: the catalog has not been read yet.');
    expect(c.body).toContain('<g class="node st-active" data-stage="gen">');
    const s = await page(f, `/submission?key=${encodeURIComponent(`${SBND}/gen/mc-2#1`)}`);
    expect(s.body.match(/<tr><td><a href="\/job\?/g)).toHaveLength(100);
    expect(s.body).toContain('1–100 of 2490');
    const next = await page(
      f,
      `/submission?key=${encodeURIComponent(`${SBND}/gen/mc-2#1`)}&offset=2400`,
    );
    expect(next.body).toContain('2401–2490 of 2490');
  });

  it('shows a job that exited non-zero as failed, and failed submissions as a number of their own', async () => {
    const f = await fixture();
    const key = `${SBND}/gen/mc-2#1`;
    await f.store.setStatus(key, 'failed', 'a job exited 3');
    await f.store.recordJobs(
      [
        { id: '10.0@local', submission: key, state: 'completed', exitCode: 3 },
        { id: '11.0@local', submission: key, state: 'completed', exitCode: 0 },
      ],
      NOW.toISOString(),
    );
    const c = await page(f, `/campaigns/${SBND}`);
    // Subs 1/2, Failed subs 1; All, Idle, Running, Held; Completed 11, Failed 1.
    expect(c.body).toMatch(
      /<tr data-stage="gen">.*?<td class="num">1\/2<\/td><td class="num">1<\/td><td class="num">2500<\/td><td class="num">0<\/td><td class="num">2488<\/td><td class="num">0<\/td><td class="num">11<\/td><td class="num">1<\/td>/,
    );
    expect(c.body).toContain('>1/2 located, 1 failed</text>');
    const s = await page(f, `/submission?key=${encodeURIComponent(key)}&offset=0`);
    expect(s.body).toMatch(
      /10\.0@local<\/a><\/td><td><span class="state st-failed">failed<\/span><\/td><td class="num">3<\/td>/,
    );
    const job = async (id: string) =>
      (await page(f, `/job?key=${encodeURIComponent(key)}&id=${id}`)).body;
    expect(await job('10.0@local')).toContain('<dt>State</dt><dd>failed</dd>');
    expect(await job('11.0@local')).toContain('<dt>State</dt><dd>completed</dd>');
  });

  it('says on every page how old its data is, and when the last pass is overdue', async () => {
    const f = await fixture();
    const pages = ['/', `/campaigns/${SBND}`, '/plan', '/revisions', '/sign-in'];
    for (const url of pages)
      expect((await page(f, url)).body, url).toContain(
        '<p class="as-of small" id="as-of">No pass has observed the batch system yet.</p>',
      );
    f.status.intervalMs = 60_000;
    f.status.lastGoodPassAt = new Date(NOW.getTime() - 30_000).toISOString();
    let body = (await page(f, `/campaigns/${SBND}`)).body;
    expect(body).toContain(
      'Data as of <time datetime="2026-12-01T11:59:30.000Z">2026-12-01 11:59:30Z</time>, <span class="ago">just now</span>.',
    );
    expect(body).not.toContain('longer ago than');
    f.status.lastGoodPassAt = new Date(NOW.getTime() - 125 * 60_000).toISOString();
    for (const url of pages) {
      body = (await page(f, url)).body;
      expect(body, url).toContain('<span class="ago">2 h 5 min ago</span>');
      expect(body, url).toContain(
        '<p>The last pass that observed everything ended at 2026-12-01 09:55:00Z, 2 h 5 min ago, longer ago than the reconciler&#39;s interval of 60 s: it may have stopped, and these pages may be out of date.</p>',
      );
    }
  });

  it("shows a job's logs, tail first, read again while it runs; earlier windows stay put", async () => {
    const f = await fixture();
    const key = encodeURIComponent(`${SBND}/gen/mc-2#1`);
    const running = await page(f, `/job?key=${key}&id=2000.0%40local`);
    expect(running.status).toBe(200);
    expect(running.body).toContain('<section data-live id="job-logs" data-poll="5000">');
    expect(running.body).toContain('Characters 34465–100000 of 100000.');
    expect(running.body).toContain(
      `<a href="/job?key=${key}&id=2000.0%40local&stdoutEnd=34464">Earlier</a>`,
    );
    expect(running.body).toMatch(/x\n2000\.0@local<\/pre>/);
    expect(running.body).toContain('<pre>lar: 2000.0@local says hello on stderr\n</pre>');
    // The server's paths are not shown.
    expect(running.body).not.toMatch(/<dt>Log<\/dt>|gitpoms logs/);
    const earlier = await page(f, `/job?key=${key}&id=2000.0%40local&stdoutEnd=34464`);
    expect(earlier.body).toContain('<section data-live id="job-logs">');
    expect(earlier.body).toContain('Characters 1–34464 of 100000.');
    expect(earlier.body).toContain(`<a href="/job?key=${key}&id=2000.0%40local">Latest</a>`);
    const done = await page(
      f,
      `/job?key=${encodeURIComponent(`${SBND}/gen/mc-1#1`)}&id=5.0%40local`,
    );
    expect(done.body).toContain('<section data-live id="job-logs">');
    expect(done.body).toContain('Characters 1–');
    expect((await page(f, `/job?key=${key}&id=2000.0%40local&stdoutEnd=-1`)).status).toBe(400);
  });

  it('offers hold, release and a confirmed kill of one submission, and shows what holds it', async () => {
    const f = await fixture();
    const key = `${SBND}/gen/mc-2#1`;
    const api = `/api/submissions/${encodeURIComponent(key)}`;
    await f.store.addOverride({
      action: 'hold',
      campaign: SBND,
      stage: 'gen',
      submission: key,
      actor: 'alice',
      reason: 'bad node',
    });
    const url = `/submission?key=${encodeURIComponent(key)}`;
    const body = (await page(f, url, cookie(f.tokens['shifter-sbnd']!))).body;
    for (const a of ['hold', 'release', 'kill']) expect(body).toContain(`data-api="${api}/${a}"`);
    expect(body).toContain(
      `data-api="${api}/kill"><label>reason <input name="reason" required/></label><label><input type="checkbox" name="confirm" value="true"/> confirm`,
    );
    // Who may not act sees the button disabled, and why.
    const anonymous = (await page(f, url)).body;
    expect(anonymous).toContain(
      `data-api="${api}/kill"><button type="submit" disabled>Kill</button> <span class="small why">Sign in as a shifter of sbnd to kill.</span>`,
    );
    expect(anonymous).not.toContain('name="reason"');
    expect((await page(f, url, cookie(f.tokens['viewer-sbnd']!))).body).toMatch(
      /<span class="small why">Signed in as viewer-sbnd, viewer of sbnd: to hold takes a shifter of sbnd.<\/span>/,
    );
    expect((await page(f, url, cookie(f.tokens['shifter-dune']!))).body).toContain(
      'Signed in as shifter-dune, shifter of dune: to release takes a shifter of sbnd.',
    );
    const shows = await fixture({ viewOnly: true });
    expect((await page(shows, url, cookie(shows.tokens.admin!))).body).toContain(
      'This server only shows: act on the reconciling server or with the gitpoms CLI.',
    );
    expect(body).toContain(`<li>${key}: hold by alice since`);
    // Another submission of the stage does not show it.
    const other = (await page(f, `/submission?key=${encodeURIComponent(`${SBND}/gen/mc-1#1`)}`))
      .body;
    expect(other).not.toContain('bad node');
  });

  it("says why a job's logs cannot be read, and escapes what they say", async () => {
    const key = encodeURIComponent(`${SBND}/gen/mc-2#1`);
    const down = await fixture({
      logs: async () => {
        throw new AdapterError('slurm', 'the output file is on a node that is down', {
          retryable: true,
        });
      },
    });
    const r = await page(down, `/job?key=${key}&id=2000.0%40local`);
    expect(r.status).toBe(200);
    expect(r.body).toContain(
      '<p class="bad">cannot read the logs of job 2000.0@local now: slurm: the output file is on a node that is down</p>',
    );
    const odd = await fixture({
      logs: async () => ({ stdout: '<script>alert(1)</script>', stderr: '' }),
    });
    const o = await page(odd, `/job?key=${key}&id=2000.0%40local`);
    expect(o.body).toContain('<pre>&lt;script>alert(1)&lt;/script></pre>');
    expect(o.body).toContain('Nothing written yet.');
  });

  it('escapes what the store and the batch system say', async () => {
    const f = await fixture();
    await f.store.setStatus(`${SBND}/gen/mc-2#1`, 'failed', '<script>alert(1)</script> & "x"');
    await f.store.recordJobs(
      [
        {
          id: '9.0@local',
          submission: `${SBND}/gen/mc-2#1`,
          state: 'completed',
          exitCode: 1,
          node: '<img src=x onerror=alert(2)>',
        },
      ],
      NOW.toISOString(),
    );
    for (const url of [
      `/campaigns/${SBND}/submissions`,
      `/submission?key=${encodeURIComponent(`${SBND}/gen/mc-2#1`)}`,
      `/campaigns/${SBND}/triage`,
    ]) {
      const r = await page(f, url);
      expect(r.body, url).not.toContain('<script>alert');
      expect(r.body, url).not.toContain('<img src=x');
    }
    expect((await page(f, `/campaigns/${SBND}/submissions`)).body).toContain(
      '&lt;script>alert(1)&lt;/script> &amp; &#34;x&#34;',
    );
    expect((await page(f, `/campaigns/${SBND}/triage`)).body).toContain(
      '&lt;img src=x onerror=alert(2)>',
    );
  });

  it('answers unknown names with 404 and bad queries with 400, as pages', async () => {
    const f = await fixture();
    for (const [url, status, text] of [
      ['/campaigns/nope', 404, 'No campaign nope.'],
      [`/campaigns/${SBND}/stages/nope`, 404, `Campaign ${SBND} has no stage nope.`],
      [`/campaigns/${SBND}/submissions?stage=nope`, 404, `Campaign ${SBND} has no stage nope.`],
      ['/submission?key=nope', 404, 'No submission nope.'],
      [`/job?key=${encodeURIComponent(`${SBND}/gen/mc-2#1`)}&id=nope`, 404, 'has no job nope'],
      [`/campaigns/${SBND}/submissions?offset=-1`, 400, 'offset'],
      ['/submission', 400, 'key'],
      [`/campaigns/${SBND}/timebars?to=yesterday`, 400, 'to'],
    ] as const) {
      const r = await page(f, url);
      expect(r.status, url).toBe(status);
      expect(r.headers['content-type'], url).toBe('text/html; charset=utf-8');
      expect(r.body, url).toContain(text);
    }
  });

  it('behind tokens: a page needs one, in the header or the cookie; an action never takes the cookie', async () => {
    const f = await fixture({ readAccess: 'token' });
    const url = `/campaigns/${SBND}`;
    const no = await page(f, url);
    expect(no.status).toBe(401);
    expect(no.body).toContain('This server needs a token to read');
    expect((await page(f, url, cookie(f.tokens['viewer-sbnd']!))).status).toBe(200);
    expect(
      (await page(f, url, { authorization: `Bearer ${f.tokens['viewer-sbnd']}` })).status,
    ).toBe(200);
    // A DUNE token sees no SBND campaign.
    expect((await page(f, url, cookie(f.tokens['shifter-dune']!))).status).toBe(404);
    // A stale cookie leaves the browser signed out, with the sign-in page still open to it.
    expect((await page(f, url, cookie(f.tokens.expired!))).status).toBe(401);
    expect((await page(f, '/sign-in', cookie(f.tokens.expired!))).status).toBe(200);
    expect((await page(f, '/sign-in', { cookie: `${TOKEN_COOKIE}=%E0%A4%A` })).status).toBe(200);
    expect((await page(f, '/revisions', cookie(f.tokens['viewer-sbnd']!))).status).toBe(403);
    expect((await page(f, '/revisions', cookie(f.tokens.admin!))).status).toBe(200);
    // A page of another site posting with the browser's cookie is refused: no ambient authority.
    const forged = await f.app.inject({
      method: 'POST',
      url: `/api/campaigns/${SBND}/hold`,
      headers: { 'content-type': 'application/json', ...cookie(f.tokens['shifter-sbnd']!) },
      payload: JSON.stringify({ reason: 'forged' }),
    });
    expect(forged.statusCode).toBe(401);
    expect(await f.store.activeOverrides(NOW, 'rev1')).toEqual([]);
  });

  it('shows the launch switch and holds on the overview and the campaign page', async () => {
    const f = await fixture();
    expect((await page(f, '/')).body).toContain('every campaign may launch');
    await f.store.addOverride({
      action: 'hold-launches',
      campaign: '*',
      actor: 'admin',
      reason: 'jobsub upgrade',
    });
    await f.store.addOverride({
      action: 'hold',
      campaign: SBND,
      stage: 'g4',
      actor: 'alice',
      reason: 'dCache outage',
      revision: 'rev1',
    });
    const o = (await page(f, '/')).body;
    expect(o).toContain('<span class="state st-held">held</span> <span>held by admin since');
    expect(o).toContain(': jobsub upgrade</span>');
    const c = (await page(f, `/campaigns/${SBND}`)).body;
    expect(c).toMatch(
      /<tr data-stage="g4">.*hold by alice since [^<]*: dCache outage<\/div><\/td><\/tr>/,
    );
  });

  it('downloads per-stage daily statistics as CSV', async () => {
    const f = await fixture();
    const r = await f.app.inject({ method: 'GET', url: `/campaigns/${SBND}/stats.csv` });
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${SBND}-daily.csv"`);
    const lines = r.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'day,stage,submissions launched,submissions located,jobs succeeded,jobs failed,cpu hours,wall hours,cpu efficiency %',
    );
    // Two gen submissions launched today, one located; no job has ended.
    expect(lines.slice(1)).toEqual(['2026-12-01,gen,2,1,0,0,0.000,0.000,']);
  });
});
