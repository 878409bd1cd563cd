// The attack on `gitpoms serve` that found issue 25's defects, kept so they stay fixed:
// credentials × every mutating route, wrong body types × every mutating route, and reads of
// every route by another experiment's token and by nobody, behind `readAccess: token`. Bounded
// in count; each family's size is in the README's security section. Slow authentications
// against /healthz, revoked event streams and webhook replays are in src/server/access.test.ts
// and src/server/index.test.ts; an invalid revision's access in test/e2e/serve-invalid-config.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenIdOf } from '../../src/engine/tokens.js';
import { apps, fixture, SBND, stateOf, type Fixture } from '../helpers/server-fixture.js';

afterEach(async () => {
  while (apps.length) await apps.pop()!.close();
});

const KEY = encodeURIComponent(`${SBND}/gen/mc-1#1`);

const MUTATING: Array<{ url: string; body: Record<string, unknown> }> = [
  { url: `/api/campaigns/${SBND}/hold`, body: { stage: 'g4', reason: 'r' } },
  { url: `/api/campaigns/${SBND}/release`, body: { stage: 'g4', reason: 'r' } },
  { url: `/api/campaigns/${SBND}/kill`, body: { reason: 'r', confirm: true } },
  { url: `/api/campaigns/${SBND}/launch-now`, body: { stage: 'gen' } },
  { url: `/api/campaigns/${SBND}/prune`, body: { reason: 'r', confirm: true } },
  {
    url: '/api/campaigns/sbnd-reco2/stages/reco2/split-reset',
    body: { reason: 'r', confirm: true },
  },
  { url: '/api/launches/hold', body: { reason: 'r' } },
  { url: '/api/launches/allow', body: { reason: 'r' } },
];

/** Credentials that must never act: each a set of headers. */
function badCredentials(f: Fixture): Array<[string, Record<string, string>]> {
  const admin = f.tokens.admin!;
  const id = tokenIdOf(admin)!;
  return [
    ['none', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['lower-case scheme', { authorization: `bearer ${admin}` }],
    ['basic', { authorization: `Basic ${Buffer.from(`x:${admin}`).toString('base64')}` }],
    ['two tokens', { authorization: `Bearer ${admin} ${admin}` }],
    ['unknown id', { authorization: `Bearer gpt_${'0'.repeat(16)}_${'a'.repeat(43)}` }],
    ['wrong secret', { authorization: `Bearer gpt_${id}_${'b'.repeat(43)}` }],
    ['short secret', { authorization: `Bearer gpt_${id}_abc` }],
    ['expired', { authorization: `Bearer ${f.tokens.expired}` }],
    ['cookie only', { cookie: `gitpoms_token=${encodeURIComponent(admin)}` }],
    ['proxy header, no proxy', { 'x-shib-userid': 'admin', 'x-gitpoms-action': '1' }],
    ['forwarded-for', { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' }],
  ];
}

const BAD_BODIES: Array<Record<string, unknown> | string> = [
  { reason: 'r', confirm: 'true' },
  { reason: 'r', confirm: 1 },
  { reason: 'r', confirm: null },
  { reason: 'r', confirm: [true] },
  { reason: 'r', stage: ['gen'] },
  { reason: 'r', stage: 7 },
  { reason: 'r', stage: { name: 'gen' } },
  { reason: ['r'] },
  { reason: 7 },
  { reason: 'r', for: 2 },
  { reason: 'r', for: '99999999999w' },
  { reason: 'r', extra: 'x' },
  '{"reason": ',
  '[]',
  '"hold"',
];

describe('serve under attack (readAccess: token)', () => {
  it('no bad credential takes any action, and nothing changes', async () => {
    const f = await fixture({ readAccess: 'token', actionsPerMinute: 1000 });
    const before = await stateOf(f.store);
    let cases = 0;
    for (const [name, headers] of badCredentials(f))
      for (const r of MUTATING) {
        const res = await f.app.inject({
          method: 'POST',
          url: r.url,
          headers: { 'content-type': 'application/json', ...headers },
          payload: JSON.stringify(r.body),
        });
        expect([401, 429], `${name} ${r.url}: ${res.body}`).toContain(res.statusCode);
        cases++;
      }
    expect(cases).toBe(12 * 8);
    expect(await stateOf(f.store)).toEqual(before);
    expect(f.trigger).not.toHaveBeenCalled();
  });

  it('no body of a wrong type is coerced into an action, and nothing changes', async () => {
    const f = await fixture({ readAccess: 'token', actionsPerMinute: 1000 });
    const before = await stateOf(f.store);
    for (const body of BAD_BODIES)
      for (const r of MUTATING) {
        const res = await f.app.inject({
          method: 'POST',
          url: r.url,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${f.tokens.admin}`,
          },
          payload: typeof body === 'string' ? body : JSON.stringify(body),
        });
        expect(res.statusCode, `${JSON.stringify(body)} ${r.url}: ${res.body}`).toBe(400);
      }
    expect(await stateOf(f.store)).toEqual(before);
    expect(f.trigger).not.toHaveBeenCalled();
  });

  const READS = [
    '/api/campaigns',
    `/api/campaigns/${SBND}`,
    `/api/campaigns/${SBND}/statistics`,
    '/api/submissions',
    `/api/submissions/${KEY}`,
    `/api/submissions/${KEY}/explain`,
    `/api/jobs?submission=${KEY}`,
    '/api/jobs',
    '/api/overrides',
    '/api/plan',
    '/api/services',
    '/api/status',
    '/api/audit',
    '/api/revisions',
    '/api/launches',
    '/readyz',
    '/',
    `/campaigns/${SBND}`,
    `/campaigns/${SBND}/stages/gen`,
    `/campaigns/${SBND}/submissions`,
    `/campaigns/${SBND}/triage`,
    `/campaigns/${SBND}/timebars`,
    `/campaigns/${SBND}/stats.csv`,
    `/submission?key=${KEY}`,
    `/job?key=${KEY}&id=0.0@local`,
    '/plan',
    '/revisions',
    '/sign-in',
  ];

  it("no route tells another experiment's token, or nobody, of an SBND campaign", async () => {
    const f = await fixture({
      readAccess: 'token',
      probes: {
        results: () => ({
          'sam-sbnd': { status: 'failed', detail: 'samweb 502', at: '2026-12-01T12:00:00Z' },
        }),
      },
    });
    f.status.failures = 1;
    f.status.lastError = `condor_q failed for ${SBND}`;
    // An override of SBND's, so that the plan, the audit and the overrides have one to leak.
    await f.app.inject({
      method: 'POST',
      url: `/api/campaigns/${SBND}/hold`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${f.tokens.admin}` },
      payload: JSON.stringify({ stage: 'g4', reason: 'dCache outage' }),
    });
    const admin = await f.app.inject({
      url: `/campaigns/${SBND}`,
      headers: { authorization: `Bearer ${f.tokens.admin}` },
    });
    expect(admin.body).toContain(SBND);
    const dune = { authorization: `Bearer ${f.tokens['shifter-dune']}` };
    for (const url of READS) {
      // A route naming SBND's campaign answers as it does for a campaign that does not exist.
      const hidden = await f.app.inject({ url, headers: dune });
      const missing = await f.app.inject({
        url: url.replaceAll(SBND, 'nope-campaign'),
        headers: dune,
      });
      expect(hidden.statusCode, url).toBe(missing.statusCode);
      expect(hidden.body.replaceAll(SBND, 'X'), url).toBe(
        missing.body.replaceAll('nope-campaign', 'X'),
      );
      if (!url.includes(SBND)) expect(hidden.body, url).not.toContain(SBND);
      const nobody = await f.app.inject({ url });
      if (url !== '/sign-in' && url !== '/readyz') expect(nobody.statusCode, url).toBe(401);
      if (!url.includes(SBND)) expect(nobody.body, url).not.toContain(SBND);
      for (const leak of ['samweb', 'sam-sbnd', 'condor_q']) {
        expect(hidden.body, `dune ${url}`).not.toContain(leak);
        expect(nobody.body, `nobody ${url}`).not.toContain(leak);
      }
    }
  });

  it('no other method, and no spelling of an action route, acts without a credential that may', async () => {
    const f = await fixture({ readAccess: 'token', actionsPerMinute: 10_000 });
    await f.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (f.app.server.address() as AddressInfo).port;
    const before = await stateOf(f.store);
    /** A request sent as written: no client tidies its path. */
    const raw = (method: string, path: string, headers: Record<string, string>, body?: string) =>
      new Promise<number>((resolve, reject) => {
        const r = request(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            headers: {
              'x-gitpoms-action': '1',
              ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
              ...headers,
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          },
        );
        r.on('error', reject);
        r.end(body);
      });
    const json = { 'content-type': 'application/json' };
    const admin = { authorization: `Bearer ${f.tokens.admin}` };
    const dune = { authorization: `Bearer ${f.tokens['shifter-dune']}` };
    let cases = 0;
    for (const r of MUTATING) {
      const body = JSON.stringify(r.body);
      // Another method on the route, even an admin's and with a method override header: never an action.
      for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) {
        const status = await raw(
          method,
          r.url,
          { ...json, ...admin, 'x-http-method-override': 'POST' },
          method === 'GET' || method === 'HEAD' ? undefined : body,
        );
        expect([401, 404, 405], `${method} ${r.url}`).toContain(status);
        cases++;
      }
      const tail = r.url.slice('/api/'.length);
      const spellings = [
        `${r.url}/`,
        `/api//${tail}`,
        `/API/${tail}`,
        `/api/./${tail}`,
        `/api/%2e/${tail}`,
        `/hooks/../api/${tail}`,
        `/hooks/%2e%2e/api/${tail}`,
        `/hooks/..%2fapi/${tail}`,
        `${r.url}%00`,
        `${r.url};x=1`,
        `${r.url}?stage=gen&confirm=true`,
        `${r.url.replaceAll('/', '%2f').replace('%2fapi', '/api')}`,
      ];
      for (const path of spellings)
        for (const [who, headers] of [
          ['nobody', {}],
          ['dune', dune],
        ] as const) {
          const status = await raw('POST', path, { ...json, ...headers }, body);
          expect(status, `${who} POST ${path}`).toBeGreaterThanOrEqual(400);
          expect(status, `${who} POST ${path}`).toBeLessThan(500);
          cases++;
        }
    }
    expect(cases).toBe(MUTATING.length * (6 + 12 * 2));
    expect(await stateOf(f.store)).toEqual(before);
    expect(f.trigger).not.toHaveBeenCalled();
  });
});
