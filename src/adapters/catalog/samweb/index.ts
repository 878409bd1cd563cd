import { readFileSync } from 'node:fs';
import { Agent, request, type Dispatcher } from 'undici';
import { AdapterError } from '../../../errors.js';
import type { Catalog, DeclaredFile, FileRecord, ProjectInfo } from '../types.js';

export interface SamwebOptions {
  /** The experiment's API root, e.g. https://samweb.fnal.gov:8483/sam/sbnd/api */
  baseUrl: string;
  station: string;
  group: string;
  /** A bearer token (its value, read from the reference by the caller), or an X.509 client certificate and key. */
  token?: string;
  cert?: { certFile: string; keyFile?: string; caFile?: string };
  timeoutMs?: number;
  /** Attempts for a request that failed for a reason worth retrying (network, 5xx, 429). */
  attempts?: number;
  /** First backoff; doubled each retry. */
  backoffMs?: number;
  /** Application the consumer processes announce (SAM's appname/appversion/appfamily). */
  app?: { name: string; version: string; family: string };
}

type Form = Record<string, string>;

interface Call {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  query?: Form;
  form?: Form;
  json?: unknown;
  /** Safe to repeat after a network failure or a 5xx (reads, and writes SAM makes idempotent). */
  idempotent: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The SAM web REST API as a Catalog (the calls and formats the fermitools samweb client
 * uses). One connection pool for all calls; token or X.509 authentication; a timeout on
 * every request; retries with doubling backoff for reads and idempotent writes when the
 * network or the server fails, never for a refusal (4xx), whose message is passed on.
 */
export class SamwebCatalog implements Catalog {
  readonly name = 'samweb';
  private readonly agent: Agent;
  /** Consumer process URLs by project and consumer, as establishProcess returned them. */
  private readonly processes = new Map<string, string>();
  /** Which process each delivered file went to: its status is reported through that process. */
  private readonly delivered = new Map<string, string>();

  constructor(private readonly opts: SamwebOptions) {
    const tls = opts.cert
      ? {
          cert: readFileSync(opts.cert.certFile),
          key: readFileSync(opts.cert.keyFile ?? opts.cert.certFile),
          ...(opts.cert.caFile ? { ca: readFileSync(opts.cert.caFile) } : {}),
        }
      : {};
    this.agent = new Agent({ connections: 8, keepAliveTimeout: 30_000, connect: tls });
  }

  private url(path: string, query?: Form): string {
    const u = path.includes('://')
      ? new URL(path)
      : new URL(this.opts.baseUrl.replace(/\/$/, '') + path);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    return u.toString();
  }

  private async call(c: Call): Promise<{ status: number; text: string }> {
    const attempts = c.idempotent ? (this.opts.attempts ?? 3) : 1;
    const timeout = this.opts.timeoutMs ?? 30_000;
    const headers: Record<string, string> = { accept: 'application/json, text/plain' };
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    let body: string | undefined;
    if (c.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(c.form).toString();
    } else if (c.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(c.json);
    }
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep((this.opts.backoffMs ?? 500) * 2 ** (i - 1));
      let res: Dispatcher.ResponseData;
      try {
        res = await request(this.url(c.path, c.query), {
          method: c.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          dispatcher: this.agent,
          headersTimeout: timeout,
          bodyTimeout: timeout,
        });
      } catch (e) {
        last = e;
        continue;
      }
      const text = await res.body.text();
      if (res.statusCode >= 500 || res.statusCode === 429) {
        last = new Error(`HTTP ${res.statusCode}: ${text.trim().slice(0, 300)}`);
        continue;
      }
      return { status: res.statusCode, text };
    }
    throw new AdapterError(
      'samweb',
      `${c.method} ${c.path} failed after ${attempts} attempt(s): ${(last as Error).message}`,
      { retryable: true, cause: last },
    );
  }

  /** SAM refusing (a 4xx), with its own message: retrying will not help. */
  private refusal(what: string, r: { status: number; text: string }): AdapterError {
    return new AdapterError('samweb', `${what}: ${r.text.trim() || `HTTP ${r.status}`}`, {
      retryable: false,
    });
  }

  /** A call that must succeed. */
  private async ok(c: Call): Promise<string> {
    const r = await this.call(c);
    if (r.status >= 400) throw this.refusal(`${c.method} ${c.path}`, r);
    return r.text;
  }

  /** A read where 404 means "no such thing". */
  private async maybe(c: Call): Promise<string | undefined> {
    const r = await this.call(c);
    if (r.status === 404) return undefined;
    if (r.status >= 400) throw this.refusal(`${c.method} ${c.path}`, r);
    return r.text;
  }

  /** Dimension calls switch from GET to POST for long queries, as the samweb client does. */
  private dims(path: string, dimensions: string, query: Form = {}): Call {
    return dimensions.length > 1024
      ? { method: 'POST', path, query, form: { dims: dimensions }, idempotent: true }
      : { method: 'GET', path, query: { ...query, dims: dimensions }, idempotent: true };
  }

  private file(name: string, sub = ''): string {
    return `/files/name/${encodeURIComponent(name)}${sub}`;
  }

  async declareFile(f: DeclaredFile): Promise<void> {
    await this.ok({
      method: 'POST',
      path: '/files',
      json: {
        file_name: f.name,
        file_size: f.size,
        ...(f.checksum ? { checksum: [f.checksum] } : {}),
        ...f.metadata,
        ...(f.parents?.length ? { parents: f.parents.map((p) => ({ file_name: p })) } : {}),
      },
      idempotent: false,
    });
  }

  async addLocation(file: string, location: string): Promise<void> {
    await this.ok({
      method: 'POST',
      path: this.file(file, '/locations'),
      form: { add: location },
      idempotent: true,
    });
  }

  async getFile(name: string): Promise<FileRecord | undefined> {
    const text = await this.maybe({
      method: 'GET',
      path: this.file(name, '/metadata'),
      query: { format: 'json' },
      idempotent: true,
    });
    if (text === undefined) return undefined;
    const md = JSON.parse(text) as Record<string, unknown>;
    const children = JSON.parse(
      await this.ok({
        method: 'GET',
        path: this.file(name, '/lineage/children'),
        idempotent: true,
      }),
    ) as Array<{ file_name: string }>;
    const locations = JSON.parse(
      await this.ok({ method: 'GET', path: this.file(name, '/locations'), idempotent: true }),
    ) as Array<{ full_path: string }>;
    const { file_name, file_id, file_size, checksum, create_date, parents, ...metadata } = md;
    return {
      name: String(file_name),
      id: Number(file_id),
      size: Number(file_size),
      checksum: Array.isArray(checksum) ? (checksum[0] as string | undefined) : undefined,
      createDate: String(create_date),
      metadata,
      parents: ((parents as Array<{ file_name: string }> | undefined) ?? []).map(
        (p) => p.file_name,
      ),
      children: children.map((c) => c.file_name),
      locations: locations.map((l) => l.full_path),
    };
  }

  async listFiles(dimensions: string): Promise<string[]> {
    const text = await this.ok(this.dims('/files/list', dimensions, { format: 'plain' }));
    return text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  }

  async countFiles(dimensions: string): Promise<number> {
    const text = (await this.ok(this.dims('/files/count', dimensions))).trim();
    const n = Number(text);
    if (!Number.isInteger(n))
      throw new AdapterError(
        'samweb',
        `files/count answered "${text.slice(0, 80)}", not a number`,
        {
          retryable: false,
        },
      );
    return n;
  }

  async createDefinition(name: string, dimensions: string): Promise<void> {
    const existing = await this.describeDefinition(name);
    if (existing === dimensions) return;
    if (existing !== undefined)
      throw new AdapterError(
        'samweb',
        `definition ${name} already exists with other dimensions (${existing})`,
        { retryable: false },
      );
    await this.ok({
      method: 'POST',
      path: '/definitions/create',
      form: { defname: name, dims: dimensions, group: this.opts.group },
      idempotent: false,
    });
  }

  async describeDefinition(name: string): Promise<string | undefined> {
    const text = await this.maybe({
      method: 'GET',
      path: `/definitions/name/${encodeURIComponent(name)}/describe`,
      query: { format: 'json' },
      idempotent: true,
    });
    return text === undefined ? undefined : (JSON.parse(text) as { dimensions: string }).dimensions;
  }

  async takeSnapshot(definition: string): Promise<number> {
    const text = await this.ok({
      method: 'POST',
      path: `/definitions/name/${encodeURIComponent(definition)}/snapshot`,
      query: { format: 'plain' },
      form: { group: this.opts.group },
      idempotent: false,
    });
    return Number(text.trim());
  }

  async startProject(name: string, definition: string): Promise<ProjectInfo> {
    const known = await this.projectInfo(name);
    if (known) return known;
    await this.ok({
      method: 'POST',
      path: '/startProject',
      form: { name, station: this.opts.station, group: this.opts.group, defname: definition },
      idempotent: false,
    });
    const info = await this.projectInfo(name);
    if (!info)
      throw new AdapterError('samweb', `project ${name} was started but has no summary`, {
        retryable: true,
      });
    return info;
  }

  async projectInfo(name: string): Promise<ProjectInfo | undefined> {
    const text = await this.maybe({
      method: 'GET',
      path: `/projects/name/${encodeURIComponent(name)}/summary`,
      query: { format: 'json', process_limit: '0' },
      idempotent: true,
    });
    if (text === undefined) return undefined;
    const s = JSON.parse(text) as {
      project_name: string;
      definition_name: string;
      snapshot_id: number;
      files_in_snapshot: number;
      file_counts?: Record<string, number>;
    };
    const fc = s.file_counts ?? {};
    const consumed = (fc.consumed ?? 0) + (fc.completed ?? 0);
    const skipped = (fc.skipped ?? 0) + (fc.failed ?? 0) + (fc.cancelled ?? 0);
    const delivered = fc.delivered ?? 0;
    return {
      name: s.project_name,
      definition: s.definition_name,
      snapshotId: s.snapshot_id,
      counts: {
        consumed,
        skipped,
        delivered,
        unknown: Math.max(0, s.files_in_snapshot - consumed - skipped - delivered),
      },
    };
  }

  private async processUrl(project: string, consumer: string): Promise<string> {
    const key = `${project}\0${consumer}`;
    const known = this.processes.get(key);
    if (known) return known;
    const app = this.opts.app ?? { name: 'gitpoms', version: '1', family: 'gitpoms' };
    const projectUrl = (
      await this.ok({
        method: 'GET',
        path: '/findProject',
        query: { name: project, station: this.opts.station },
        idempotent: true,
      })
    ).trim();
    const pid = (
      await this.ok({
        method: 'POST',
        path: `${projectUrl}/establishProcess`,
        form: {
          appname: app.name,
          appversion: app.version,
          appfamily: app.family,
          description: consumer,
        },
        idempotent: false,
      })
    ).trim();
    const url = `${projectUrl}/processes/${pid}`;
    this.processes.set(key, url);
    return url;
  }

  async nextFile(project: string, consumer: string): Promise<string | undefined> {
    const r = await this.call({
      method: 'POST',
      path: `${await this.processUrl(project, consumer)}/getNextFile`,
      form: {},
      idempotent: false,
    });
    if (r.status === 204) return undefined;
    if (r.status >= 400) throw this.refusal(`getNextFile for ${project}`, r);
    // SAM answers with the file's URL; its last path component is the file name.
    const fileUrl = r.text.trim();
    if (!fileUrl) return undefined;
    const name = decodeURIComponent(fileUrl.split('/').pop()!);
    this.delivered.set(`${project}\0${name}`, await this.processUrl(project, consumer));
    return name;
  }

  async setFileStatus(
    project: string,
    file: string,
    status: 'consumed' | 'skipped',
  ): Promise<void> {
    const url = this.delivered.get(`${project}\0${file}`);
    if (!url)
      throw new AdapterError('samweb', `file ${file} was not delivered by project ${project}`, {
        retryable: false,
      });
    const r = await this.call({
      method: 'POST',
      path: `${url}/updateFileStatus`,
      form: { filename: file, status },
      idempotent: true,
    });
    if (r.status >= 400) throw this.refusal(`file ${file} in project ${project}`, r);
  }

  async endProcess(project: string, consumer: string, status: 'completed' | 'bad'): Promise<void> {
    await this.ok({
      method: 'PUT',
      path: `/projects/name/${encodeURIComponent(project)}/process_description/${encodeURIComponent(consumer)}/status`,
      form: { status },
      idempotent: true,
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
