// What a server behind tokens lets out, and what one request may cost it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  apps,
  bearer,
  fixture,
  get,
  post,
  SBND,
  stateOf,
  type Fixture,
} from '../../test/helpers/server-fixture.js';
import { tokenIdOf } from '../engine/tokens.js';
import type { ProbeResult } from '../engine/probes.js';
import { WindowCounter } from './access.js';

const execFileAsync = promisify(execFile);

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

const probes = {
  results: (): Record<string, ProbeResult> => ({
    'sam-sbnd': { status: 'failed', detail: 'HTTP 502 from samweb', at: '2026-12-01T12:00:00Z' },
    'dcache-sbnd': { status: 'good', detail: 'exit 0', at: '2026-12-01T12:00:00Z' },
  }),
};

/** A token's text with the `i`th wrong secret (same id). */
function wrongSecret(t: string, i = 0): string {
  const w = `${t.slice(0, -5)}W${String(i).padStart(4, '0')}`;
  return w === t ? `${t.slice(0, -5)}X${String(i).padStart(4, '0')}` : w;
}

describe('readAccess: token hides everything from an anonymous client but health', () => {
  it('answers /healthz, the status code of /readyz and the sign-in page only', async () => {
    const f = await fixture({ readAccess: 'token', probes, metrics: {} });
    f.status.failures = 2;
    f.status.lastError = 'condor_q failed on sbndgpvm01: sbnd-reco2 /pnfs/sbnd/reco2';
    f.status.sourceError = 'cannot fetch https://forge/sbnd/campaigns';
    expect((await get(f, '/healthz')).status).toBe(200);
    expect(await get(f, '/readyz')).toEqual({ status: 503, body: { ready: false } });
    for (const url of ['/api/status', '/api/services', '/api/campaigns', '/api/plan', '/metrics'])
      expect((await get(f, url)).status, url).toBe(401);
    const page = await f.app.inject({ url: '/sign-in' });
    expect(page.statusCode).toBe(200);
    for (const leak of ['condor_q', 'forge', 'samweb', 'No valid revision', 'failed'])
      expect(page.body, leak).not.toContain(leak);
    const error = await f.app.inject({ url: '/campaigns/nope' });
    expect(error.statusCode).toBe(401);
    for (const leak of ['condor_q', 'forge', 'samweb']) expect(error.body).not.toContain(leak);
  });

  it("a token of another experiment hears nothing of this one's services, errors or diagnostics", async () => {
    const f = await fixture({ readAccess: 'token', probes });
    f.status.failures = 1;
    f.status.lastError = 'condor_q failed: sbnd-reco2';
    f.status.latest = { revision: 'abc123', valid: false, errors: ['campaigns/sbnd/x.yaml:3 bad'] };
    const dune = f.tokens['shifter-dune'];
    expect((await get(f, '/api/services', dune)).body).toEqual({ items: {} });
    expect(
      Object.keys((await get(f, '/api/services', f.tokens['viewer-sbnd'])).body.items!),
    ).toEqual(['sam-sbnd', 'dcache-sbnd']);
    const status = await get(f, '/api/status', dune);
    expect(status.body).toEqual({
      source: 'test',
      passes: 7,
      failures: 1,
      latest: { revision: 'abc123', valid: false },
      services: {},
    });
    expect(await get(f, '/readyz', dune)).toEqual({ status: 503, body: { ready: false } });
    // An admin sees it all.
    expect((await get(f, '/api/status', f.tokens.admin)).body).toMatchObject({
      lastError: 'condor_q failed: sbnd-reco2',
      latest: { errors: ['campaigns/sbnd/x.yaml:3 bad'] },
    });
    expect((await get(f, '/readyz', f.tokens.admin)).body).toMatchObject({
      error: 'condor_q failed: sbnd-reco2',
    });
    const overview = await f.app.inject({ url: '/', headers: bearer(dune) });
    expect(overview.statusCode).toBe(200);
    for (const leak of ['sam-sbnd', 'samweb', 'condor_q', 'sbnd-reco2'])
      expect(overview.body, leak).not.toContain(leak);
    const sbnd = await f.app.inject({ url: '/', headers: bearer(f.tokens['viewer-sbnd']) });
    expect(sbnd.body).toContain('sam-sbnd');
  });

  it('/metrics takes the scrape token or an admin token, and no other', async () => {
    const f = await fixture({ readAccess: 'token', metrics: { token: 'scrape-me-0123456789' } });
    expect(
      (await f.app.inject({ url: '/metrics', headers: bearer('scrape-me-0123456789') })).statusCode,
    ).toBe(200);
    expect(
      (await f.app.inject({ url: '/metrics', headers: bearer(f.tokens.admin) })).statusCode,
    ).toBe(200);
    for (const t of ['viewer-sbnd', 'production-sbnd'])
      expect(
        (await f.app.inject({ url: '/metrics', headers: bearer(f.tokens[t]) })).statusCode,
        t,
      ).toBe(401);
    expect(
      (await f.app.inject({ url: '/metrics', headers: bearer('scrape-me-012345678') })).statusCode,
    ).toBe(401);
    // The scrape token opens /metrics only.
    expect((await get(f, '/api/campaigns', 'scrape-me-0123456789')).status).toBe(401);
    // Open reads: /metrics is open, as before.
    const open = await fixture({ metrics: {} });
    expect((await open.app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('an action on a campaign a token may not read answers as one that does not exist', async () => {
    const f = await fixture({ readAccess: 'token' });
    const t = f.tokens['shifter-dune'];
    const hidden = await post(f, `/api/campaigns/${SBND}/hold`, { reason: 'x' }, t);
    const missing = await post(f, '/api/campaigns/nope/hold', { reason: 'x' }, t);
    expect(hidden).toEqual({ status: 404, body: { error: `no campaign ${SBND}` } });
    expect(missing).toEqual({ status: 404, body: { error: 'no campaign nope' } });
    // A reader of sbnd without the role is told why.
    expect(
      (await post(f, `/api/campaigns/${SBND}/hold`, { reason: 'x' }, f.tokens['viewer-sbnd']))
        .status,
    ).toBe(403);
  });
});

describe('authentication comes first, and costs the event loop nothing', () => {
  it('an anonymous action is a 401 whatever its body holds', async () => {
    const f = await fixture();
    expect(await post(f, `/api/campaigns/${SBND}/kill`, '{"reason": ')).toMatchObject({
      status: 401,
    });
    expect(await post(f, `/api/campaigns/${SBND}/kill`, { colour: 'red' })).toMatchObject({
      status: 401,
      body: { error: 'kill needs a token: Authorization: Bearer TOKEN' },
    });
  });

  it('refuses a body whose types are wrong rather than coercing them; changes nothing', async () => {
    const f = await fixture();
    const t = f.tokens['shifter-sbnd'];
    const before = await stateOf(f.store);
    for (const [body, field] of [
      [{ reason: 'x', confirm: 'true' }, 'body/confirm must be boolean'],
      [{ reason: 'x', confirm: 1 }, 'body/confirm must be boolean'],
      [{ reason: 'x', stage: ['gen'] }, 'body/stage must be string'],
      [{ reason: 7 }, 'body/reason must be string'],
    ] as const) {
      const r = await post(
        f,
        `/api/campaigns/${SBND}/${'confirm' in body ? 'kill' : 'hold'}`,
        body,
        t,
      );
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toContain(field);
    }
    expect(await stateOf(f.store)).toEqual(before);
    // A query string is text: its numbers are still read as numbers.
    expect((await get(f, '/api/submissions?limit=1')).body).toMatchObject({ limit: 1 });
  });

  it("anonymous requests from the proxy's address do not use up a token holder's actions", async () => {
    const f = await fixture({
      actionsPerMinute: 5,
      trustedProxy: { addresses: ['10.0.0.1'], users: {} },
    });
    const from = (xff: string | undefined, token?: string) =>
      f.app.inject({
        method: 'POST',
        url: `/api/campaigns/${SBND}/hold`,
        remoteAddress: '10.0.0.1',
        headers: {
          'content-type': 'application/json',
          ...(xff ? { 'x-forwarded-for': xff } : {}),
          ...bearer(token),
        },
        payload: JSON.stringify({ reason: 'dCache outage' }),
      });
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) codes.push((await from('192.0.2.7')).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 401, 429, 429]);
    // Another client behind the same proxy, and a token holder, are not limited by it.
    expect((await from('192.0.2.8')).statusCode).toBe(401);
    expect((await from('192.0.2.7', f.tokens['shifter-sbnd'])).statusCode).toBe(201);
    // A forwarded-for header from anywhere but the proxy is not believed: this client is keyed
    // on its own address, not on the limited one it names.
    const direct = await f.app.inject({
      method: 'POST',
      url: `/api/campaigns/${SBND}/hold`,
      remoteAddress: '198.51.100.9',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.7' },
      payload: '{}',
    });
    expect(direct.statusCode).toBe(401);
  });

  it('wrong secrets for a known token id are hashed off the event loop, a few a minute; /healthz stays fast', async () => {
    const f = await fixture();
    const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
    // Each a new guess (a guess already refused is answered from memory, with no hash), sent by
    // another process, so that only the server's work is on this event loop.
    const guesses = Array.from({ length: 100 }, (_, i) => wrongSecret(f.tokens.admin!, i));
    const attacker = execFileAsync(process.execPath, [
      '--input-type=module',
      '-e',
      `const [base, ...g] = process.argv.slice(1);
       const codes = await Promise.all(g.map((t) =>
         fetch(base + '/api/whoami', { headers: { authorization: 'Bearer ' + t } }).then((r) => r.status)));
       console.log(JSON.stringify(codes));`,
      base,
      ...guesses,
    ]);
    await fetch(`${base}/healthz`);
    await vi.waitFor(() => expect(f.logged.length).toBeGreaterThan(0), { interval: 1 });
    const health: number[] = [];
    while (f.logged.length < 100 && health.length < 500) {
      const t0 = performance.now();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      health.push(performance.now() - t0);
    }
    const codes = JSON.parse((await attacker).stdout) as number[];
    expect(health.length).toBeGreaterThan(0);
    expect(codes.filter((c) => c === 401)).toHaveLength(10);
    expect(codes.filter((c) => c === 429)).toHaveLength(90);
    expect(Math.max(...health), health.join(', ')).toBeLessThan(100);
    // The id is limited, not the secret: its holder, not yet checked by this server, waits out
    // the minute too (the secret is 256 bits; the limit bounds the hashing, not guessing).
    const right = await fetch(`${base}/api/whoami`, { headers: bearer(f.tokens.admin) });
    expect(right.status).toBe(429);
    expect(((await right.json()) as { error: string }).error).toMatch(
      /^credential refused: too many attempts with token [0-9a-f]{16} this minute; wait and try again$/,
    );
    expect(f.logged.filter(([m]) => m === 'api credential refused')).toHaveLength(101);
    expect(JSON.stringify(f.logged)).toContain(tokenIdOf(f.tokens.admin!)!);
  });

  it('counts hashes per client across token ids', async () => {
    const f = await fixture();
    const ids = ['viewer-sbnd', 'shifter-sbnd', 'shifter-dune', 'production-sbnd', 'admin'];
    const codes: number[] = [];
    for (const id of ids)
      for (let i = 0; i < 8; i++)
        codes.push((await get(f, '/api/whoami', wrongSecret(f.tokens[id]!, i))).status);
    expect(codes.filter((c) => c === 401)).toHaveLength(30);
    expect(codes.filter((c) => c === 429)).toHaveLength(10);
  });

  it('a window counter forgets a key when its minute is over', () => {
    const w = new WindowCounter(2, 1000);
    expect([w.take('a', 0), w.take('a', 10), w.take('a', 20), w.take('b', 20)]).toEqual([
      true,
      true,
      false,
      true,
    ]);
    expect(w.take('a', 1000)).toBe(true);
  });
});

async function openStream(f: Fixture, base: string, token: string) {
  const res = await fetch(`${base}/api/events`, { headers: bearer(token) });
  let text = '';
  let ended = false;
  const reader = res.body!.getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) {
        ended = true;
        return;
      }
      text += new TextDecoder().decode(value);
    }
  })();
  await vi.waitFor(() => expect(text).toContain(': gitpoms events'));
  return { text: () => text, ended: () => ended };
}

describe('an open event stream follows its token', () => {
  it('is closed, and hears nothing more, once its token is revoked', async () => {
    const f = await fixture({ readAccess: 'token' });
    const base = await f.app.listen({ host: '127.0.0.1', port: 0 });
    const s = await openStream(f, base, f.tokens['viewer-sbnd']!);
    const kept = await openStream(f, base, f.tokens.admin!);
    await vi.waitFor(() => expect(f.events.size).toBe(2));
    await f.store.revokeToken(tokenIdOf(f.tokens['viewer-sbnd']!)!);
    f.events.publish({ kind: 'pass-failed', pass: 8, error: 'after the revocation' });
    await vi.waitFor(() => expect(s.ended()).toBe(true));
    await vi.waitFor(() => expect(kept.text()).toContain('after the revocation'));
    expect(s.text()).not.toContain('after the revocation');
    expect(f.events.size).toBe(1);
  });
});
