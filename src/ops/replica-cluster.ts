// Several `gitpoms serve --replica-id` processes on one PostgreSQL store and one data
// directory (the local executor's jobs and the embedded catalog are shared on one machine),
// each on its own port: the layout deploy/compose.yaml describes, as plain processes, for
// scripts/replicas.mjs, the replica fault tests and the failover benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBatch } from '../adapters/batch/index.js';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { PostgresStore } from '../adapters/store/postgres/index.js';

/** The checkout this gitpoms runs from: the demo, its campaigns, bin/gitpoms.js. */
const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));

export type ReplicaBatch = 'local' | 'slurm' | 'jobsub';

/** How the layout's campaigns are owned, spread over experiments, and what they read. */
export interface ReplicaSharing {
  /** gitpoms.yaml's replicas.ownership. Default: campaign. */
  ownership?: 'campaign' | 'experiment';
  /** Campaign i belongs to experiment i mod this (sbnd, then sbnd1, sbnd2, …). Default: 1. */
  experiments?: number;
  /**
   * Each campaign also has a stage reco reading the definition SPLIT_INPUT, nfiles(2): its
   * files are made by seedSplitInput, this many of them.
   */
  splitInputs?: number;
}

/** The definition the campaigns' split stage reads. */
export const SPLIT_INPUT = 'rep_input';

/** Files of the split stage's input, made (as the demo's generator makes them) and located. */
export async function seedSplitInput(dataDir: string, n: number): Promise<string[]> {
  const dir = '/pnfs/sbnd/rep_input/';
  mkdirSync(path.join(dataDir, 'storage', dir), { recursive: true });
  const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
  try {
    const names: string[] = [];
    for (let i = 1; i <= n; i++) {
      const name = `rep_input_${i}.root`;
      const events = [1, 2].map((event) => ({ run: 1, subrun: i, event, history: ['gen'] }));
      const doc = JSON.stringify({
        format: 'demo-artroot',
        fcl: 'prodgenie.fcl',
        stage: 'gen',
        runs: [[1, i, 'mc']],
        events,
      });
      writeFileSync(path.join(dataDir, 'storage', dir, name), doc);
      await catalog.declareFile({
        name,
        size: doc.length,
        metadata: { file_type: 'mc', data_tier: 'generated', runs: [[1, i, 'mc']] },
      });
      await catalog.addLocation(name, dir);
      names.push(name);
    }
    await catalog.createDefinition(
      SPLIT_INPUT,
      'file_name like rep_input_% and availability physical',
    );
    return names;
  } finally {
    await catalog.close();
  }
}

/** The experiment of the layout's campaign `i`. */
export const replicaExperiment = (i: number, experiments = 1): string =>
  i % experiments === 0 ? 'sbnd' : `sbnd${i % experiments}`;

/** A repository of `n` small SBND campaigns: gen (2 submissions of 2 jobs) → g4. */
export function replicaRepo(
  dir: string,
  n: number,
  schema: string,
  batch: ReplicaBatch = 'local',
  sharing: ReplicaSharing = {},
): string[] {
  for (const p of ['gitpoms.yaml', 'schemas', 'demo', 'campaigns/sbnd'])
    cpSync(path.join(CHECKOUT, p), path.join(dir, p), { recursive: true });
  const config = path.join(dir, 'gitpoms.yaml');
  writeFileSync(
    config,
    readFileSync(config, 'utf8')
      .replace('store: sqlite', `store: postgres\n    postgres: { schema: ${schema} }`)
      .replace(
        'batch: local',
        batch === 'jobsub' ? 'batch: jobsub\n    jobsub: { group: sbnd }' : `batch: ${batch}`,
      )
      // The demo's lar writes sbnd.* parameters, whichever experiment the campaign is in.
      .replace("passEnv: ['DEMO_*']", "passEnv: ['DEMO_*']\n    categories: [sbnd]")
      .concat(sharing.ownership ? `  replicas:\n    ownership: ${sharing.ownership}\n` : ''),
  );
  const sbnd = path.join(dir, 'campaigns/sbnd');
  // A site on Slurm launches its templates there (the local executor runs any template).
  if (batch !== 'local') {
    const launch = path.join(sbnd, 'launch.yaml');
    writeFileSync(launch, readFileSync(launch, 'utf8').replace('batch: jobsub', `batch: ${batch}`));
  }
  const text = readFileSync(path.join(sbnd, 'mcc-test-1.yaml'), 'utf8');
  const small = text.replace('submit.N: 10', 'submit.N: 2').replace(
    /\n {4}- name: detsim[\s\S]*$/,
    sharing.splitInputs
      ? `
    - name: reco
      dataset: ${SPLIT_INPUT}
      split: nfiles(2)
      completion: { type: located, percent: 100 }
      overrides:
        global.fclfile: standard_reco_sbnd.fcl
        global.basename: reco
`
      : '\n',
  );
  rmSync(path.join(sbnd, 'mcc-test-1.yaml'));
  rmSync(path.join(sbnd, 'reco2.yaml'));
  // Its probes reach Fermilab's servers, which this machine cannot: they would gate launches.
  rmSync(path.join(sbnd, 'services.yaml'));
  // Each further experiment has the same job types and launch template as its own.
  for (let e = 1; e < (sharing.experiments ?? 1); e++) {
    const own = path.join(dir, 'campaigns', `sbnd${e}`);
    mkdirSync(own);
    for (const f of ['jobtypes.yaml', 'launch.yaml'])
      writeFileSync(
        path.join(own, f),
        readFileSync(path.join(sbnd, f), 'utf8').replaceAll(
          'experiment: sbnd\n',
          `experiment: sbnd${e}\n`,
        ),
      );
  }
  return Array.from({ length: n }, (_, i) => {
    const name = `sbnd-rep-${String(i).padStart(2, '0')}`;
    const experiment = replicaExperiment(i, sharing.experiments);
    writeFileSync(
      path.join(sbnd, `${name}.yaml`),
      small
        .replaceAll('sbnd-mcc-test-1', name)
        .replace('experiment: sbnd\n', `experiment: ${experiment}\n`),
    );
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
      storeUrl: string;
      schema: string;
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

  private view: PostgresStore | undefined;

  /** The store the replicas share, read-only: who holds which lease is what it says. */
  private store(): PostgresStore {
    return (this.view ??= new PostgresStore({
      url: this.o.storeUrl,
      schema: this.o.schema,
      readonly: true,
    }));
  }

  private running(id: string): boolean {
    const c = this.replicas.get(id)?.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** The campaigns each running replica holds under an unexpired lease, as the store says. */
  async holdings(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    let leases;
    try {
      leases = await this.store().leases();
    } catch {
      // Not migrated yet, or the server restarting: the store opens again at the next call.
      return out;
    }
    const live = new Map(
      leases.leases
        .filter((l) => l.expiresAt > leases.now && this.running(l.owner))
        .map((l) => [l.unit, l.owner]),
    );
    for (const m of leases.members) {
      const owner = live.get(m.unit);
      if (owner) out.set(owner, [...(out.get(owner) ?? []), m.campaign]);
    }
    return out;
  }

  async ownerOf(campaign: string): Promise<string[]> {
    return [...(await this.holdings())].filter(([, cs]) => cs.includes(campaign)).map(([id]) => id);
  }

  /** Leases, heartbeats and each replica's last lease news, for a failure's message. */
  async snapshot(): Promise<string> {
    const lines: string[] = [];
    try {
      const { now, leases, members } = await this.store().leases();
      for (const l of leases)
        lines.push(`lease ${l.unit}: ${l.owner} token ${l.token}, ${l.expiresAt - now} ms left`);
      for (const m of members)
        if (m.unit !== m.campaign) lines.push(`${m.campaign} in ${m.unit} (token ${m.token})`);
      const { replicas } = await this.store().replicas();
      for (const r of replicas) lines.push(`heartbeat ${r.id}: ${now - r.heartbeatAt} ms ago`);
    } catch (e) {
      lines.push(`the store: ${(e as Error).message}`);
    }
    for (const r of this.replicas.values()) {
      const state = this.running(r.id)
        ? 'running'
        : `ended (${r.child.signalCode ?? r.child.exitCode})`;
      const log = path.join(this.o.dataDir, `reconciler-${r.id}.log`);
      const news = existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((x) => /lease|renew|pass failed/i.test(x))
            .slice(-4)
        : [];
      lines.push(`${r.id} ${state}`, ...news.map((x) => `  ${x.slice(0, 300)}`));
    }
    return lines.join('\n');
  }

  signal(id: string, sig: NodeJS.Signals): void {
    this.replicas.get(id)!.child.kill(sig);
  }

  async exited(id: string): Promise<void> {
    if (!this.running(id)) return;
    await new Promise((r) => this.replicas.get(id)!.child.once('exit', r));
  }

  async stopAll(): Promise<void> {
    for (const r of this.replicas.values()) {
      if (!this.running(r.id)) continue;
      r.child.kill('SIGCONT');
      r.child.kill('SIGTERM');
    }
    await Promise.all([...this.replicas.keys()].map((id) => this.exited(id)));
    await this.view?.close().catch(() => undefined);
    this.view = undefined;
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
  /** Where the jobs run (gitpoms.yaml's backends.batch): the local executor by default. */
  batch?: ReplicaBatch;
  sharing?: ReplicaSharing;
  /** More of the replicas' environment (PATH too: a batch system's commands, or wrappers of them). */
  env?: Record<string, string>;
}): {
  repo: string;
  dataDir: string;
  names: string[];
  cluster: ReplicaCluster;
  /**
   * Waits (up to 5 min) for the jobs to end: they outlive their replicas. Jobs still queued on
   * Slurm are cancelled first (a measurement launches more than the node runs in that time).
   */
  settle(): Promise<void>;
  remove(): void;
} {
  const repo = mkdtempSync(path.join(tmpdir(), 'gitpoms-replicas-repo-'));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gitpoms-replicas-data-'));
  const batchName = o.batch ?? 'local';
  const names = replicaRepo(repo, o.campaigns, o.schema, batchName, o.sharing);
  const cluster = new ReplicaCluster({
    repo,
    dataDir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: tmpdir(),
      DEMO_EVENT_MS: '0',
      GITPOMS_STORE_URL: o.storeUrl,
      ...o.env,
    },
    leaseSeconds: o.leaseSeconds,
    intervalSeconds: o.intervalSeconds,
    storeUrl: o.storeUrl,
    schema: o.schema,
  });
  return {
    repo,
    dataDir,
    names,
    cluster,
    async settle() {
      const batch = openBatch(batchName, {
        dataDir,
        backends: batchName === 'jobsub' ? { jobsub: { group: 'sbnd' } } : {},
        env: { ...process.env, ...o.env },
        slots: 1,
      });
      try {
        for (let i = 0; i < 600; i++) {
          const live = (await batch.observe()).filter(
            (j) =>
              j.state === 'idle' ||
              j.state === 'running' ||
              (batchName !== 'local' && j.state === 'held'),
          );
          if (!live.length) return;
          if (batchName !== 'local' && i === 0) await batch.kill(live.map((j) => j.id));
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
