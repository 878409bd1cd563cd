import { AdapterError } from '../../../errors.js';
import { DimensionError, likeToRegExp, parseDimensions, type Dim } from './dimensions.js';

/** What a dimension query may test of one file. */
export interface FileFacts {
  name: string;
  size: number;
  createDate: string;
  metadata: Record<string, unknown>;
}

/** A project's delivered file, its consumed status and its consumer process's status. */
export interface ProjectFile {
  file: number;
  status: string;
  process: string;
}

/**
 * The catalog as the evaluator reads it: files by id (in id order), which have a location,
 * parentage both ways, and lookups of definitions, snapshots and projects. A store keeps
 * it however it likes; the evaluator only reads.
 */
export interface DimensionSource {
  files: ReadonlyMap<number, FileFacts>;
  located: ReadonlySet<number>;
  parents: ReadonlyMap<number, readonly number[]>;
  children: ReadonlyMap<number, readonly number[]>;
  definition(name: string): string | undefined;
  snapshotFiles(id: number): readonly number[];
  projectSnapshot(project: string): number | undefined;
  projectFiles(project: string): readonly ProjectFile[];
}

function compare(a: unknown, op: string, b: string): boolean {
  if (op === 'like') return likeToRegExp(b).test(String(a));
  const an = typeof a === 'number' ? a : Number(a);
  const bn = Number(b);
  const numeric =
    !Number.isNaN(an) && !Number.isNaN(bn) && String(a).trim() !== '' && b.trim() !== '';
  const c = numeric ? an - bn : String(a).localeCompare(b);
  switch (op) {
    case '=':
      return numeric ? an === bn : String(a) === b;
    case '!=':
      return numeric ? an !== bn : String(a) !== b;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    default:
      return c >= 0;
  }
}

/**
 * The values a dimension key has for a file: file fields, run numbers, or a metadata entry.
 * A run number compares as RUN, or as RUN.SUBRUN (subrun in 4 digits, as SAM writes it)
 * when the query names a subrun.
 */
export function fieldValues(f: FileFacts, key: string, query: readonly string[] = []): unknown[] {
  const k = key.toLowerCase();
  if (k === 'file_name') return [f.name];
  if (k === 'file_size') return [f.size];
  if (k === 'create_date') return [f.createDate];
  if (k === 'run_number' || k === 'run') {
    const runs = f.metadata.runs;
    const subruns = query.some((q) => q.includes('.'));
    return Array.isArray(runs)
      ? runs.map((r) =>
          !Array.isArray(r) ? r : subruns ? `${r[0]}.${String(r[1] ?? 0).padStart(4, '0')}` : r[0],
        )
      : [];
  }
  const entry = Object.entries(f.metadata).find(([mk]) => mk.toLowerCase() === k);
  if (!entry) return [];
  return Array.isArray(entry[1]) ? entry[1] : [entry[1]];
}

const byId = (a: number, b: number) => a - b;

function evaluate(q: Dim, src: DimensionSource, seen: readonly string[]): number[] {
  switch (q.kind) {
    case 'defname': {
      if (seen.includes(q.name))
        throw new DimensionError(
          `definition ${q.name} refers to itself (${[...seen, q.name].join(' -> ')})`,
        );
      const dims = src.definition(q.name);
      if (dims === undefined) throw new DimensionError(`no definition named ${q.name}`);
      return evaluate(parseDimensions(dims), src, [...seen, q.name]);
    }
    case 'field': {
      const out: number[] = [];
      const availability = q.key.toLowerCase() === 'availability';
      const op = q.op === '!=' ? '=' : q.op;
      for (const [id, f] of src.files) {
        const vals = availability
          ? [src.located.has(id) ? 'physical' : 'virtual']
          : fieldValues(f, q.key, q.values);
        const hit = vals.some((a) => q.values.some((b) => compare(a, op, b)));
        if (hit !== (q.op === '!=')) out.push(id);
      }
      return out;
    }
    case 'isparentof':
    case 'ischildof': {
      const rel = q.kind === 'isparentof' ? src.parents : src.children;
      const out = new Set<number>();
      for (const id of evaluate(q.query, src, seen)) for (const r of rel.get(id) ?? []) out.add(r);
      return [...out].sort(byId);
    }
    case 'snapshot':
      return [...src.snapshotFiles(q.id)].sort(byId);
    case 'snapshotForProject': {
      const snapshot = src.projectSnapshot(q.project);
      if (snapshot === undefined) throw new DimensionError(`no project named ${q.project}`);
      return [...src.snapshotFiles(snapshot)].sort(byId);
    }
    case 'project': {
      const res = q.statuses?.map(likeToRegExp);
      const pres = q.processStatuses?.map(likeToRegExp);
      return src
        .projectFiles(q.project)
        .filter((r) => !res || res.some((re) => re.test(r.status)))
        .filter((r) => !pres || pres.some((re) => re.test(r.process)))
        .map((r) => r.file)
        .sort(byId);
    }
    case 'and': {
      const r = new Set(evaluate(q.right, src, seen));
      return evaluate(q.left, src, seen).filter((id) => r.has(id));
    }
    case 'or':
      return [...new Set([...evaluate(q.left, src, seen), ...evaluate(q.right, src, seen)])].sort(
        byId,
      );
    case 'minus': {
      const r = new Set(evaluate(q.right, src, seen));
      return evaluate(q.left, src, seen).filter((id) => !r.has(id));
    }
    case 'with': {
      const ids = evaluate(q.query, src, seen);
      const stride = q.stride ?? 1;
      const offset = q.offset ?? 0;
      const cut =
        stride > 1
          ? ids.filter((_, i) => i >= offset && (i - offset) % stride === 0)
          : ids.slice(offset);
      return q.limit !== undefined ? cut.slice(0, q.limit) : cut;
    }
  }
}

/**
 * The ids of the files a dimension query selects, in id order except where `with` cuts an
 * ordered list. A query that does not parse, or names a definition or project that does not
 * exist (or a definition that refers to itself), is a DimensionError.
 */
export function selectFiles(dimensions: string | Dim, src: DimensionSource): number[] {
  const q = typeof dimensions === 'string' ? parseDimensions(dimensions) : dimensions;
  return evaluate(q, src, []);
}

/** A query the catalog cannot answer is that catalog's error (not retryable), not the caller's. */
export function asCatalogError<T>(backend: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DimensionError)
      throw new AdapterError(backend, e.message, { retryable: false, cause: e });
    throw e;
  }
}
