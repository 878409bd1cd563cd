import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ReconcilerStatus } from '../engine/loop.js';
import { buildServer } from './index.js';

const SECRET = 'hook-secret';

function server(opts: { secret?: string; bodyLimit?: number; perMinute?: number } = {}) {
  const triggers: string[] = [];
  const status: ReconcilerStatus = { source: 'test', passes: 0, failures: 0 };
  const app = buildServer({
    reconciler: { trigger: (why) => triggers.push(why), status: () => status },
    branch: 'main',
    webhookSecret: 'secret' in opts ? opts.secret : SECRET,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.perMinute ? { webhooksPerMinute: opts.perMinute } : {}),
  });
  return { app, triggers, status };
}

const push = (ref: string) => JSON.stringify({ ref });
const post = (
  app: ReturnType<typeof buildServer>,
  headers: Record<string, string>,
  payload: string,
) => app.inject({ method: 'POST', url: '/hooks/git', headers, payload });
const github = (payload: string, secret = SECRET) => ({
  'content-type': 'application/json',
  'x-github-event': 'push',
  'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`,
});

describe('gitpoms serve: HTTP endpoints', () => {
  it('a signed push to the followed branch triggers a pass', async () => {
    const { app, triggers } = server();
    const payload = push('refs/heads/main');
    const r = await post(app, github(payload), payload);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ ok: true, triggered: true });
    expect(triggers).toEqual(['github push to refs/heads/main']);
  });

  it('a storm of webhooks is refused with 429 past the limit, signed or not', async () => {
    const { app, triggers } = server({ perMinute: 5 });
    const payload = push('refs/heads/main');
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await post(app, github(payload), payload)).statusCode);
    codes.push((await post(app, { 'content-type': 'application/json' }, payload)).statusCode);
    for (let i = 0; i < 3; i++) codes.push((await post(app, github(payload), payload)).statusCode);
    expect(codes).toEqual([202, 202, 202, 202, 401, 429, 429, 429]);
    expect(triggers).toHaveLength(4);
    // Health and status are not limited.
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it.each([
    ['GitHub', 'x-github-delivery'],
    ['Gitea', 'x-gitea-delivery'],
    ['GitLab', 'x-gitlab-event-uuid'],
  ])('a %s delivery replayed is answered "already seen" and starts no pass', async (n, h) => {
    const { app, triggers } = server();
    const payload = push('refs/heads/main');
    const signed: Record<string, string> =
      n === 'GitHub'
        ? github(payload)
        : n === 'Gitea'
          ? {
              'x-gitea-event': 'push',
              'x-gitea-signature': createHmac('sha256', SECRET).update(payload).digest('hex'),
            }
          : { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET };
    const once = { ...signed, 'content-type': 'application/json', [h]: 'd-1' };
    expect((await post(app, once, payload)).statusCode).toBe(202);
    const again = await post(app, once, payload);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ ok: true, triggered: false, seen: 'already seen' });
    // Another delivery of the same push (a new id) is a new event.
    expect((await post(app, { ...once, [h]: 'd-2' }, payload)).statusCode).toBe(202);
    expect(triggers).toHaveLength(2);
  });

  it('a signed push to another branch is accepted and ignored', async () => {
    const { app, triggers } = server();
    const payload = push('refs/heads/feature');
    const r = await post(app, github(payload), payload);
    expect(r.statusCode).toBe(202);
    expect(triggers).toEqual([]);
  });

  it.each([
    ['a bad signature', github(push('refs/heads/main'), 'wrong')],
    ['no signature', { 'content-type': 'application/json' }],
    ['no signature, form-encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('%s: 401 and nothing triggered', async (_n, headers) => {
    const { app, triggers } = server();
    const r = await post(app, headers, push('refs/heads/main'));
    expect(r.statusCode).toBe(401);
    expect(triggers).toEqual([]);
  });

  it('without a configured secret every webhook is refused', async () => {
    const { app, triggers } = server({ secret: undefined });
    const payload = push('refs/heads/main');
    const r = await post(app, github(payload), payload);
    expect(r.statusCode).toBe(401);
    expect(triggers).toEqual([]);
  });

  it('a huge body is refused with 413 before it is read', async () => {
    const { app, triggers } = server({ bodyLimit: 1024 });
    const payload = JSON.stringify({ ref: 'refs/heads/main', pad: 'x'.repeat(4096) });
    const r = await post(app, github(payload), payload);
    expect(r.statusCode).toBe(413);
    expect(triggers).toEqual([]);
  });

  it('health, readiness and status', async () => {
    const { app, status } = server();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(503);
    status.applied = { revision: 'abc', at: '2026-11-25T12:00:00Z' };
    expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200);
    status.failures = 2;
    status.lastError = 'the batch system does not answer';
    const r = await app.inject({ url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ ready: false, error: 'the batch system does not answer' });
    expect((await app.inject({ url: '/api/status' })).json()).toMatchObject({
      applied: { revision: 'abc' },
      failures: 2,
      services: {},
    });
  });
});
