import type { LoadedDocs, Located } from '../load.js';
import type { FieldPath } from '../yaml-source.js';
import { err, type Ctx } from './context.js';

/** Words that, as a part of a variable name, say its value is a credential. */
const SECRET_WORDS = new Set([
  'TOKEN',
  'TOKENS',
  'PASS',
  'PASSWD',
  'PASSWORD',
  'PASSWORDS',
  'PASSPHRASE',
  'PWD',
  'SECRET',
  'SECRETS',
  'PRIVATE',
  'CREDENTIAL',
  'CREDENTIALS',
  'APIKEY',
  'BEARER',
  'AUTHORIZATION',
  'COOKIE',
  'COOKIES',
  'SESSION',
]);
/** KEY is a credential after one of these (AWS_ACCESS_KEY_ID, SSH_KEY, API_KEY), not alone (SORT_KEY). */
const KEY_AFTER = new Set(['ACCESS', 'API', 'SSH', 'PRIVATE', 'SECRET', 'SIGNING', 'ENCRYPTION']);

/**
 * Whether a variable name says its value is a credential: one of its words (split at _, -
 * and lowerUpper changes) is such a word. PWD alone is the working directory, not a password.
 */
export function looksLikeSecretName(name: string): boolean {
  if (name.toUpperCase() === 'PWD') return false;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .split(/[_\-.]+/)
    .filter(Boolean);
  return words.some(
    (w, i) => SECRET_WORDS.has(w) || (w === 'KEY' && i > 0 && KEY_AFTER.has(words[i - 1]!)),
  );
}

/** A value that is a credential whatever its name: an HTTP auth scheme, a PEM block, a JWT. */
const SECRET_VALUE = [
  /^\s*(Bearer|Basic|Token|Digest|Negotiate)\s+\S{8,}/i,
  /-----BEGIN [A-Z0-9 ]+-----/,
  /^\s*eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]+\s*$/,
];

/** Whether a literal value is itself a credential (AUTH_HEADER: "Bearer …", a key, a token). */
export function looksLikeSecretValue(value: string): boolean {
  return SECRET_VALUE.some((re) => re.test(value));
}

/** Chat services whose incoming-webhook URL carries its credential in the path. */
const WEBHOOK_HOSTS: Array<{ host: RegExp; path: RegExp }> = [
  { host: /^hooks\.slack\.com$/, path: /^\/(services|workflows|triggers)\// },
  { host: /^(canary\.|ptb\.)?discord(app)?\.com$/, path: /^\/api\/(v\d+\/)?webhooks\// },
  { host: /\.webhook\.office\.com$/, path: /\// },
  { host: /^chat\.googleapis\.com$/, path: /\/messages/ },
];

/** Whether a URL is itself a credential: a chat webhook (any case, port, scheme or trailing dot). */
export function isCredentialUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    return false;
  }
  const host = u.hostname.toLowerCase().replace(/\.$/, '');
  return WEBHOOK_HOSTS.some((w) => w.host.test(host) && w.path.test(u.pathname));
}

/** scheme://user:password@host: a password in a URL (a user alone, as in git@, is not). */
const USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]+@/i;

/** Token formats of the common services (GitHub, GitLab, Slack, AWS access keys). */
const TOKENS =
  /\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16})/;

/** Whether a text holds a credential a message must never repeat: a webhook URL, a URL password, a token. */
export function holdsCredential(text: string): boolean {
  return USERINFO.test(text) || TOKENS.test(text) || text.split(/\s+/).some(isCredentialUrl);
}

/** A launch template's environment holds secrets by reference only. */
export function checkTemplateSecrets(ctx: Ctx, docs: LoadedDocs): void {
  for (const lt of docs.launchTemplates) {
    for (const [name, v] of Object.entries(lt.value.spec.environment ?? {})) {
      if (
        v &&
        'value' in v &&
        (looksLikeSecretName(name) || looksLikeSecretValue(String(v.value)))
      ) {
        err(
          ctx,
          lt.doc,
          ['spec', 'environment', name, 'value'],
          'secret-in-git',
          looksLikeSecretName(name)
            ? `${name} looks like a secret; secrets are never written in the repository`
            : `${name}'s value is a credential (an auth header, a key or a token); secrets are never written in the repository`,
          'reference it instead: fromEnv: VAR or fromFile: /path/on/the/launch/host',
        );
      }
    }
  }
}

export function checkNotifications(ctx: Ctx, docs: LoadedDocs): void {
  const config = docs.config;
  (config?.value.spec.notifications ?? []).forEach((n, i) => {
    if (typeof n.url === 'string' && isCredentialUrl(n.url))
      err(
        ctx,
        config!.doc,
        ['spec', 'notifications', i, 'url'],
        'secret-in-git',
        'this webhook URL is itself a credential; secrets are never written in the repository',
        'reference it instead: url: { fromEnv: VAR } or url: { fromFile: /path/on/the/reconciler/host }',
      );
  });
}

/** No string anywhere in a declaration carries a password in a URL. */
export function checkUrlCredentials(ctx: Ctx, docs: LoadedDocs): void {
  const all: Array<Located<unknown>> = [
    ...(docs.config ? [docs.config] : []),
    ...docs.campaigns,
    ...docs.jobTypes,
    ...docs.launchTemplates,
    ...docs.services,
  ];
  for (const d of all) {
    // Iterative: a deep document does not exhaust the stack.
    const stack: Array<{ v: unknown; path: FieldPath }> = [{ v: d.value, path: [] }];
    while (stack.length > 0) {
      const { v, path } = stack.pop()!;
      if (typeof v === 'string') {
        if (USERINFO.test(v))
          err(
            ctx,
            d.doc,
            path,
            'secret-in-git',
            'this URL carries a password (user:password@); secrets are never written in the repository',
            'drop the credentials from the URL and give them by reference: fromEnv, fromFile or a netrc on the host',
          );
      } else if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) stack.push({ v: x, path: [...path, k] });
    }
  }
}
