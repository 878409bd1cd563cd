import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeliveryMemory, isPushTo, verifyWebhook } from './webhooks.js';

const SECRET = 'It5-a-s3cret';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'abc' }));
const hmac = (b: Buffer, secret = SECRET) => createHmac('sha256', secret).update(b).digest('hex');

describe('push webhook verification', () => {
  it.each([
    [
      'GitHub',
      { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(body)}` },
      'github',
    ],
    ['Gitea', { 'x-gitea-event': 'push', 'x-gitea-signature': hmac(body) }, 'gitea'],
    ['Forgejo', { 'x-forgejo-event': 'push', 'x-forgejo-signature': hmac(body) }, 'gitea'],
    ['GitLab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, 'gitlab'],
  ])('accepts a correctly signed %s push to the branch', (_n, headers, provider) => {
    const v = verifyWebhook(headers, body, SECRET);
    expect(v).toMatchObject({ ok: true, provider, ref: 'refs/heads/main' });
    expect(v.ok && isPushTo(v, 'main')).toBe(true);
    expect(v.ok && isPushTo(v, 'production')).toBe(false);
  });

  it.each([
    ['unsigned', {}, 'unsigned request'],
    [
      'GitHub, wrong secret',
      { 'x-hub-signature-256': `sha256=${hmac(body, 'other')}` },
      'bad GitHub signature',
    ],
    ['GitHub, sha1 only', { 'x-hub-signature': `sha1=${'0'.repeat(40)}` }, 'unsigned request'],
    ['GitHub, no prefix', { 'x-hub-signature-256': hmac(body) }, 'bad GitHub signature'],
    [
      'GitHub, truncated',
      { 'x-hub-signature-256': `sha256=${hmac(body).slice(0, 10)}` },
      'bad GitHub signature',
    ],
    [
      'Gitea, signature of another body',
      { 'x-gitea-signature': hmac(Buffer.from('{}')) },
      'bad Gitea signature',
    ],
    ['GitLab, wrong token', { 'x-gitlab-token': 'guess' }, 'bad GitLab token'],
  ])('refuses %s with 401', (_n, headers, reason) => {
    expect(verifyWebhook(headers, body, SECRET)).toEqual({ ok: false, status: 401, reason });
  });

  it('refuses everything when no secret is configured', () => {
    const v = verifyWebhook({ 'x-gitlab-token': '' }, body, undefined);
    expect(v).toMatchObject({ ok: false, status: 401 });
  });

  it('checks the signature before reading the body', () => {
    const junk = Buffer.from('not json');
    expect(verifyWebhook({ 'x-gitea-signature': 'ff' }, junk, SECRET)).toMatchObject({
      status: 401,
    });
    expect(verifyWebhook({ 'x-gitea-signature': hmac(junk) }, junk, SECRET)).toMatchObject({
      status: 400,
    });
  });

  it('a signed ping or a tag push is not a push to the branch', () => {
    const tag = Buffer.from(JSON.stringify({ ref: 'refs/tags/v1' }));
    const v = verifyWebhook(
      { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmac(tag)}` },
      tag,
      SECRET,
    );
    expect(v.ok && isPushTo(v, 'main')).toBe(false);
    const ping = verifyWebhook(
      { 'x-github-event': 'ping', 'x-hub-signature-256': `sha256=${hmac(body)}` },
      body,
      SECRET,
    );
    expect(ping.ok && isPushTo(ping, 'main')).toBe(false);
  });
});

describe('delivery memory', () => {
  it('remembers a delivery for a day, and at most its bound of them, the oldest forgotten first', () => {
    const m = new DeliveryMemory(1000, 3);
    expect(m.first('a', 0)).toBe(true);
    expect(m.first('a', 999)).toBe(false);
    expect(m.first('a', 1000)).toBe(true);
    for (const id of ['b', 'c', 'd']) expect(m.first(id, 1001)).toBe(true);
    // Four ids against a bound of three: "a", the oldest, is forgotten.
    expect(m.first('b', 1002)).toBe(false);
    expect(m.first('a', 1002)).toBe(true);
  });
});
