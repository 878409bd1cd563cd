import type {
  Catalog,
  ConsumedStatus,
  DeclaredFile,
  FileRecord,
  ProjectInfo,
} from '../../src/adapters/catalog/types.js';
import { parseDimensions } from '../../src/adapters/catalog/embedded/dimensions.js';
import {
  asCatalogError,
  selectFiles,
  type DimensionSource,
  type FileFacts,
  type ProjectFile,
} from '../../src/adapters/catalog/embedded/evaluate.js';
import { AdapterError } from '../../src/errors.js';

interface MemoryFile extends FileFacts {
  id: number;
  checksum: string | undefined;
  locations: string[];
}

function fail(message: string, cause?: unknown): never {
  throw new AdapterError('memory-catalog', message, { retryable: false, cause });
}

const dimensionsOrFail = <T>(f: () => T): T => asCatalogError('memory-catalog', f);

/**
 * A catalog in this process's memory, for engine tests: the embedded catalog's dimension
 * evaluator over maps, so a test needs no database file and no job can reach it.
 */
export class MemoryCatalog implements Catalog {
  readonly name = 'memory';
  private readonly files = new Map<number, MemoryFile>();
  private readonly ids = new Map<string, number>();
  private readonly parents = new Map<number, number[]>();
  private readonly children = new Map<number, number[]>();
  private readonly definitions = new Map<string, string>();
  private readonly snapshots: number[][] = [];
  private readonly projects = new Map<
    string,
    {
      definition: string;
      snapshot: number;
      files: Map<number, { status: ConsumedStatus; consumer: string }>;
    }
  >();
  private readonly processes = new Map<string, 'active' | 'completed' | 'bad'>();
  closed = false;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  private id(name: string): number {
    const id = this.ids.get(name);
    if (id === undefined) fail(`no file named ${name}`);
    return id;
  }

  private source(): DimensionSource {
    return {
      files: this.files,
      located: new Set([...this.files.values()].filter((f) => f.locations.length).map((f) => f.id)),
      parents: this.parents,
      children: this.children,
      definition: (n) => this.definitions.get(n),
      snapshotFiles: (id) => this.snapshots[id - 1] ?? [],
      projectSnapshot: (p) => this.projects.get(p)?.snapshot,
      projectFiles: (p): ProjectFile[] =>
        [...(this.projects.get(p)?.files ?? [])].map(([file, d]) => ({
          file,
          status: d.status,
          process: this.processes.get(`${p}\0${d.consumer}`) ?? 'active',
        })),
    };
  }

  private select(dims: string): number[] {
    return dimensionsOrFail(() => selectFiles(dims, this.source()));
  }

  async declareFile(f: DeclaredFile): Promise<void> {
    if (this.ids.has(f.name)) fail(`file ${f.name} is already declared`);
    const parents = (f.parents ?? []).map((p) => this.id(p));
    const id = this.files.size + 1;
    this.files.set(id, {
      id,
      name: f.name,
      size: f.size,
      checksum: f.checksum,
      createDate: this.clock().toISOString(),
      metadata: structuredClone(f.metadata),
      locations: [],
    });
    this.ids.set(f.name, id);
    this.parents.set(id, parents);
    for (const p of parents) this.children.set(p, [...(this.children.get(p) ?? []), id]);
  }

  async addLocation(file: string, location: string): Promise<void> {
    const f = this.files.get(this.id(file))!;
    if (!f.locations.includes(location)) f.locations = [...f.locations, location].sort();
  }

  async getFile(name: string): Promise<FileRecord | undefined> {
    const id = this.ids.get(name);
    if (id === undefined) return undefined;
    const f = this.files.get(id)!;
    const named = (ids: readonly number[] | undefined) =>
      [...(ids ?? [])].sort((a, b) => a - b).map((i) => this.files.get(i)!.name);
    return {
      name: f.name,
      id,
      size: f.size,
      checksum: f.checksum,
      createDate: f.createDate,
      metadata: structuredClone(f.metadata),
      parents: named(this.parents.get(id)),
      children: named(this.children.get(id)),
      locations: [...f.locations],
    };
  }

  async listFiles(dimensions: string): Promise<string[]> {
    return this.select(dimensions).map((id) => this.files.get(id)!.name);
  }

  async countFiles(dimensions: string): Promise<number> {
    return this.select(dimensions).length;
  }

  async createDefinition(name: string, dimensions: string): Promise<void> {
    dimensionsOrFail(() => parseDimensions(dimensions));
    const existing = this.definitions.get(name);
    if (existing !== undefined && existing !== dimensions)
      fail(`definition ${name} already exists with other dimensions: ${existing}`);
    this.definitions.set(name, dimensions);
  }

  async describeDefinition(name: string): Promise<string | undefined> {
    return this.definitions.get(name);
  }

  async takeSnapshot(definition: string): Promise<number> {
    this.snapshots.push(this.select(`defname: ${definition}`));
    return this.snapshots.length;
  }

  async startProject(name: string, definition: string): Promise<ProjectInfo> {
    if (!this.projects.has(name)) {
      const snapshot = await this.takeSnapshot(definition);
      this.projects.set(name, { definition, snapshot, files: new Map() });
    }
    return (await this.projectInfo(name))!;
  }

  async projectInfo(name: string): Promise<ProjectInfo | undefined> {
    const p = this.projects.get(name);
    if (!p) return undefined;
    const counts: Record<ConsumedStatus, number> = {
      delivered: 0,
      consumed: 0,
      skipped: 0,
      unknown: 0,
    };
    for (const { status } of p.files.values()) counts[status]++;
    counts.unknown = this.snapshots[p.snapshot - 1]!.length - p.files.size;
    return { name, definition: p.definition, snapshotId: p.snapshot, counts };
  }

  async nextFile(project: string, consumer: string): Promise<string | undefined> {
    const p = this.projects.get(project);
    if (!p) fail(`no project named ${project}`);
    const id = this.snapshots[p.snapshot - 1]!.find((f) => !p.files.has(f));
    if (id === undefined) return undefined;
    p.files.set(id, { status: 'delivered', consumer });
    const key = `${project}\0${consumer}`;
    if (!this.processes.has(key)) this.processes.set(key, 'active');
    return this.files.get(id)!.name;
  }

  async setFileStatus(
    project: string,
    file: string,
    status: 'consumed' | 'skipped',
  ): Promise<void> {
    const delivered = this.projects.get(project)?.files.get(this.id(file));
    if (!delivered) fail(`file ${file} was not delivered by project ${project}`);
    delivered.status = status;
  }

  async endProcess(project: string, consumer: string, status: 'completed' | 'bad'): Promise<void> {
    this.processes.set(`${project}\0${consumer}`, status);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
