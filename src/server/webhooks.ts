import { createHmac } from 'node:crypto';
import { sameSecret } from '../secrets.js';

export type Provider = 'github' | 'gitea' | 'gitlab';

export type Verdict =
  | {
      ok: true;
      provider: Provider;
      event: string;
      ref: string | undefined;
      /** The forge's id of this delivery (signed with the body only by GitHub and Gitea). */
      delivery: string | undefined;
    }
  | { ok: false; status: 400 | 401; reason: string };

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function hmacHex(secret: string, body: Buffer): Buffer {
  return Buffer.from(createHmac('sha256', secret).update(body).digest('hex'));
}

/**
 * Checks a push webhook against the shared secret, before anything in the body is believed:
 * GitHub's X-Hub-Signature-256 (sha256=HMAC), Gitea's and Forgejo's X-Gitea-Signature (hex
 * HMAC), GitLab's X-Gitlab-Token (the secret itself). Anything unsigned, signed wrongly or
 * from an unknown sender is 401.
 */
export function verifyWebhook(headers: Headers, body: Buffer, secret: string | undefined): Verdict {
  if (!secret) return { ok: false, status: 401, reason: 'no webhook secret is configured' };
  let provider: Provider;
  let event: string | undefined;
  const github = header(headers, 'x-hub-signature-256');
  const gitea = header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature');
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitea !== undefined) {
    provider = 'gitea';
    event = header(headers, 'x-gitea-event') ?? header(headers, 'x-forgejo-event');
    if (!sameSecret(Buffer.from(gitea.toLowerCase()), hmacHex(secret, body)))
      return { ok: false, status: 401, reason: 'bad Gitea signature' };
  } else if (github !== undefined) {
    provider = 'github';
    event = header(headers, 'x-github-event');
    const hex = github.startsWith('sha256=') ? github.slice(7).toLowerCase() : '';
    if (!sameSecret(Buffer.from(hex), hmacHex(secret, body)))
      return { ok: false, status: 401, reason: 'bad GitHub signature' };
  } else if (gitlab !== undefined) {
    provider = 'gitlab';
    event = header(headers, 'x-gitlab-event');
    if (!sameSecret(Buffer.from(gitlab), Buffer.from(secret)))
      return { ok: false, status: 401, reason: 'bad GitLab token' };
  } else {
    return { ok: false, status: 401, reason: 'unsigned request' };
  }
  const delivery =
    header(headers, 'x-github-delivery') ??
    header(headers, 'x-gitea-delivery') ??
    header(headers, 'x-forgejo-delivery') ??
    header(headers, 'x-gitlab-event-uuid');
  let ref: string | undefined;
  try {
    const payload = JSON.parse(body.toString('utf8')) as { ref?: unknown };
    ref = typeof payload.ref === 'string' ? payload.ref : undefined;
  } catch {
    return { ok: false, status: 400, reason: 'the body is not JSON' };
  }
  return {
    ok: true,
    provider,
    event: event ?? 'unknown',
    ref,
    delivery: delivery ? `${provider}:${delivery}` : undefined,
  };
}

/**
 * The deliveries seen in the last day, so a replayed one starts no pass. Kept in memory: a
 * replay after a restart starts one pass, which acts on what the source says then, as a poll
 * would; at most `max` ids are kept, the oldest forgotten first.
 */
export class DeliveryMemory {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly keepMs = 86_400_000,
    private readonly max = 100_000,
  ) {}

  /** True the first time `id` is seen within keepMs (and records it). */
  first(id: string, now: number): boolean {
    const at = this.seen.get(id);
    if (at !== undefined && now - at < this.keepMs) return false;
    this.seen.delete(id);
    this.seen.set(id, now);
    // Insertion order is time order: the oldest go first.
    for (const [k, t] of this.seen) {
      if (this.seen.size <= this.max && now - t < this.keepMs) break;
      this.seen.delete(k);
    }
    return true;
  }
}

/** Whether a verified event is a push to the branch the reconciler follows. */
export function isPushTo(v: Extract<Verdict, { ok: true }>, branch: string): boolean {
  const push = v.event === 'push' || v.event === 'Push Hook';
  return push && v.ref === `refs/heads/${branch}`;
}
