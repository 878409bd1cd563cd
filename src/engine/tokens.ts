// API tokens: `gpt_<id>_<secret>`, shown once when made; the store keeps the id and a salted
// scrypt hash of the secret, so a copy of the store gives no credential.
import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { TokenStore } from '../adapters/store/types.js';
import { InvalidInputError } from '../errors.js';
import { operatorDuration } from '../desired/split.js';
import { isRole, ROLES, type Principal, type Role, type StoredToken } from '../model/index.js';

const TOKEN = /^gpt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** The secret part of a token's text (it may itself hold `_`), or undefined if malformed. */
export function tokenSecret(text: string): string | undefined {
  return TOKEN.exec(text)?.[2];
}

/** The id part of a token's text (shown to readers: actor texts, audit), or undefined if malformed. */
export function tokenIdOf(text: string): string | undefined {
  return TOKEN.exec(text)?.[1];
}

function hashOf(secret: string, salt: string): string {
  return scryptSync(secret, Buffer.from(salt, 'hex'), 32).toString('hex');
}

const scryptAsync = promisify(scrypt) as (s: string, salt: Buffer, n: number) => Promise<Buffer>;

export interface TokenRequest {
  name: string;
  role: string;
  experiments: readonly string[];
  /** How long it is valid, e.g. 30d; for ever when absent. */
  expires?: string | undefined;
  createdBy: string;
}

/** Makes a token and records it; returns the token's text (shown once) and its record. */
export async function createToken(
  store: TokenStore,
  req: TokenRequest,
  now: Date,
): Promise<{ text: string; token: StoredToken }> {
  if (!isRole(req.role))
    throw new InvalidInputError(`role ${req.role}: one of ${ROLES.join(', ')}`);
  const role: Role = req.role;
  if (role !== 'admin' && req.experiments.length === 0)
    throw new InvalidInputError(`a ${role} token needs the experiment(s) it holds for`);
  if (!req.name.trim()) throw new InvalidInputError('a token needs a name (who holds it)');
  let expiresAt: string | undefined;
  if (req.expires !== undefined) {
    const s = operatorDuration(req.expires);
    if (s === undefined)
      throw new InvalidInputError(
        `expires ${req.expires}: a duration such as 12h, 30d or 1w, of at most a year (366d); a token without expiry is valid until revoked`,
      );
    expiresAt = new Date(now.getTime() + s * 1000).toISOString();
  }
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const salt = randomBytes(16).toString('hex');
  const record = {
    id,
    name: req.name.trim(),
    role,
    experiments: role === 'admin' ? [] : [...new Set(req.experiments)].sort(),
    salt,
    hash: hashOf(secret, salt),
    createdBy: req.createdBy,
    ...(expiresAt ? { expiresAt } : {}),
  };
  await store.addToken(record);
  return { text: `gpt_${id}_${secret}`, token: (await store.token(id))! };
}

export type Authentication =
  | { ok: true; principal: Principal }
  | { ok: false; reason: string; tokenId?: string; limited?: boolean };

/**
 * Checks a bearer token against the store: well formed, known, not revoked, not expired,
 * and its secret's hash equal (compared in constant time). The store is read on every call,
 * so a revocation holds at once. scrypt is slow on purpose, so it runs on libuv's pool, never
 * on the event loop; a secret already checked against the same stored hash, right or wrong,
 * is not hashed again.
 */
export class TokenVerifier {
  private readonly verified = new Map<string, string>();
  private readonly refused = new Map<string, string>();

  constructor(private readonly store: TokenStore) {}

  /** Whether the token `id` still signs its holder in (not revoked, not expired, not gone). */
  async stillValid(id: string, now: Date): Promise<boolean> {
    return unusable(await this.store.token(id), now) === undefined;
  }

  /**
   * Checks `text`; `beforeHash` is called just before a secret is hashed (not when an answer
   * is remembered) and may refuse it, so that failed attempts can be limited before they cost.
   */
  async authenticate(
    text: string,
    now: Date,
    beforeHash?: (tokenId: string) => string | undefined,
  ): Promise<Authentication> {
    const m = TOKEN.exec(text);
    if (!m) return { ok: false, reason: 'not a gitpoms token' };
    const [, id, secret] = m as unknown as [string, string, string];
    const t = await this.store.token(id);
    const why = unusable(t, now);
    if (why || !t) return { ok: false, reason: why ?? 'unknown token', tokenId: id };
    const seen = createHash('sha256').update(text).digest('hex');
    if (this.refused.get(seen) === t.hash)
      return { ok: false, reason: 'wrong secret', tokenId: id };
    if (this.verified.get(seen) !== t.hash) {
      const limited = beforeHash?.(id);
      if (limited) return { ok: false, reason: limited, tokenId: id, limited: true };
      const given = await scryptAsync(secret, Buffer.from(t.salt, 'hex'), 32);
      const want = Buffer.from(t.hash, 'hex');
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        remember(this.refused, seen, t.hash);
        return { ok: false, reason: 'wrong secret', tokenId: id };
      }
      remember(this.verified, seen, t.hash);
    }
    return {
      ok: true,
      principal: { name: t.name, role: t.role, experiments: t.experiments, tokenId: t.id },
    };
  }
}

/** Why a stored token signs nobody in (unknown, revoked, expired), or undefined when it does. */
function unusable(t: StoredToken | undefined, now: Date): string | undefined {
  if (!t) return 'unknown token';
  if (t.revokedAt) return 'token revoked';
  if (t.expiresAt && Date.parse(t.expiresAt) <= now.getTime()) return 'token expired';
  return undefined;
}

function remember(m: Map<string, string>, key: string, hash: string): void {
  if (m.size >= 1000) m.clear();
  m.set(key, hash);
}
