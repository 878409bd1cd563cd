// Several `gitpoms serve --replica-id` processes on one PostgreSQL store and one data
// directory (the local executor's jobs and the embedded catalog are shared on one machine),
// each on its own port: the layout deploy/compose.yaml describes, as plain processes, for
// scripts/replicas.mjs, the replica fault tests and the failover benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalExecutor } from '../adapters/batch/local/index.js';

/** The checkout this gitpoms runs from: the demo, its campaigns, bin/gitpoms.js. */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

/** A repository of `n` small SBND campaigns: gen (2 submissions of 2 jobs) → g4. */
export function replicaRepo(dir: string, n: number, schema: string): string[] {
  for (const p of ['gitpoms.yaml', 'schemas', 'demo', 'campaigns/sbnd'])
    cpSync(path.join(CHECKOUT, p), path.join(dir, p), { recursive: true });
  const config = path.join(dir, 'gitpoms.yaml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8').replace(
      'store: sqlite',
      `store: postgres\n    postgres: { schema: ${schema} }`,
    ),
  );
  const sbnd = path.join(dir, 'campaigns/sbnd');
  const text = readFileSync(path.join(sbnd, 'mcc-test-1.yaml'), 'utf8');
  const small = text
    .replace('submit.N: 10', 'submit.N: 2')
    .replace(/\n {4}- name: detsim[\s\S]*$/, '\n');
  rmSync(path.join(sbnd, 'mcc-test-1.yaml'));
  rmSync(path.join(sbnd, 'reco2.yaml'));
  // Its probes reach Fermilab's servers, which this machine cannot: they would gate launches.
  rmSync(path.join(sbnd, 'services.yaml'));
  return Array.from({ length: n }, (_, i) => {
    const name = `sbnd-rep-${String(i).padStart(2, '0')}`;
    writeFileSync(path.join(sbnd, `${name}.yaml`), small.replaceAll('sbnd-mcc-test-1', name));
    return name;
  });
}

export interface Replica {
  id: string;
  child: ChildProcess;
  url: string;
  out: string;
}

export class ReplicaCluster {
  readonly replicas = new Map<string, Replica>();

  constructor(
    private readonly o: {
      repo: string;
      dataDir: string;
      env: Record<string, string>;
      leaseSeconds: number;
      intervalSeconds: number;
    },
  ) {}

  async start(id: string): Promise<Replica> {
    const child = spawn(
      process.execPath,
      [
        path.join(CHECKOUT, 'bin/gitpoms.js'),
        'serve',
        '--replica-id',
        id,
        '--repo',
        this.o.repo,
        '--data-dir',
        this.o.dataDir,
        '--port',
        '0',
        '--interval',
        String(this.o.intervalSeconds),
        '--lease-seconds',
        String(this.o.leaseSeconds),
      ],
      { env: this.o.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const r: Replica = { id, child, url: '', out: '' };
    child.stdout!.on('data', (b: Buffer) => (r.out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (r.out += b.toString()));
    this.replicas.set(id, r);
    // Generous: on a loaded machine (replicas and their jobs on two cores) a start is slow.
    const deadline = Date.now() + 120_000;
    while (!/listening on (http:\/\/\S+)/.test(r.out)) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`replica ${id} did not start:\n${r.out}`);
      await sleep(50);
    }
    r.url = /listening on (http:\/\/\S+)/.exec(r.out)![1]!;
    return r;
  }

  /** The campaigns each running replica says it holds (a stopped one does not answer). */
  async holdings(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    await Promise.all(
      [...this.replicas.values()].map(async (r) => {
        if (r.child.exitCode !== null || r.child.signalCode !== null) return;
        try {
          const res = await fetch(`${r.url}/readyz`, { signal: AbortSignal.timeout(500) });
          const body = (await res.json()) as { campaigns?: Array<{ campaign: string }> };
          out.set(
            r.id,
            (body.campaigns ?? []).map((c) => c.campaign),
          );
        } catch {
          // Paused, or going: it holds nothing it can act on.
        }
      }),
    );
    return out;
  }

  async ownerOf(campaign: string): Promise<string[]> {
    return [...(await this.holdings())].filter(([, cs]) => cs.includes(campaign)).map(([id]) => id);
  }

  signal(id: string, sig: NodeJS.Signals): void {
    this.replicas.get(id)!.child.kill(sig);
  }

  async exited(id: string): Promise<void> {
    const c = this.replicas.get(id)!.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    await new Promise((r) => c.once('exit', r));
  }

  async stopAll(): Promise<void> {
    for (const r of this.replicas.values()) {
      if (r.child.exitCode !== null || r.child.signalCode !== null) continue;
      r.child.kill('SIGCONT');
      r.child.kill('SIGTERM');
    }
    await Promise.all([...this.replicas.keys()].map((id) => this.exited(id)));
  }
}

/**
 * A repository of `campaigns` small campaigns and a data directory in temporary directories,
 * and replicas to run on them with the store at `storeUrl` (none started yet).
 */
export function replicaLayout(o: {
  storeUrl: string;
  campaigns: number;
  schema: string;
  leaseSeconds: number;
  intervalSeconds: number;
}): {
  repo: string;
  dataDir: string;
  names: string[];
  cluster: ReplicaCluster;
  /** Waits (up to 5 min) for the local executor's jobs to end: they outlive their replicas. */
  settle(): Promise<void>;
  remove(): void;
} {
  const repo = mkdtempSync(path.join(tmpdir(), 'gitpoms-replicas-repo-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-replicas-data-'));
  const names = replicaRepo(repo, o.campaigns, o.schema);
  const cluster = new ReplicaCluster({
    repo,
    dataDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      DEMO_EVENT_MS: '0',
      GITPOMS_STORE_URL: o.storeUrl,
    },
    leaseSeconds: o.leaseSeconds,
    intervalSeconds: o.intervalSeconds,
  });
  return {
    repo,
    dataDir,
    names,
    cluster,
    async settle() {
      const batch = new LocalExecutor({ root: path.join(dataDir, 'local-batch'), slots: 1 });
      try {
        for (let i = 0; i < 600; i++) {
          const jobs = await batch.observe();
          if (!jobs.some((j) => j.state === 'idle' || j.state === 'running')) return;
          await sleep(500);
        }
      } finally {
        await batch.close();
      }
    },
    remove() {
      for (const d of [repo, dataDir]) rmSync(d, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
