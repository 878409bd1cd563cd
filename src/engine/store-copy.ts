// Moving a site's records from one store to another (SQLite to PostgreSQL, or back for a
// backup): every table read, written into an empty store in one transaction, read back and
// compared row by row.
import {
  firstDifference,
  type Row,
  type StoreTables,
  TABLES,
  type TableDef,
} from '../adapters/store/tables.js';
import { GitpomsError } from '../errors.js';

export interface CopyReport {
  tables: Array<{ table: string; rows: number }>;
}

export async function copyStore(from: StoreTables, to: StoreTables): Promise<CopyReport> {
  const [src, dst] = [await from.migrations(), await to.migrations()];
  if (src.applied !== src.known)
    throw new GitpomsError(
      'store-schema',
      `the ${from.name} store is at schema version ${src.applied} of ${src.known}; open it with this gitpoms once (gitpoms store migrate) before copying`,
    );
  if (dst.applied !== dst.known)
    throw new GitpomsError(
      'store-schema',
      `the ${to.name} store is at schema version ${dst.applied} of ${dst.known}`,
    );
  const rows = new Map<TableDef, Row[]>();
  for (const t of TABLES) rows.set(t, await from.readTable(t));
  await to.writeTables(rows);
  const report: CopyReport = { tables: [] };
  for (const [t, list] of rows) {
    const copied = await to.readTable(t);
    const d = firstDifference(list, copied);
    if (d)
      throw new GitpomsError(
        'store-copy-differs',
        `table ${t.name} differs after the copy at row ${d.index + 1}: ${JSON.stringify(d.from ?? null)} became ${JSON.stringify(d.to ?? null)}; the target holds this copy: empty it before copying again`,
      );
    report.tables.push({ table: t.name, rows: list.length });
  }
  return report;
}
