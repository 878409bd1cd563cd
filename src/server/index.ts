import type { Ownership } from '../engine/ownership.js';
import { AjvCompiler, type Options } from '@fastify/ajv-compiler';
import fastifyStatic from '@fastify/static';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { fastify, type FastifyInstance } from 'fastify';
import type { Reconciler } from '../engine/loop.js';
import type { ServiceProbes } from '../engine/probes.js';
import { fileURLToPath } from 'node:url';
import {
  HttpError,
  readableServices,
  registerAccess,
  type Access,
  type AccessSettings,
  type Req,
} from './access.js';
import { registerApi, type ApiOptions } from './api.js';
import { registerPages, type WebOptions } from './web/index.js';
import type { Metrics } from './metrics.js';
import { DeliveryMemory, isPushTo, verifyWebhook } from './webhooks.js';

export interface ServerOptions {
  reconciler: Pick<Reconciler, 'trigger' | 'status'>;
  probes?: ServiceProbes;
  /** Branch pushes must name to trigger a pass. */
  branch: string;
  /** Shared webhook secret; without one every webhook is refused. */
  webhookSecret: string | undefined;
  /** Largest webhook body accepted, bytes. */
  bodyLimit?: number;
  /** Webhook requests a client may make a minute (signed or not); more get 429. Default 60. */
  webhooksPerMinute?: number;
  log?: (msg: string, detail: Record<string, unknown>) => void;
  /** Served at GET /metrics in Prometheus's text format. */
  metrics?: Metrics;
  /** The HTTP API under /api, when the server has a store to read (serve gives it one). */
  api?: Omit<ApiOptions, 'log' | 'probes' | 'reconciler'> & {
    reconciler: ApiOptions['reconciler'];
    /** Who may read and who the proxy vouches for: the applied revision's server settings. */
    settings: () => AccessSettings;
    /** Under token reads, the bearer a Prometheus scrape of /metrics brings (an admin token also does). */
    metricsToken?: string | undefined;
  };
  /** The dashboard's pages (needs `api`). */
  web?: Pick<WebOptions, 'reconciler' | 'dataDir' | 'browse'>;
  /** A replica: /readyz says which campaigns it holds. */
  ownership?: Pick<Ownership, 'replica' | 'owned'>;
}

/** The dashboard's stylesheet and script. */
const WEB_ASSETS = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The reconciler's HTTP face: push webhooks that trigger a pass, health and status endpoints
 * for the service manager and monitoring, and the API (src/server/api.ts) with its OpenAPI
 * document. Nothing here acts on jobs directly: actions are overrides the next pass acts on.
 */
export function buildServer(opts: ServerOptions): FastifyInstance {
  const validators = AjvCompiler();
  const app = fastify({
    bodyLimit: opts.bodyLimit ?? 1 << 20,
    logger: false,
    // An event stream stays open: closing the server ends it rather than waiting for it.
    forceCloseConnections: true,
    // A field the schema does not know is refused (400 naming it), never dropped and ignored.
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: {
      compilersFactory: {
        // A query string is text, so "limit=10" is read as a number; a JSON body says its
        // types itself, and "confirm": "true" is refused, never taken for true.
        buildValidator(externals, options) {
          const coercing = validators(externals, options);
          const exact = validators(externals, {
            ...options,
            customOptions: { ...(options?.customOptions as Options), coerceTypes: false },
          } as Parameters<typeof validators>[1]);
          return (route) => (route.httpPart === 'body' ? exact : coercing)(route);
        },
      },
    },
  });
  const log = opts.log ?? (() => {});
  app.setErrorHandler((e: Error & { statusCode?: number }, req, reply) => {
    if (e instanceof HttpError) return reply.code(e.status).send({ error: e.message });
    if (e.statusCode && e.statusCode < 500)
      return reply.code(e.statusCode).send({ error: e.message });
    log('request failed', { url: req.url, err: e.message });
    return reply.code(500).send({ error: 'internal error; the server log says more' });
  });
  const api = opts.api;
  if (api)
    app.addHook('onSend', async (_req, reply, payload) => {
      if (!api.settings().tls) return payload;
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
      reply.header('cross-origin-opener-policy', 'same-origin');
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string' && !csp.includes('upgrade-insecure-requests'))
        reply.header('content-security-policy', `${csp};upgrade-insecure-requests`);
      return payload;
    });
  // Before any route: every request is authenticated before its body is read or validated.
  const access: Access | undefined = api
    ? registerAccess(app, {
        store: api.store,
        settings: api.settings,
        clock: api.clock ?? (() => new Date()),
        log,
        ...(api.metricsToken ? { scrapeToken: api.metricsToken } : {}),
      })
    : undefined;
  const deliveries = new DeliveryMemory();

  void app.register(swagger, {
    openapi: {
      info: {
        title: 'gitpoms',
        version: '1',
        description:
          'The reconciler of HEP production campaigns: what it applied, observed and planned, and operator actions.',
      },
      components: {
        securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
      },
    },
  });
  // A storm of pushes (or of forged requests) is refused before its signature is checked; a
  // push refused here is picked up by the next poll of the source.
  void app.register(rateLimit, { global: false });
  void app.register(async (hooks) => {
    // The signature covers the exact bytes, so a webhook's body is kept raw until it is
    // verified (and a request of any content type without a valid signature is a 401, not a 415).
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    hooks.post(
      '/hooks/git',
      {
        config: {
          rateLimit: {
            max: opts.webhooksPerMinute ?? 60,
            timeWindow: 60_000,
            keyGenerator: (req) => access?.client(req) ?? req.ip,
          },
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const v = verifyWebhook(req.headers, body, opts.webhookSecret);
        if (!v.ok) {
          log('webhook refused', { status: v.status, reason: v.reason, ip: req.ip });
          return reply.code(v.status).send({ error: v.reason });
        }
        // A signed delivery sent again (a replay, or the forge retrying) starts no second pass.
        if (v.delivery !== undefined && !deliveries.first(v.delivery, Date.now())) {
          log('webhook replayed', { provider: v.provider, delivery: v.delivery });
          return reply.code(200).send({ ok: true, triggered: false, seen: 'already seen' });
        }
        if (v.event === 'ping') return reply.code(200).send({ ok: true, pong: true });
        if (!isPushTo(v, opts.branch)) {
          log('webhook ignored', { provider: v.provider, event: v.event, ref: v.ref });
          return reply.code(202).send({ ok: true, triggered: false });
        }
        opts.reconciler.trigger(`${v.provider} push to ${v.ref}`);
        return reply.code(202).send({ ok: true, triggered: true });
      },
    );
  });
  if (api && access) {
    void app.register(async (scope) => {
      registerApi(scope, { ...api, probes: opts.probes, log }, access);
      if (opts.web)
        await scope.register(async (pages) =>
          registerPages(pages, { ...api, ...opts.web!, probes: opts.probes, log }, access),
        );
    });
    if (opts.web) {
      // Scripts and styles from this server only; no inline script, no frame of these pages.
      // Neither HSTS nor upgrade-insecure-requests here: behind plain HTTP they send the
      // browser to https for the stylesheet and script (and COOP is refused with a console
      // error). server.tls adds all three (above).
      void app.register(helmet, {
        strictTransportSecurity: false,
        crossOriginOpenerPolicy: false,
        contentSecurityPolicy: {
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
            connectSrc: ["'self'"],
            frameAncestors: ["'none'"],
            upgradeInsecureRequests: null,
          },
        },
      });
      void app.register(fastifyStatic, { root: WEB_ASSETS, prefix: '/static/' });
    }
  }
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  const metrics = opts.metrics;
  if (metrics)
    app.get('/metrics', { schema: { hide: true } }, async (req: Req, reply) => {
      if (access && !access.mayScrape(req))
        throw new HttpError(
          401,
          'this server needs a token to read: scrape /metrics with server.metricsToken or an admin token as the bearer',
        );
      return reply.header('content-type', metrics.registry.contentType).send(await metrics.text());
    });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (req: Req, reply) => {
    const s = opts.reconciler.status();
    const ready = s.applied !== undefined && s.failures === 0;
    const own = opts.ownership;
    // Behind tokens, only an admin hears why: the error may name any experiment's files.
    if (access?.restricted(req)) return reply.code(ready ? 200 : 503).send({ ready });
    return reply.code(ready ? 200 : 503).send({
      ready,
      ...(s.lastError ? { error: s.lastError } : {}),
      ...(own ? { replica: own.replica, campaigns: own.owned() } : {}),
    });
  });
  app.get('/api/status', async (req: Req) => {
    const s = opts.reconciler.status();
    if (!access || !access.restricted(req)) return { ...s, services: opts.probes?.results() ?? {} };
    await access.readGate(req);
    const { lastError: _e, sourceError: _s, latest, ...rest } = s;
    return {
      ...rest,
      ...(latest ? { latest: { revision: latest.revision, valid: latest.valid } } : {}),
      services: readableServices(opts.probes, api?.reconciler.current()?.desired, req, access),
    };
  });
  return app;
}
