// The catalog as the file pages ask it: only on a person's explicit drill-down (a submission's
// file accounting, a file list, one file), each answer kept for a minute and one query per
// question at a time, so a page opened by many, or reloaded, asks once.
import type { Catalog, FileRecord } from '../adapters/catalog/types.js';
import { fileAccounting, type FileCount } from '../engine/file-accounting.js';

const TTL_MS = 60_000;
const MAX_ENTRIES = 1000;

export class CatalogReads {
  private readonly memo = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly catalog: Pick<Catalog, 'countFiles' | 'listFiles' | 'getFile'>,
    private readonly clock: () => number = Date.now,
  ) {}

  private cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.clock();
    const hit = this.memo.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.value as Promise<T>;
    const value = read();
    this.memo.delete(key);
    this.memo.set(key, { at: now, value });
    // A failed read is not kept: the next asks again.
    value.catch(() => this.memo.get(key)?.value === value && this.memo.delete(key));
    while (this.memo.size > MAX_ENTRIES) this.memo.delete(this.memo.keys().next().value!);
    return value;
  }

  accounting(key: string, project: string | undefined): Promise<FileCount[]> {
    return this.cached(`accounting\0${key}\0${project ?? ''}`, () =>
      fileAccounting(this.catalog, key, project),
    );
  }

  list(dims: string): Promise<string[]> {
    return this.cached(`list\0${dims}`, () => this.catalog.listFiles(dims));
  }

  file(name: string): Promise<FileRecord | undefined> {
    return this.cached(`file\0${name}`, () => this.catalog.getFile(name));
  }
}
