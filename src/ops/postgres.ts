// A throwaway PostgreSQL 15 cluster (Debian's packages): initdb in a temporary directory,
// started on a free port on 127.0.0.1 with its socket in that directory, and a role for
// gitpoms with a random password. For the tests, the benchmarks and scripts/replicas.mjs;
// a production site runs its own server.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const PGBIN = '/usr/lib/postgresql/15/bin';

export const postgresAvailable = existsSync(path.join(PGBIN, 'initdb'));

export interface ThrowawayPostgres {
  /** The gitpoms role's URL, password included (this throwaway's own). */
  url: string;
  port: number;
  /** A superuser client over the socket. */
  admin(): Promise<pg.Client>;
  /** A fresh empty schema's name, for a store of its own. */
  freshSchema(): Promise<string>;
  /** Stops the server (fast shutdown: connections are cut). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Ends the server and removes its directory. */
  destroy(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

/** initdb and pg_ctl refuse root: as root they run as the postgres user. */
function asOwner(cmd: string, args: string[]): Promise<unknown> {
  const root = process.getuid?.() === 0;
  return root
    ? run('runuser', ['-u', 'postgres', '--', path.join(PGBIN, cmd), ...args])
    : run(path.join(PGBIN, cmd), args);
}

let schemas = 0;

export async function startPostgres(): Promise<ThrowawayPostgres> {
  // Short: the socket's path must stay under ~107 bytes.
  const dir = mkdtempSync(path.join(tmpdir(), 'gpg-'));
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = path.join(dir, 'data');
  await asOwner('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
    '--no-sync',
  ]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = () =>
    asOwner('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'pg.log'), '-w', 'start']);
  const stop = () => asOwner('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  const admin = async () => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
    await c.connect();
    return c;
  };
  const password = randomBytes(18).toString('base64url');
  const a = await admin();
  await a.query(`CREATE ROLE gitpoms LOGIN PASSWORD '${password}'`);
  await a.query('CREATE DATABASE gitpoms OWNER gitpoms');
  await a.end();
  const url = `postgresql://gitpoms:${password}@127.0.0.1:${port}/gitpoms`;
  return {
    url,
    port,
    admin,
    async freshSchema() {
      const name = `t${process.pid}_${++schemas}`;
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`CREATE SCHEMA ${name}`);
      await c.end();
      return name;
    },
    stop: async () => void (await stop()),
    start: async () => void (await start()),
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
