/** A SAM-like file catalog: files, metadata, parentage, locations, definitions, snapshots, projects. */

export interface FileRecord {
  name: string;
  id: number;
  size: number;
  checksum: string | undefined;
  createDate: string;
  /** SAM metadata fields and category.name parameters. */
  metadata: Record<string, unknown>;
  parents: string[];
  children: string[];
  locations: string[];
}

export interface DeclaredFile {
  name: string;
  size: number;
  checksum?: string;
  metadata: Record<string, unknown>;
  parents?: string[];
}

export type ConsumedStatus = 'delivered' | 'consumed' | 'skipped' | 'unknown';

export interface ProjectInfo {
  name: string;
  definition: string;
  snapshotId: number;
  /** Files of the project's snapshot by consumption status ('unknown' for not yet delivered). */
  counts: Record<ConsumedStatus, number>;
}

export interface Catalog {
  readonly name: string;
  declareFile(f: DeclaredFile): Promise<void>;
  addLocation(file: string, location: string): Promise<void>;
  getFile(name: string): Promise<FileRecord | undefined>;
  listFiles(dimensions: string): Promise<string[]>;
  countFiles(dimensions: string): Promise<number>;
  /** Idempotent for the same dimensions; a different query under an existing name is an error. */
  createDefinition(name: string, dimensions: string): Promise<void>;
  describeDefinition(name: string): Promise<string | undefined>;
  takeSnapshot(definition: string): Promise<number>;
  /** Starts (or returns, when it exists) a project over a fresh snapshot of the definition. */
  startProject(name: string, definition: string): Promise<ProjectInfo>;
  projectInfo(name: string): Promise<ProjectInfo | undefined>;
  /** Consumers: the next undelivered file of a project for this process, or undefined when none is left. */
  nextFile(project: string, consumer: string): Promise<string | undefined>;
  setFileStatus(project: string, file: string, status: 'consumed' | 'skipped'): Promise<void>;
  /** A consumer process ends: completed, or bad (its job failed after taking files). */
  endProcess(project: string, consumer: string, status: 'completed' | 'bad'): Promise<void>;
  close(): Promise<void>;
}
