import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { openReadOnly } from '../../sqlite/read-only.js';
import { AdapterError } from '../../../errors.js';
import type { Catalog, ConsumedStatus, DeclaredFile, FileRecord, ProjectInfo } from '../types.js';
import { parseDimensions } from './dimensions.js';
import {
  asCatalogError,
  selectFiles,
  type DimensionSource,
  type FileFacts,
  type ProjectFile,
} from './evaluate.js';
import { pushTo } from '../../../group.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS files (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, size INTEGER NOT NULL,
  checksum TEXT, create_date TEXT NOT NULL, metadata TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parentage (child INTEGER NOT NULL, parent INTEGER NOT NULL, PRIMARY KEY (child, parent));
CREATE INDEX IF NOT EXISTS parentage_parent ON parentage (parent);
CREATE TABLE IF NOT EXISTS locations (file INTEGER NOT NULL, location TEXT NOT NULL, PRIMARY KEY (file, location));
CREATE TABLE IF NOT EXISTS definitions (name TEXT PRIMARY KEY, dimensions TEXT NOT NULL, create_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (id INTEGER PRIMARY KEY, definition TEXT NOT NULL, create_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_files (snapshot INTEGER NOT NULL, file INTEGER NOT NULL, PRIMARY KEY (snapshot, file));
CREATE TABLE IF NOT EXISTS projects (name TEXT PRIMARY KEY, definition TEXT NOT NULL, snapshot INTEGER NOT NULL, create_date TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS project_files (project TEXT NOT NULL, file INTEGER NOT NULL, status TEXT NOT NULL,
  consumer TEXT, updated TEXT NOT NULL, PRIMARY KEY (project, file));
CREATE TABLE IF NOT EXISTS processes (project TEXT NOT NULL, consumer TEXT NOT NULL, status TEXT NOT NULL,
  updated TEXT NOT NULL, PRIMARY KEY (project, consumer));
`;

interface FileRow {
  id: number;
  name: string;
  size: number;
  checksum: string | null;
  create_date: string;
  metadata: string;
}

/** The files, locations and parentage as last loaded; definitions, snapshots and projects are read when asked. */
type View = Pick<DimensionSource, 'files' | 'located' | 'parents' | 'children'> & {
  files: Map<number, FileFacts>;
};

function fail(message: string, cause?: unknown): never {
  throw new AdapterError('embedded-catalog', message, { retryable: false, cause });
}

const asAdapterError = <T>(f: () => T): T => asCatalogError('embedded-catalog', f);

/** A SAM-like catalog in one SQLite file; safe for many processes declaring at once (WAL, immediate transactions). */
export class EmbeddedCatalog implements Catalog {
  readonly name = 'embedded';
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** The last loaded view, valid while neither this connection nor another has written since. */
  private cached: { version: number; writes: number; view: View } | undefined;
  private writes = 0;

  private readonly clock: () => Date;

  /** `readonly`: read without creating or changing a file; no file yet reads as an empty catalog. */
  constructor(file: string, opts: { clock?: () => Date; readonly?: boolean } = {}) {
    this.clock = opts.clock ?? (() => new Date());
    try {
      if (opts.readonly && existsSync(file)) this.db = openReadOnly(file, 30_000);
      else if (opts.readonly) {
        this.db = new Database(':memory:');
        this.db.exec(SCHEMA);
      } else {
        this.db = new Database(file, { timeout: 30_000 });
        this.db.pragma('journal_mode = WAL');
        this.db.pragma('synchronous = NORMAL');
        this.db.exec(SCHEMA);
      }
    } catch (e) {
      fail(`cannot open the catalog at ${file}: ${(e as Error).message}`, e);
    }
  }

  private now(): string {
    return this.clock().toISOString();
  }

  private fileId(name: string): number {
    const row = this.prepare('SELECT id FROM files WHERE name = ?').get(name) as
      | { id: number }
      | undefined;
    if (!row) fail(`no file named ${name}`);
    return row.id;
  }

  async declareFile(f: DeclaredFile): Promise<void> {
    this.writes++;
    const tx = this.db.transaction(() => {
      const existing = this.prepare('SELECT id FROM files WHERE name = ?').get(f.name);
      if (existing) fail(`file ${f.name} is already declared`);
      const parents = (f.parents ?? []).map((p) => this.fileId(p));
      const { lastInsertRowid } = this.prepare(
        'INSERT INTO files (name, size, checksum, create_date, metadata) VALUES (?, ?, ?, ?, ?)',
      ).run(f.name, f.size, f.checksum ?? null, this.now(), JSON.stringify(f.metadata));
      const ins = this.prepare('INSERT OR IGNORE INTO parentage (child, parent) VALUES (?, ?)');
      for (const p of parents) ins.run(lastInsertRowid, p);
    });
    tx.immediate();
  }

  async addLocation(file: string, location: string): Promise<void> {
    this.writes++;
    const id = this.fileId(file);
    this.prepare('INSERT OR IGNORE INTO locations (file, location) VALUES (?, ?)').run(
      id,
      location,
    );
  }

  async getFile(name: string): Promise<FileRecord | undefined> {
    const row = this.prepare('SELECT * FROM files WHERE name = ?').get(name) as FileRow | undefined;
    if (!row) return undefined;
    const names = (sql: string) =>
      (this.prepare(sql).all(row.id) as Array<{ name: string }>).map((r) => r.name);
    return {
      name: row.name,
      id: row.id,
      size: row.size,
      checksum: row.checksum ?? undefined,
      createDate: row.create_date,
      metadata: JSON.parse(row.metadata) as Record<string, unknown>,
      parents: names(
        'SELECT f.name FROM parentage p JOIN files f ON f.id = p.parent WHERE p.child = ? ORDER BY f.id',
      ),
      children: names(
        'SELECT f.name FROM parentage p JOIN files f ON f.id = p.child WHERE p.parent = ? ORDER BY f.id',
      ),
      locations: (
        this.prepare('SELECT location FROM locations WHERE file = ? ORDER BY location').all(
          row.id,
        ) as Array<{ location: string }>
      ).map((r) => r.location),
    };
  }

  /** A prepared statement, made once per text (a pass asks the same questions of every submission). */
  private prepare(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private view(): View {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (this.cached && this.cached.version === version && this.cached.writes === this.writes)
      return this.cached.view;
    const view = this.loadView();
    this.cached = { version, writes: this.writes, view };
    return view;
  }

  private loadView(): View {
    const files: View['files'] = new Map();
    for (const r of this.prepare('SELECT * FROM files ORDER BY id').all() as FileRow[]) {
      files.set(r.id, {
        name: r.name,
        size: r.size,
        createDate: r.create_date,
        metadata: JSON.parse(r.metadata) as Record<string, unknown>,
      });
    }
    const located = new Set(
      (this.prepare('SELECT DISTINCT file FROM locations').all() as Array<{ file: number }>).map(
        (r) => r.file,
      ),
    );
    const parents = new Map<number, number[]>();
    const children = new Map<number, number[]>();
    for (const { child, parent } of this.prepare(
      'SELECT child, parent FROM parentage',
    ).all() as Array<{ child: number; parent: number }>) {
      pushTo(parents, child, parent);
      pushTo(children, parent, child);
    }
    return { located, files, parents, children };
  }

  private select(dims: string): { ids: number[]; view: View } {
    const view = this.view();
    const src: DimensionSource = {
      ...view,
      definition: (name) => this.definitionDims(name),
      snapshotFiles: (id) =>
        (
          this.prepare('SELECT file FROM snapshot_files WHERE snapshot = ?').all(id) as Array<{
            file: number;
          }>
        ).map((r) => r.file),
      projectSnapshot: (project) =>
        (
          this.prepare('SELECT snapshot FROM projects WHERE name = ?').get(project) as
            | { snapshot: number }
            | undefined
        )?.snapshot,
      projectFiles: (project) =>
        this.prepare(
          `SELECT pf.file, pf.status, coalesce(p.status, 'active') AS process FROM project_files pf
             LEFT JOIN processes p ON p.project = pf.project AND p.consumer = pf.consumer
             WHERE pf.project = ?`,
        ).all(project) as ProjectFile[],
    };
    return { ids: asAdapterError(() => selectFiles(dims, src)), view };
  }

  private definitionDims(name: string): string | undefined {
    return (
      this.prepare('SELECT dimensions FROM definitions WHERE name = ?').get(name) as
        | { dimensions: string }
        | undefined
    )?.dimensions;
  }

  async listFiles(dimensions: string): Promise<string[]> {
    const { ids, view } = this.select(dimensions);
    return ids.map((id) => view.files.get(id)!.name);
  }

  async countFiles(dimensions: string): Promise<number> {
    return this.select(dimensions).ids.length;
  }

  async createDefinition(name: string, dimensions: string): Promise<void> {
    this.writes++;
    asAdapterError(() => parseDimensions(dimensions));
    const existing = this.definitionDims(name);
    if (existing !== undefined) {
      if (existing !== dimensions)
        fail(`definition ${name} already exists with other dimensions: ${existing}`);
      return;
    }
    this.prepare('INSERT INTO definitions (name, dimensions, create_date) VALUES (?, ?, ?)').run(
      name,
      dimensions,
      this.now(),
    );
  }

  async describeDefinition(name: string): Promise<string | undefined> {
    return this.definitionDims(name);
  }

  private snapshotSync(definition: string): number {
    this.writes++;
    const { ids } = this.select(`defname: ${definition}`);
    const tx = this.db.transaction(() => {
      const { lastInsertRowid } = this.prepare(
        'INSERT INTO snapshots (definition, create_date) VALUES (?, ?)',
      ).run(definition, this.now());
      const ins = this.prepare('INSERT INTO snapshot_files (snapshot, file) VALUES (?, ?)');
      for (const id of ids) ins.run(lastInsertRowid, id);
      return Number(lastInsertRowid);
    });
    return tx.immediate();
  }

  async takeSnapshot(definition: string): Promise<number> {
    return this.snapshotSync(definition);
  }

  async startProject(name: string, definition: string): Promise<ProjectInfo> {
    this.writes++;
    const existing = await this.projectInfo(name);
    if (existing) return existing;
    const snapshot = this.snapshotSync(definition);
    this.prepare(
      'INSERT OR IGNORE INTO projects (name, definition, snapshot, create_date) VALUES (?, ?, ?, ?)',
    ).run(name, definition, snapshot, this.now());
    return (await this.projectInfo(name))!;
  }

  async projectInfo(name: string): Promise<ProjectInfo | undefined> {
    const p = this.prepare('SELECT * FROM projects WHERE name = ?').get(name) as
      | { name: string; definition: string; snapshot: number }
      | undefined;
    if (!p) return undefined;
    const total = (
      this.prepare('SELECT count(*) n FROM snapshot_files WHERE snapshot = ?').get(p.snapshot) as {
        n: number;
      }
    ).n;
    const counts: Record<ConsumedStatus, number> = {
      delivered: 0,
      consumed: 0,
      skipped: 0,
      unknown: 0,
    };
    for (const r of this.prepare(
      'SELECT status, count(*) n FROM project_files WHERE project = ? GROUP BY status',
    ).all(name) as Array<{ status: ConsumedStatus; n: number }>) {
      counts[r.status] = r.n;
    }
    counts.unknown = total - counts.delivered - counts.consumed - counts.skipped;
    return { name: p.name, definition: p.definition, snapshotId: p.snapshot, counts };
  }

  async nextFile(project: string, consumer: string): Promise<string | undefined> {
    this.writes++;
    const tx = this.db.transaction(() => {
      const p = this.prepare('SELECT snapshot FROM projects WHERE name = ?').get(project) as
        | { snapshot: number }
        | undefined;
      if (!p) fail(`no project named ${project}`);
      const row = this.prepare(
        `SELECT s.file, f.name FROM snapshot_files s JOIN files f ON f.id = s.file
           WHERE s.snapshot = ? AND s.file NOT IN (SELECT file FROM project_files WHERE project = ?)
           ORDER BY s.file LIMIT 1`,
      ).get(p.snapshot, project) as { file: number; name: string } | undefined;
      if (!row) return undefined;
      this.prepare(
        'INSERT INTO project_files (project, file, status, consumer, updated) VALUES (?, ?, ?, ?, ?)',
      ).run(project, row.file, 'delivered', consumer, this.now());
      this.prepare(
        "INSERT OR IGNORE INTO processes (project, consumer, status, updated) VALUES (?, ?, 'active', ?)",
      ).run(project, consumer, this.now());
      return row.name;
    });
    return tx.immediate();
  }

  async setFileStatus(
    project: string,
    file: string,
    status: 'consumed' | 'skipped',
  ): Promise<void> {
    this.writes++;
    const id = this.fileId(file);
    const r = this.prepare(
      'UPDATE project_files SET status = ?, updated = ? WHERE project = ? AND file = ?',
    ).run(status, this.now(), project, id);
    if (r.changes === 0) fail(`file ${file} was not delivered by project ${project}`);
  }

  async endProcess(project: string, consumer: string, status: 'completed' | 'bad'): Promise<void> {
    this.writes++;
    this.prepare(
      `INSERT INTO processes (project, consumer, status, updated) VALUES (?, ?, ?, ?)
         ON CONFLICT (project, consumer) DO UPDATE SET status = excluded.status, updated = excluded.updated`,
    ).run(project, consumer, status, this.now());
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
