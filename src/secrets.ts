import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GitpomsError } from './errors.js';
import type { SecretRef } from './model/index.js';

/**
 * The value a secret reference points at. Errors name the reference, never the value; the
 * value itself is never logged.
 */
export function resolveSecret(
  ref: SecretRef,
  env: Readonly<Record<string, string | undefined>>,
  what: string,
): string {
  if ('fromEnv' in ref) {
    const v = env[ref.fromEnv];
    if (!v)
      throw new GitpomsError(
        'secret-missing',
        `${what}: environment variable ${ref.fromEnv} is not set`,
      );
    return v;
  }
  try {
    const v = readFileSync(ref.fromFile, 'utf8').trim();
    if (!v) throw new Error('the file is empty');
    return v;
  } catch (e) {
    throw new GitpomsError(
      'secret-missing',
      `${what}: cannot read ${ref.fromFile}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** scheme://userinfo@ in a URL: a password, or over http(s) a user that is a token. */
const URL_CREDENTIAL = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@]*)@/gi;

function isCredential(scheme: string, userinfo: string): boolean {
  return userinfo.includes(':') || /^https?:\/\/$/i.test(scheme);
}

/** Whether a repository URL carries a credential (https://TOKEN@, user:password@); git@ does not. */
export function urlHasCredential(url: string): boolean {
  return [...url.matchAll(URL_CREDENTIAL)].some((m) => isCredential(m[1]!, m[2]!));
}

/** `text` with every URL credential replaced by ***, for what is printed, logged or served. */
export function redactUrl(text: string): string {
  return text.replace(URL_CREDENTIAL, (all, scheme: string, userinfo: string) =>
    isCredential(scheme, userinfo) ? `${scheme}***@` : all,
  );
}

/** Whether `given` is `want`, compared in constant time (a secret, a signature). */
export function sameSecret(given: string | Buffer, want: string | Buffer): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(want);
  return a.length === b.length && timingSafeEqual(a, b);
}
