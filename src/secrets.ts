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
