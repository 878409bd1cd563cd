// Who a request is: the bearer token it carries, or for reading pages in a browser (GET only)
// the same token in a SameSite=Strict cookie. An action needs the Authorization header, so a
// page of another site can never act with a browser's ambient credential.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenStore } from '../adapters/store/types.js';
import { TokenVerifier } from '../engine/tokens.js';
import { mayAct, type Principal, type TrustedProxy } from '../model/index.js';

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

export interface Access {
  readAccess: 'open' | 'token';
  /** Whether the request may read what belongs to `experiment`. */
  mayRead(req: Req, experiment: string | undefined): boolean;
  /** 401 when reads need a token and the request has none. */
  readGate(req: Req): Promise<void>;
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
  const peer = req.socket.remoteAddress ?? '';
  const refuse = (status: number, reason: string): never => {
    log('api credential refused', { reason, user, ip: peer, url: req.url });
    throw new HttpError(status, `credential refused: ${reason}`);
  };
  if (!proxy.addresses.includes(peer) && !proxy.addresses.includes(peer.replace(/^::ffff:/, '')))
    refuse(401, `${header} from ${peer}, which is not a trusted proxy`);
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

/** Sets `req.principal` from the request's credential; a credential that fails is a 401. */
export function registerAccess(
  app: FastifyInstance,
  opts: {
    store: TokenStore;
    readAccess: 'open' | 'token';
    clock: () => Date;
    log: (msg: string, detail: Record<string, unknown>) => void;
    trustedProxy?: TrustedProxy | undefined;
  },
): Access {
  const verifier = new TokenVerifier(opts.store);
  const proxy = opts.trustedProxy;
  const proxyHeader = (proxy?.header ?? 'X-Shib-Userid').toLowerCase();
  app.decorateRequest('principal', undefined);
  app.addHook('preHandler', async (req: Req) => {
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
    const a = c.token ? await verifier.authenticate(c.token, opts.clock()) : undefined;
    if (!a?.ok) {
      opts.log('api credential refused', {
        reason: a?.reason ?? 'not a bearer token',
        ...(a?.tokenId ? { token: a.tokenId } : {}),
        ...(c.cookie ? { from: 'cookie' } : {}),
        ip: req.ip,
        url: req.url,
      });
      // A browser's stale cookie leaves it signed out (the page says so), not locked out.
      if (c.cookie) return;
      throw new HttpError(
        401,
        `credential refused: ${a?.reason ?? 'use Authorization: Bearer TOKEN'}`,
      );
    }
    req.principal = a.principal;
  });
  return {
    readAccess: opts.readAccess,
    mayRead: (req, experiment) =>
      opts.readAccess === 'open' ||
      (req.principal !== undefined && mayAct(req.principal, 'viewer', experiment)),
    readGate: async (req) => {
      if (opts.readAccess === 'token' && !req.principal)
        throw new HttpError(401, 'this server needs a token to read: Authorization: Bearer TOKEN');
    },
  };
}
