// Server-sent events (GET /api/events): a pass that ran or failed, and each operator action,
// pushed to every open client as it happens, so pages update without polling. Each event
// says what changed in a few fields; a client reads the details from the API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PassReport } from '../engine/loop.js';

export type ServerEvent =
  | {
      kind: 'pass';
      pass: number;
      revision: string;
      seconds: number;
      actions: number;
      failed: number;
    }
  | { kind: 'pass-failed'; pass: number; error: string }
  | {
      kind: 'action';
      action: string;
      campaign: string;
      /** Who may hear of it: readers of this experiment (an admin only, when it is unknown). */
      experiment?: string;
      target: string;
      actor: string;
      at: string;
    };

type Listener = (e: ServerEvent, id: number) => void;

/** Who hears events: each open stream. */
export class EventHub {
  private readonly listeners = new Set<Listener>();
  private next = 1;

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.listeners.size;
  }

  publish(e: ServerEvent): void {
    const id = this.next++;
    for (const l of this.listeners) l(e, id);
  }

  passed(r: PassReport): void {
    this.publish({
      kind: 'pass',
      pass: r.pass,
      revision: r.revision,
      seconds: r.seconds,
      actions: r.plan.actions.length,
      failed: r.results.filter((x) => !x.ok).length,
    });
  }
}

/**
 * GET /api/events: one `text/event-stream` per client, an event per line group
 * (`id`, `event: <kind>`, `data: <JSON>`), and a comment every `keepAliveMs` so proxies keep
 * an idle stream open. `allowed` says whether a client may hear an event (its experiments).
 */
export function registerEvents(
  app: FastifyInstance,
  hub: EventHub,
  opts: {
    preHandler?: (req: FastifyRequest) => Promise<void>;
    allowed: (req: FastifyRequest, e: ServerEvent) => boolean;
    /** Whether the credential the stream was opened with still holds; a stream ends when not. */
    stillValid?: (req: FastifyRequest) => Promise<boolean>;
    /** How often an idle stream's credential is checked again (ms). Default 5 s. */
    recheckMs?: number;
    keepAliveMs?: number;
  },
): void {
  app.get(
    '/api/events',
    {
      ...(opts.preHandler ? { preHandler: opts.preHandler } : {}),
      schema: { summary: 'server-sent events: passes and operator actions, as they happen' },
    },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': gitpoms events\n\n');
      // Events go out in order, each after the credential is checked again: a revoked or
      // expired token hears nothing more, and its stream is closed.
      let chain = Promise.resolve();
      let ended = false;
      const valid = async (): Promise<boolean> =>
        !opts.stillValid || (await opts.stillValid(req).catch(() => false));
      const send = (write?: () => void) => {
        chain = chain.then(async () => {
          if (ended) return;
          if (!(await valid())) {
            close();
            res.end();
            return;
          }
          write?.();
        });
      };
      const unsubscribe = hub.subscribe((e, id) => {
        if (opts.allowed(req, e))
          send(() => res.write(`id: ${id}\nevent: ${e.kind}\ndata: ${JSON.stringify(e)}\n\n`));
      });
      const keepAlive = setInterval(
        () => res.write(': keep-alive\n\n'),
        opts.keepAliveMs ?? 15_000,
      );
      const recheck = setInterval(() => send(), opts.recheckMs ?? 5000);
      const close = () => {
        ended = true;
        clearInterval(keepAlive);
        clearInterval(recheck);
        unsubscribe();
      };
      req.raw.on('close', close);
      res.on('error', close);
    },
  );
}
