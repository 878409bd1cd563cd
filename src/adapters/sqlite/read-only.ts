import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';

/**
 * Opens an SQLite file to read without creating or changing a file, as a dry run and the
 * operator commands promise. A database in use (its -wal is there) is opened read-only as it
 * is: its -wal and -shm exist already. A closed one is read into memory, marked as a
 * rollback-journal database (bytes 18 and 19 of the header), because SQLite would otherwise
 * create the -wal and -shm to read a WAL database.
 */
export function openReadOnly(file: string, timeoutMs: number): Database.Database {
  if (existsSync(`${file}-wal`))
    return new Database(file, { readonly: true, fileMustExist: true, timeout: timeoutMs });
  const bytes = readFileSync(file);
  if (bytes.length >= 20) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  return new Database(bytes, { readonly: true });
}
