// Who a request is: the bearer token it carries, or for reading pages in a browser (GET only)
// the same token in a SameSite=Strict cookie. An action needs the Authorization header, so a
// page of another site can never act with a browser's ambient credential. Who may read what
// follows the applied revision's gitpoms.yaml (`settings`), never one that did not validate.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenStore } from '../adapters/store/types.js';
import type { ProbeResult, ServiceProbes } from '../engine/probes.js';
import { TokenVerifier } from '../engine/tokens.js';
import { sameSecret } from '../secrets.js';
import { mayAct, type DesiredState, type Principal, type TrustedProxy } from '../model/index.js';

export type Req = FastifyRequest & { principal?: Principal };

/** The cookie a browser tab signed in with keeps its token in. */
export const TOKEN_COOKIE = 'gitpoms_token';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** gitpoms.yaml's server section as access reads it. */
export interface AccessSettings {
  readAccess: 'open' | 'token';
  trustedProxy?: TrustedProxy | undefined;
  /** Reached over HTTPS (gitpoms.yaml server.tls): browsers are told to keep to it. */
  tls?: boolean | undefined;
}

/** What a server with no valid revision applied allows: reads need a token (and actions a revision). */
export const SAFEST: AccessSettings = { readAccess: 'token' };

export interface Access {
  readAccess(): 'open' | 'token';
  /** Whether the request may read what belongs to `experiment`. */
  mayRead(req: Req, experiment: string | undefined): boolean;
  /** Reads need a token and this request's is not an admin's: what spans experiments is hidden. */
  restricted(req: Req): boolean;
  /** 401 when reads need a token and the request has none. */
  readGate(req: Req): Promise<void>;
  /** Whether the principal a request was let in as still is one (not revoked, expired or dropped). */
  stillValid(p: Principal): Promise<boolean>;
  /** The client's address: a trusted proxy's X-Forwarded-For, else the socket's peer. */
  client(req: FastifyRequest): string;
  /** Whether the request may read /metrics: open reads, an admin, or the scrape token. */
  mayScrape(req: Req): boolean;
}

const COOKIE = new RegExp(`(?:^|;\\s*)${TOKEN_COOKIE}=([^;\\s]+)`);

function credential(req: FastifyRequest): { token: string; cookie: boolean } | undefined {
  const header = req.headers.authorization;
  if (header !== undefined)
    return { token: /^Bearer (\S+)$/.exec(header)?.[1] ?? '', cookie: false };
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const m = COOKIE.exec(req.headers.cookie ?? '');
  if (!m) return undefined;
  try {
    return { token: decodeURIComponent(m[1]!), cookie: true };
  } catch {
    // Not percent-encoded as the page sets it: a cookie that signs nobody in.
    return { token: '', cookie: true };
  }
}

const peerOf = (req: FastifyRequest) => (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

const fromProxy = (req: FastifyRequest, proxy: TrustedProxy | undefined) =>
  !!proxy &&
  (proxy.addresses.includes(peerOf(req)) ||
    proxy.addresses.includes(req.socket.remoteAddress ?? ''));

/**
 * The user a trusted proxy names: only from the proxy's addresses (the socket's peer, never a
 * forwarded-for header), only a user given a role, and for an action only with
 * X-Gitpoms-Action, so that a page of another site cannot act with the proxy's SSO session.
 */
function proxyPrincipal(
  req: FastifyRequest,
  proxy: TrustedProxy,
  header: string,
  log: (msg: string, detail: Record<string, unknown>) => void,
): Principal {
  const user = String(req.headers[header]);
  const peer = peerOf(req);
  const refuse = (status: number, reason: string): never => {
    log('api credential refused', { reason, user, ip: peer, url: req.url });
    throw new HttpError(status, `credential refused: ${reason}`);
  };
  if (!fromProxy(req, proxy)) refuse(401, `${header} from ${peer}, which is not a trusted proxy`);
  const entry = Object.hasOwn(proxy.users, user) ? proxy.users[user] : undefined;
  if (!entry)
    return refuse(403, `user ${user} has no role on this server (server.trustedProxy.users)`);
  if (
    req.method !== 'GET' &&
    req.method !== 'HEAD' &&
    req.headers['x-gitpoms-action'] === undefined
  )
    refuse(403, 'an action through the proxy needs the X-Gitpoms-Action header');
  return { name: user, role: entry.role, experiments: entry.experiments ?? [] };
}

/** Counts in fixed one-minute windows, per key; forgets keys whose window has passed. */
export class WindowCounter {
  private readonly counts = new Map<string, { start: number; n: number }>();

  constructor(
    readonly max: number,
    private readonly windowMs = 60_000,
  ) {}

  /** Counts one for `key`; false once `key` has had `max` in its window. */
  take(key: string, now: number): boolean {
    let c = this.counts.get(key);
    if (!c || now - c.start >= this.windowMs) {
      if (this.counts.size >= 10_000)
        for (const [k, v] of this.counts) if (now - v.start >= this.windowMs) this.counts.delete(k);
      c = { start: now, n: 0 };
      this.counts.set(key, c);
    }
    if (c.n >= this.max) return false;
    c.n++;
    return true;
  }
}

export interface AccessOptions {
  store: TokenStore;
  settings: () => AccessSettings;
  clock: () => Date;
  log: (msg: string, detail: Record<string, unknown>) => void;
  /** Secrets hashed a minute for one token id (a wrong one costs scrypt); more get 429. Default 10. */
  hashesPerTokenPerMinute?: number;
  /** The same for one client address. Default 30. */
  hashesPerClientPerMinute?: number;
  /** The bearer of a Prometheus scrape: it reads /metrics and nothing else. */
  scrapeToken?: string;
}

/**
 * Sets `req.principal` from the request's credential before anything else looks at the
 * request (its body is not yet parsed): a credential that fails is a 401, one tried too often
 * a 429 that costs no hash. Webhooks carry their own signature and are left alone.
 */
export function registerAccess(app: FastifyInstance, opts: AccessOptions): Access {
  const verifier = new TokenVerifier(opts.store);
  const perToken = new WindowCounter(opts.hashesPerTokenPerMinute ?? 10);
  const perClient = new WindowCounter(opts.hashesPerClientPerMinute ?? 30);

  const client = (req: FastifyRequest): string => {
    const forwarded = req.headers['x-forwarded-for'];
    if (forwarded !== undefined && fromProxy(req, opts.settings().trustedProxy)) {
      // The proxy appends the address it saw: the last entry is the one it vouches for.
      const last = String(forwarded).split(',').pop()!.trim();
      if (last) return last;
    }
    return peerOf(req);
  };

  const scrapes = new WeakSet<FastifyRequest>();
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (req: Req) => {
    // The route matched, not the raw path: /hooks/../api/… is no webhook.
    if (req.routeOptions.url?.startsWith('/hooks/')) return;
    const scrape = opts.scrapeToken;
    if (
      scrape !== undefined &&
      req.routeOptions.url === '/metrics' &&
      sameSecret(req.headers.authorization ?? '', `Bearer ${scrape}`)
    ) {
      scrapes.add(req);
      return;
    }
    const proxy = opts.settings().trustedProxy;
    const proxyHeader = (proxy?.header ?? 'X-Shib-Userid').toLowerCase();
    if (
      proxy &&
      req.headers[proxyHeader] !== undefined &&
      req.headers.authorization === undefined
    ) {
      req.principal = proxyPrincipal(req, proxy, proxyHeader, opts.log);
      return;
    }
    const c = credential(req);
    if (c === undefined) return;
    const now = opts.clock();
    const from = client(req);
    const a = c.token
      ? await verifier.authenticate(c.token, now, (id) =>
          !perToken.take(id, now.getTime())
            ? `too many attempts with token ${id} this minute; wait and try again`
            : !perClient.take(from, now.getTime())
              ? `too many token checks from ${from} this minute; wait and try again`
              : undefined,
        )
      : undefined;
    if (!a?.ok) {
      opts.log('api credential refused', {
        reason: a?.reason ?? 'not a bearer token',
        ...(a?.tokenId ? { token: a.tokenId } : {}),
        ...(c.cookie ? { from: 'cookie' } : {}),
        ip: from,
        url: req.url,
      });
      // A browser's stale cookie leaves it signed out (the page says so), not locked out.
      if (c.cookie && !a?.limited) return;
      throw new HttpError(
        a?.limited ? 429 : 401,
        `credential refused: ${a?.reason ?? 'use Authorization: Bearer TOKEN'}`,
      );
    }
    req.principal = a.principal;
  });

  const readAccess = () => opts.settings().readAccess;
  return {
    readAccess,
    client,
    mayRead: (req, experiment) =>
      readAccess() === 'open' ||
      (req.principal !== undefined && mayAct(req.principal, 'viewer', experiment)),
    restricted: (req) => readAccess() === 'token' && req.principal?.role !== 'admin',
    mayScrape: (req) =>
      readAccess() === 'open' || req.principal?.role === 'admin' || scrapes.has(req),
    readGate: async (req) => {
      if (readAccess() === 'token' && !req.principal)
        throw new HttpError(401, 'this server needs a token to read: Authorization: Bearer TOKEN');
    },
    async stillValid(p) {
      if (p.tokenId !== undefined) return verifier.stillValid(p.tokenId, opts.clock());
      const users = opts.settings().trustedProxy?.users ?? {};
      const entry = Object.hasOwn(users, p.name) ? users[p.name] : undefined;
      return entry?.role === p.role;
    },
  };
}

/** The probes' results of the services `req` may read (all of them for open reads or an admin). */
export function readableServices(
  probes: ServiceProbes | undefined,
  desired: DesiredState | undefined,
  req: Req,
  access: Access,
): Record<string, ProbeResult> {
  const all = probes?.results() ?? {};
  if (!access.restricted(req)) return all;
  const experiment = new Map((desired?.services ?? []).map((s) => [s.name, s.experiment]));
  return Object.fromEntries(
    Object.entries(all).filter(([name]) => {
      const e = experiment.get(name);
      return e !== undefined && access.mayRead(req, e);
    }),
  );
}
