import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamedService } from '../model/index.js';
import { MemoryCatalog } from '../../test/fakes/memory-catalog.js';
import { probe, ServiceProbes } from './probes.js';

let srv: Server;
let base: string;
let hits = 0;
beforeAll(async () => {
  srv = createServer((req, res) => {
    hits++;
    const code = Number(req.url?.slice(1));
    if (req.url === '/slow') return setTimeout(() => res.end('late'), 3000);
    res.statusCode = code;
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
});
afterAll(() => {
  srv.closeAllConnections();
  srv.close();
});

const svc = (probe: NamedService['probe'], extra: Partial<NamedService> = {}): NamedService => ({
  name: 'svc',
  experiment: 'sbnd',
  probe,
  timeoutSeconds: 1,
  ...extra,
});
const node = (code: string) => ['node', '-e', code] as [string, ...string[]];

describe('service probes', () => {
  it.each([
    ['HTTP 200', { http: `/200` }, 'good'],
    ['HTTP 302', { http: `/302` }, 'warn'],
    ['HTTP 404', { http: `/404` }, 'warn'],
    ['HTTP 503', { http: `/503` }, 'failed'],
    ['HTTP 204 when 200 is expected', { http: `/204`, expectStatus: 200 }, 'failed'],
    ['HTTP 401 when 401 is expected', { http: `/401`, expectStatus: 401 }, 'good'],
    ['no answer within the timeout', { http: `/slow` }, 'failed'],
    ['nothing listening', { http: 'http://127.0.0.1:1/' }, 'failed'],
    ['command exit 0', { command: node('console.log("OK - 12 pools online")') }, 'good'],
    ['command exit 1', { command: node('process.exit(1)') }, 'warn'],
    [
      'command exit 2',
      { command: node('console.log("CRITICAL - no pools");process.exit(2)') },
      'failed',
    ],
    ['command exit 3', { command: node('process.exit(3)') }, 'unknown'],
    ['command not found', { command: ['/nonexistent/check_sam'] }, 'unknown'],
    ['command too slow', { command: node('setTimeout(()=>{},5000)') }, 'failed'],
  ] as const)('%s', async (_n, p, status) => {
    // Paths are resolved against the test server, which listens only once tests run.
    const resolved = 'http' in p && p.http.startsWith('/') ? { ...p, http: base + p.http } : p;
    const r = await probe(svc(resolved as NamedService['probe']));
    expect(r.status).toBe(status);
    expect(r.detail).not.toBe('');
  });

  it('gives the first line of a check command as detail', async () => {
    const r = await probe(
      svc({ command: node('console.log("CRITICAL - no pools\\nmore");process.exit(2)') }),
    );
    expect(r).toEqual({ status: 'failed', detail: 'CRITICAL - no pools' });
  });

  it('probes each service at most every intervalSeconds', async () => {
    let now = new Date('2026-11-25T12:00:00Z');
    const probes = new ServiceProbes(() => now);
    const s = svc({ http: `${base}/200` }, { intervalSeconds: 60 });
    const before = hits;
    expect(await probes.statuses([s])).toEqual({ svc: 'good' });
    expect(await probes.statuses([s])).toEqual({ svc: 'good' });
    expect(hits - before).toBe(1);
    now = new Date('2026-11-25T12:01:00Z');
    await probes.statuses([s]);
    expect(hits - before).toBe(2);
    expect(probes.results().svc).toMatchObject({ status: 'good', detail: 'HTTP 200' });
  });

  it("asks the deployment's catalog for probe: { catalog: true }", async () => {
    const c = svc({ catalog: true });
    const catalog = new MemoryCatalog();
    expect(await probe(c, catalog)).toEqual({
      status: 'good',
      detail: 'the memory catalog answers',
    });
    const broken = {
      name: 'samweb',
      describeDefinition: async () => {
        throw new Error('samweb: HTTP 502 from https://samweb.example/sam/sbnd/api');
      },
    };
    expect(await probe(c, broken)).toEqual({
      status: 'failed',
      detail: 'samweb: HTTP 502 from https://samweb.example/sam/sbnd/api',
    });
    const hung = { name: 'samweb', describeDefinition: () => new Promise<never>(() => {}) };
    expect(await probe(c, hung)).toEqual({ status: 'failed', detail: 'no answer in 1000 ms' });
    expect(await probe(c)).toEqual({
      status: 'unknown',
      detail: 'this process has no catalog to ask',
    });
    const probes = new ServiceProbes(undefined, catalog);
    expect(await probes.statuses([c])).toEqual({ svc: 'good' });
  });
});
