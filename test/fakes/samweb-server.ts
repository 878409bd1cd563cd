import { fastify, type FastifyInstance, type FastifyReply } from 'fastify';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';

/**
 * A stand-in for the SAM web server: the REST paths, parameters and response formats the
 * samweb client uses (python/samweb_client: files.py, definitions.py, projects.py) and POMS
 * reads (samweb_lite.py: project summaries), answered from an embedded catalog. It is not a
 * recording of a real SAM: this machine has no network to one. `faults` injects failures.
 */
export interface FakeSamweb {
  url: string;
  app: FastifyInstance;
  /** Requests seen, as "METHOD path". */
  seen: string[];
  /** The Authorization header of each request seen. */
  auth: Array<string | undefined>;
  /** Answer the next n requests with this status (503: a server in trouble). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

type Q = Record<string, string | undefined>;

export async function startFakeSamweb(
  catalogFile: string,
  opts: { experiment?: string; https?: { key: Buffer; cert: Buffer; ca: Buffer } } = {},
): Promise<FakeSamweb> {
  const experiment = opts.experiment ?? 'sbnd';
  const catalog = new EmbeddedCatalog(catalogFile);
  // With https, clients must show a certificate the CA signed (SAM's X.509 authentication).
  const app = opts.https
    ? (fastify({
        logger: false,
        https: { ...opts.https, requestCert: true, rejectUnauthorized: true },
      }) as unknown as FastifyInstance)
    : fastify({ logger: false });
  const seen: string[] = [];
  const auth: Array<string | undefined> = [];
  let failures = 0;
  let failStatus = 503;
  /** Consumer process descriptions by project and process id. */
  const processes = new Map<string, string>();
  let nextPid = 1;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  const base = `/sam/${experiment}/api`;
  let origin = '';
  const refuse = (reply: FastifyReply, e: unknown) =>
    reply
      .code(400)
      .type('text/plain')
      .send(`${(e as Error).message}\n`);

  app.addHook('onRequest', async (req, reply) => {
    seen.push(`${req.method} ${req.url.split('?')[0]}`);
    auth.push(req.headers.authorization);
    if (failures > 0) {
      failures--;
      return reply.code(failStatus).type('text/plain').send('Service Unavailable\n');
    }
  });

  const dims = (req: { query: unknown; body: unknown }) =>
    (req.body as Q | undefined)?.dims ?? (req.query as Q).dims ?? '';
  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: `${base}/files/list`,
      handler: async (req, reply) => {
        try {
          return reply
            .type('text/plain')
            .send((await catalog.listFiles(dims(req))).map((f) => `${f}\n`).join(''));
        } catch (e) {
          return refuse(reply, e);
        }
      },
    });
    app.route({
      method,
      url: `${base}/files/count`,
      handler: async (req, reply) => {
        try {
          return reply.type('text/plain').send(`${await catalog.countFiles(dims(req))}\n`);
        } catch (e) {
          return refuse(reply, e);
        }
      },
    });
  }

  app.post(`${base}/files`, async (req, reply) => {
    const { file_name, file_size, checksum, parents, ...metadata } = req.body as Record<
      string,
      unknown
    >;
    try {
      await catalog.declareFile({
        name: String(file_name),
        size: Number(file_size),
        ...(Array.isArray(checksum) ? { checksum: String(checksum[0]) } : {}),
        metadata,
        parents: ((parents as Array<{ file_name: string }> | undefined) ?? []).map(
          (p) => p.file_name,
        ),
      });
      return reply.type('text/plain').send(`Added file ${String(file_name)}\n`);
    } catch (e) {
      return refuse(reply, e);
    }
  });

  app.get(`${base}/files/name/:name/metadata`, async (req, reply) => {
    const f = await catalog.getFile((req.params as Q).name!);
    if (!f) return reply.code(404).type('text/plain').send('File not found\n');
    const parents = [];
    for (const p of f.parents)
      parents.push({ file_name: p, file_id: (await catalog.getFile(p))!.id });
    return {
      file_name: f.name,
      file_id: f.id,
      file_size: f.size,
      ...(f.checksum ? { checksum: [f.checksum] } : {}),
      create_date: f.createDate,
      ...f.metadata,
      parents,
    };
  });
  app.get(`${base}/files/name/:name/lineage/children`, async (req, reply) => {
    const f = await catalog.getFile((req.params as Q).name!);
    if (!f) return reply.code(404).send('File not found\n');
    const out = [];
    for (const c of f.children) out.push({ file_name: c, file_id: (await catalog.getFile(c))!.id });
    return out;
  });
  app.get(`${base}/files/name/:name/locations`, async (req, reply) => {
    const f = await catalog.getFile((req.params as Q).name!);
    if (!f) return reply.code(404).send('File not found\n');
    return f.locations.map((l) => ({ full_path: l, location: l, location_type: 'disk' }));
  });
  app.post(`${base}/files/name/:name/locations`, async (req, reply) => {
    try {
      await catalog.addLocation((req.params as Q).name!, (req.body as Q).add!);
      return reply.type('text/plain').send('');
    } catch (e) {
      return refuse(reply, e);
    }
  });

  app.post(`${base}/definitions/create`, async (req, reply) => {
    const b = req.body as Q;
    if ((await catalog.describeDefinition(b.defname!)) !== undefined)
      return reply.code(400).send(`Definition ${b.defname} already exists\n`);
    try {
      await catalog.createDefinition(b.defname!, b.dims!);
      return { defname: b.defname, dimensions: b.dims, group: b.group };
    } catch (e) {
      return refuse(reply, e);
    }
  });
  app.get(`${base}/definitions/name/:name/describe`, async (req, reply) => {
    const name = (req.params as Q).name!;
    const d = await catalog.describeDefinition(name);
    if (d === undefined)
      return reply.code(404).type('text/plain').send(`No such definition ${name}\n`);
    return { defname: name, dimensions: d };
  });
  app.post(`${base}/definitions/name/:name/snapshot`, async (req, reply) => {
    try {
      return reply
        .type('text/plain')
        .send(`${await catalog.takeSnapshot((req.params as Q).name!)}\n`);
    } catch (e) {
      return refuse(reply, e);
    }
  });

  const projectUrl = (name: string) => `${origin}${base}/projects/name/${encodeURIComponent(name)}`;
  app.post(`${base}/startProject`, async (req, reply) => {
    const b = req.body as Q;
    try {
      await catalog.startProject(b.name!, b.defname!);
      return reply.type('text/plain').send(`${projectUrl(b.name!)}\n`);
    } catch (e) {
      return refuse(reply, e);
    }
  });
  app.get(`${base}/findProject`, async (req, reply) => {
    const name = (req.query as Q).name!;
    if (!(await catalog.projectInfo(name)))
      return reply.code(404).send(`No such project ${name}\n`);
    return reply.type('text/plain').send(`${projectUrl(name)}\n`);
  });
  app.get(`${base}/projects/name/:name/summary`, async (req, reply) => {
    const name = (req.params as Q).name!;
    const p = await catalog.projectInfo(name);
    if (!p) return reply.code(404).type('text/plain').send(`No such project ${name}\n`);
    const total = p.counts.consumed + p.counts.skipped + p.counts.delivered + p.counts.unknown;
    return {
      project_name: p.name,
      definition_name: p.definition,
      snapshot_id: p.snapshotId,
      files_in_snapshot: total,
      file_counts: {
        consumed: p.counts.consumed,
        skipped: p.counts.skipped,
        delivered: p.counts.delivered,
        unknown: p.counts.unknown,
      },
    };
  });
  app.post(`${base}/projects/name/:name/establishProcess`, async (req, reply) => {
    const pid = nextPid++;
    processes.set(`${(req.params as Q).name}\0${pid}`, (req.body as Q).description ?? String(pid));
    return reply.type('text/plain').send(`${pid}\n`);
  });
  app.post(`${base}/projects/name/:name/processes/:pid/getNextFile`, async (req, reply) => {
    const { name, pid } = req.params as Q;
    const consumer = processes.get(`${name}\0${pid}`);
    if (!consumer) return reply.code(404).send(`No such process ${pid}\n`);
    try {
      const f = await catalog.nextFile(name!, consumer);
      if (!f) return reply.code(204).send();
      return reply
        .type('text/plain')
        .send(`https://fndca1.fnal.gov:2880/pnfs/fnal.gov/usr/${experiment}/${f}\n`);
    } catch (e) {
      return refuse(reply, e);
    }
  });
  app.post(`${base}/projects/name/:name/processes/:pid/updateFileStatus`, async (req, reply) => {
    const b = req.body as Q;
    try {
      await catalog.setFileStatus((req.params as Q).name!, b.filename!, b.status as 'consumed');
      return reply.type('text/plain').send('OK\n');
    } catch (e) {
      return refuse(reply, e);
    }
  });
  app.put(`${base}/projects/name/:name/process_description/:desc/status`, async (req, reply) => {
    const { name, desc } = req.params as Q;
    await catalog.endProcess(name!, desc!, (req.body as Q).status as 'completed');
    return reply.type('text/plain').send('OK\n');
  });

  origin = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: `${origin}${base}`,
    app,
    seen,
    auth,
    failNext(n, status = 503) {
      failures = n;
      failStatus = status;
    },
    async close() {
      await app.close();
      await catalog.close();
    },
  };
}
