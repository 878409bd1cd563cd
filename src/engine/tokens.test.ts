import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../test/fakes/memory-store.js';
import { createToken, tokenSecret, TokenVerifier } from './tokens.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const later = (s: number) => new Date(NOW.getTime() + s * 1000);

describe('API tokens', () => {
  it('are shown once and kept only as a salted hash', async () => {
    const store = new MemoryStore();
    const { text, token } = await createToken(
      store,
      { name: 'alice', role: 'shifter', experiments: ['sbnd', 'sbnd'], createdBy: 'root' },
      NOW,
    );
    expect(text).toMatch(/^gpt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(token).toMatchObject({ name: 'alice', role: 'shifter', experiments: ['sbnd'] });
    const secret = tokenSecret(text)!;
    expect(secret).toHaveLength(43);
    const stored = JSON.stringify(await store.tokens());
    expect(stored).not.toContain(secret);
    expect(token.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(token.salt).toMatch(/^[0-9a-f]{32}$/);
  });

  it('authenticate with their secret only, until revoked or expired', async () => {
    const store = new MemoryStore();
    const { text, token } = await createToken(
      store,
      { name: 'bob', role: 'production', experiments: ['dune'], expires: '1h', createdBy: 'root' },
      NOW,
    );
    const v = new TokenVerifier(store);
    expect(await v.authenticate(text, NOW)).toEqual({
      ok: true,
      principal: { name: 'bob', role: 'production', experiments: ['dune'], tokenId: token.id },
    });
    // Checked again from the store's record (not the secret's earlier check).
    expect((await v.authenticate(text, NOW)).ok).toBe(true);
    const wrong = `${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`;
    expect(await v.authenticate(wrong, NOW)).toMatchObject({ ok: false, reason: 'wrong secret' });
    expect(await v.authenticate('gpt_0000000000000000_' + 'a'.repeat(43), NOW)).toMatchObject({
      ok: false,
      reason: 'unknown token',
    });
    expect(await v.authenticate('Bearer nonsense', NOW)).toMatchObject({
      ok: false,
      reason: 'not a gitpoms token',
    });
    expect(await v.authenticate(text, later(3600))).toMatchObject({
      ok: false,
      reason: 'token expired',
    });
    expect(await store.revokeToken(token.id)).toBe(true);
    expect(await v.authenticate(text, NOW)).toMatchObject({ ok: false, reason: 'token revoked' });
  });

  it('refuse a role that does not exist, a non-admin without experiments, a bad duration', async () => {
    const store = new MemoryStore();
    const make = (over: object) =>
      createToken(
        store,
        { name: 'x', role: 'shifter', experiments: ['sbnd'], createdBy: 'root', ...over },
        NOW,
      );
    await expect(make({ role: 'superuser' })).rejects.toThrow(
      'role superuser: one of viewer, shifter, production, admin',
    );
    await expect(make({ experiments: [] })).rejects.toThrow(
      'a shifter token needs the experiment(s) it holds for',
    );
    await expect(make({ expires: 'soon' })).rejects.toThrow('expires soon: a duration');
    // Past any date a clock can hold: refused, not a RangeError from toISOString.
    await expect(make({ expires: '99999999999w' })).rejects.toThrow(
      'expires 99999999999w: a duration such as 12h, 30d or 1w, of at most a year (366d)',
    );
    await expect(make({ name: ' ' })).rejects.toThrow('a token needs a name');
    expect(await store.tokens()).toEqual([]);
    // An admin holds for every experiment: none are listed.
    const admin = await make({ role: 'admin', experiments: ['sbnd'] });
    expect(admin.token.experiments).toEqual([]);
  });
});
