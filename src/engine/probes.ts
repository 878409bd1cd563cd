import { execFile } from 'node:child_process';
import { request } from 'undici';
import type { Catalog } from '../adapters/catalog/types.js';
import type { NamedService, ServiceStatus } from '../model/index.js';
import { settleWithin } from './deadlines.js';

export interface ProbeResult {
  status: ServiceStatus;
  detail: string;
  at: string;
}

const DEFAULT_INTERVAL_S = 60;
const DEFAULT_TIMEOUT_S = 10;

/**
 * HTTP: the expected status (when given) is good and anything else failed; without one, 2xx
 * is good, 3xx and 4xx warn, 5xx failed. No answer within the timeout is failed.
 */
async function probeHttp(url: string, expect: number | undefined, timeoutMs: number) {
  try {
    const res = await request(url, {
      method: 'GET',
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body.dump();
    const code = res.statusCode;
    const status: ServiceStatus =
      expect !== undefined
        ? code === expect
          ? 'good'
          : 'failed'
        : code < 300
          ? 'good'
          : code < 500
            ? 'warn'
            : 'failed';
    return { status, detail: `HTTP ${code}` };
  } catch (e) {
    return { status: 'failed' as const, detail: (e as Error).message };
  }
}

/**
 * Commands follow the monitoring-plugin convention the field already uses (Nagios, Icinga,
 * check_mk): exit 0 good, 1 warn, 2 failed, anything else unknown. A probe that cannot run
 * at all is unknown, not failed: a broken probe does not stop production.
 */
function probeCommand(argv: string[], timeoutMs: number): Promise<Omit<ProbeResult, 'at'>> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { timeout: timeoutMs }, (err, stdout) => {
      const first = stdout.split('\n')[0]?.trim() ?? '';
      if (!err) return resolve({ status: 'good', detail: first || 'exit 0' });
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.killed) return resolve({ status: 'failed', detail: `no answer in ${timeoutMs} ms` });
      if (typeof e.code !== 'number')
        return resolve({ status: 'unknown', detail: `cannot run ${argv[0]}: ${e.message}` });
      const status: ServiceStatus = e.code === 1 ? 'warn' : e.code === 2 ? 'failed' : 'unknown';
      resolve({ status, detail: first || `exit ${e.code}` });
    });
  });
}

/** The catalog a probe may ask: the deployment's own. */
export type ProbedCatalog = Pick<Catalog, 'name' | 'describeDefinition'>;

/** The deployment's catalog answers a question about a definition no one makes: good when it does. */
async function probeCatalog(
  catalog: ProbedCatalog | undefined,
  timeoutMs: number,
): Promise<Omit<ProbeResult, 'at'>> {
  if (!catalog) return { status: 'unknown', detail: 'this process has no catalog to ask' };
  try {
    await settleWithin(
      catalog.describeDefinition('gitpoms-probe'),
      timeoutMs,
      () => new Error(`no answer in ${timeoutMs} ms`),
    );
    return { status: 'good', detail: `the ${catalog.name} catalog answers` };
  } catch (e) {
    return { status: 'failed', detail: (e as Error).message };
  }
}

export function probe(
  svc: NamedService,
  catalog?: ProbedCatalog,
): Promise<Omit<ProbeResult, 'at'>> {
  const timeoutMs = (svc.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
  const p = svc.probe;
  if ('http' in p) return probeHttp(p.http, p.expectStatus, timeoutMs);
  if ('command' in p) return probeCommand(p.command, timeoutMs);
  return probeCatalog(catalog, timeoutMs);
}

/** Service health for the planner's launch gates: each service probed at most every intervalSeconds. */
export class ServiceProbes {
  private readonly last = new Map<string, ProbeResult & { due: number }>();

  constructor(
    private readonly clock: () => Date = () => new Date(),
    /** What `probe: { catalog: true }` asks. */
    private readonly catalog?: ProbedCatalog,
  ) {}

  /** Probes the services that are due (concurrently) and returns every service's latest status. */
  async statuses(services: readonly NamedService[]): Promise<Record<string, ServiceStatus>> {
    const now = this.clock().getTime();
    await Promise.all(
      services
        .filter((s) => (this.last.get(s.name)?.due ?? 0) <= now)
        .map(async (s) => {
          const r = await probe(s, this.catalog);
          this.last.set(s.name, {
            ...r,
            at: this.clock().toISOString(),
            due: now + (s.intervalSeconds ?? DEFAULT_INTERVAL_S) * 1000,
          });
        }),
    );
    const names = new Set(services.map((s) => s.name));
    for (const k of this.last.keys()) if (!names.has(k)) this.last.delete(k);
    return Object.fromEntries(services.map((s) => [s.name, this.last.get(s.name)!.status]));
  }

  /** The latest result of each service, for status pages. */
  results(): Record<string, ProbeResult> {
    return Object.fromEntries(
      [...this.last].map(([k, { status, detail, at }]) => [k, { status, detail, at }]),
    );
  }
}
