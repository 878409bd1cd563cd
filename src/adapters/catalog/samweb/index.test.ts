import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogContract } from '../../../../test/contracts/catalog.js';
import { startFakeSamweb, type FakeSamweb } from '../../../../test/fakes/samweb-server.js';
import { SamwebCatalog } from './index.js';

const servers: FakeSamweb[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fresh(opts: { token?: string; attempts?: number } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'samweb-'));
  dirs.push(dir);
  const server = await startFakeSamweb(path.join(dir, 'catalog.sqlite'));
  servers.push(server);
  const client = new SamwebCatalog({
    baseUrl: server.url,
    station: 'sbnd',
    group: 'sbnd',
    timeoutMs: 2000,
    backoffMs: 10,
    ...opts,
  });
  return { server, client };
}

catalogContract('samweb (fake SAM web server)', async () => (await fresh()).client);

describe('samweb adapter: transport', () => {
  it('retries reads through a server in trouble, then succeeds', async () => {
    const { server, client } = await fresh({ attempts: 3 });
    server.failNext(2);
    expect(await client.countFiles('data_tier raw')).toBe(0);
    expect(server.seen.filter((s) => s.endsWith('/files/count'))).toHaveLength(3);
    await client.close();
  });

  it('gives up after its attempts with a retryable error naming the call', async () => {
    const { server, client } = await fresh({ attempts: 2 });
    server.failNext(5);
    await expect(client.listFiles('data_tier raw')).rejects.toMatchObject({
      retryable: true,
      message: expect.stringMatching(
        /^samweb: GET \/files\/list failed after 2 attempt\(s\): HTTP 503/,
      ),
    });
    await client.close();
  });

  it('never repeats a write that is not idempotent, and passes a refusal on as not retryable', async () => {
    const { server, client } = await fresh({ attempts: 3 });
    server.failNext(1);
    await expect(
      client.declareFile({ name: 'a.root', size: 1, metadata: { data_tier: 'raw' } }),
    ).rejects.toMatchObject({ retryable: true });
    expect(server.seen.filter((s) => s === 'POST /sam/sbnd/api/files')).toHaveLength(1);
    await expect(client.listFiles('data_tier raw and')).rejects.toMatchObject({
      retryable: false,
      message: expect.stringContaining('expected a dimension at the end'),
    });
    await client.close();
  });

  it('an unreachable server is a retryable error, not an empty answer', async () => {
    const client = new SamwebCatalog({
      baseUrl: 'http://127.0.0.1:1/sam/sbnd/api',
      station: 'sbnd',
      group: 'sbnd',
      attempts: 2,
      backoffMs: 1,
      timeoutMs: 500,
    });
    await expect(client.countFiles('data_tier raw')).rejects.toMatchObject({ retryable: true });
    await client.close();
  });

  it('sends the bearer token, and long queries by POST', async () => {
    const { server, client } = await fresh({ token: 'tok-123' });
    const long = Array.from({ length: 120 }, (_, i) => `file_name f${i}.root`).join(' or ');
    expect(await client.countFiles(long)).toBe(0);
    expect(server.auth.at(-1)).toBe('Bearer tok-123');
    expect(server.seen.at(-1)).toBe('POST /sam/sbnd/api/files/count');
    await client.close();
  });
});

describe('samweb adapter: X.509 client certificates over HTTPS', () => {
  it('authenticates with a client certificate the server trusts, and fails without one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'samweb-tls-'));
    dirs.push(dir);
    const ssl = (...args: string[]) =>
      execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const selfSigned = (name: string, cn: string) =>
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
      );
    selfSigned('ca', 'test CA');
    for (const [name, cn, ext] of [
      ['server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1'],
      ['client', 'sbndpro', 'extendedKeyUsage=clientAuth'],
    ] as const) {
      ssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        `/CN=${cn}`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.csr`,
      );
      writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
      ssl(
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        `${name}.ext`,
        '-out',
        `${name}.pem`,
      );
    }
    const read = (f: string) => readFileSync(path.join(dir, f));
    const server = await startFakeSamweb(path.join(dir, 'catalog.sqlite'), {
      https: { key: read('server.key'), cert: read('server.pem'), ca: read('ca.pem') },
    });
    servers.push(server);
    expect(server.url).toMatch(/^https:/);
    const withCert = new SamwebCatalog({
      baseUrl: server.url,
      station: 'sbnd',
      group: 'sbnd',
      cert: {
        certFile: path.join(dir, 'client.pem'),
        keyFile: path.join(dir, 'client.key'),
        caFile: path.join(dir, 'ca.pem'),
      },
    });
    expect(await withCert.countFiles('data_tier raw')).toBe(0);
    await withCert.close();
    // A certificate the server's CA did not sign is refused in the TLS handshake.
    selfSigned('rogue', 'rogue');
    const without = new SamwebCatalog({
      baseUrl: server.url,
      station: 'sbnd',
      group: 'sbnd',
      attempts: 1,
      cert: {
        certFile: path.join(dir, 'rogue.pem'),
        keyFile: path.join(dir, 'rogue.key'),
        caFile: path.join(dir, 'ca.pem'),
      },
    });
    await expect(without.countFiles('data_tier raw')).rejects.toThrow(
      /^samweb: GET \/files\/count failed/,
    );
    await without.close();
  });
});
