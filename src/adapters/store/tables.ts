// The tables both SQL stores keep, column by column, so a site's records can be copied from
// one store to the other (gitpoms store copy) and compared after.

export type ColumnType = 'text' | 'int' | 'real' | 'bool';
export type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

export interface TableDef {
  name: string;
  /** Column → type. The first columns named in `order` sort the rows. */
  columns: Record<string, ColumnType>;
  order: string[];
  /** The column SQLite keeps as its rowid (the order rows were written in). */
  rowid?: string;
}

const t = (
  name: string,
  order: string[],
  columns: Record<string, ColumnType>,
  rowid?: string,
): TableDef => ({ name, order, columns, ...(rowid ? { rowid } : {}) });

export const TABLES: readonly TableDef[] = [
  t('submissions', ['key'], {
    key: 'text',
    campaign: 'text',
    stage: 'text',
    slice: 'text',
    attempt: 'int',
    parent: 'text',
    recovery: 'text',
    revision: 'text',
    command: 'text',
    input: 'text',
    job_type: 'text',
    launch_template: 'text',
    batch: 'text',
    project: 'text',
    status: 'text',
    held_by_gitpoms: 'bool',
    launched_at: 'text',
    definition: 'text',
  }),
  t(
    'status_history',
    ['id'],
    { id: 'int', key: 'text', status: 'text', at: 'text', reason: 'text' },
    'id',
  ),
  t('intents', ['id'], {
    id: 'int',
    kind: 'text',
    key: 'text',
    state: 'text',
    created_at: 'text',
    finished_at: 'text',
    detail: 'text',
  }),
  t('jobs', ['id'], {
    id: 'text',
    submission: 'text',
    state: 'text',
    exit_code: 'int',
    held_reason: 'text',
    ended_at: 'text',
    node: 'text',
    site: 'text',
    started_at: 'text',
    cpu_seconds: 'real',
    wall_seconds: 'real',
    log_path: 'text',
    updated_at: 'text',
  }),
  t('audit', ['id'], {
    id: 'int',
    at: 'text',
    actor: 'text',
    action: 'text',
    target: 'text',
    detail: 'text',
  }),
  t('overrides', ['id'], {
    id: 'int',
    action: 'text',
    campaign: 'text',
    stage: 'text',
    submission: 'text',
    actor: 'text',
    reason: 'text',
    created_at: 'text',
    revision: 'text',
    expires_at: 'text',
    cleared_at: 'text',
    cleared_reason: 'text',
  }),
  t('revisions', ['revision'], {
    revision: 'text',
    first_seen_at: 'text',
    last_seen_at: 'text',
    seen_seq: 'int',
    valid: 'bool',
    errors: 'text',
    applied_at: 'text',
    applied_seq: 'int',
  }),
  t('splits', ['campaign', 'stage'], {
    campaign: 'text',
    stage: 'text',
    position: 'int',
    last: 'int',
    generation: 'int',
    updated_at: 'text',
  }),
  t(
    'tokens',
    ['seq'],
    {
      seq: 'int',
      id: 'text',
      name: 'text',
      role: 'text',
      experiments: 'text',
      salt: 'text',
      hash: 'text',
      created_at: 'text',
      created_by: 'text',
      expires_at: 'text',
      revoked_at: 'text',
    },
    'seq',
  ),
];

/** A value as the table's column type says, whatever the driver returned (SQLite's 0/1, pg's booleans). */
export function normalize(type: ColumnType, v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (type === 'bool') return v === true || v === 1 || v === '1';
  if (type === 'int' || type === 'real') return Number(v);
  return String(v);
}

/** A store whose tables can be read and written whole. */
export interface StoreTables {
  readonly name: string;
  /** Every row of a table, normalized, in the table's order. */
  readTable(t: TableDef): Promise<Row[]>;
  /** Writes every table's rows into this store, which must have none, in one transaction. */
  writeTables(rows: ReadonlyMap<TableDef, readonly Row[]>): Promise<void>;
  /** The schema version this store is at, and the latest this gitpoms knows. */
  migrations(): Promise<{ applied: number; known: number }>;
  close(): Promise<void>;
}

/** Rows of a table compared in order: the first that differs, or undefined when they are the same. */
export function firstDifference(
  a: readonly Row[],
  b: readonly Row[],
): { index: number; from?: Row | undefined; to?: Row | undefined } | undefined {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || Object.keys(x).some((k) => x[k] !== y[k])) return { index: i, from: x, to: y };
  }
  return undefined;
}
