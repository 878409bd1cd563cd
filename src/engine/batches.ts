import type { Batch, BatchJob, JobLogs, SubmitRequest } from '../adapters/batch/types.js';
import { AdapterError } from '../errors.js';
import type { NamedLaunchTemplate } from '../model/index.js';
import { batchOfTemplate, type BatchName } from '../desired/desired.js';
import { pushTo } from '../group.js';

/**
 * Every batch backend a deployment reaches, seen as one: observe() asks each backend once
 * (one bulk query per backend per pass) and remembers whose each job is, so holds, releases,
 * kills and logs go to the backend that has the job. A launch goes to the backend its
 * launch template picks (`pick`); submit() and launchEnvironment() on the set itself use the
 * deployment's default.
 */
export class BatchSet implements Batch {
  readonly name: string;
  private readonly owner = new Map<string, Batch>();

  constructor(
    private readonly backends: ReadonlyMap<BatchName, Batch>,
    /** One backend given over the deployment: every template's launches go there. */
    private readonly overAll?: BatchName,
  ) {
    this.name = [...backends.keys()].join('+');
  }

  /** The backend a launch template's submissions go to. */
  pick(template: Pick<NamedLaunchTemplate, 'batch'> | undefined): Batch {
    const name = batchOfTemplate([...this.backends.keys()], template, this.overAll);
    const batch = this.backends.get(name);
    if (!batch)
      throw new AdapterError(
        'batch',
        `a launch template asks for batch ${name}; this deployment reaches ${this.name}`,
        { retryable: false, code: 'backend-unavailable' },
      );
    return batch;
  }

  private get default(): Batch {
    return this.pick(undefined);
  }

  submit(req: SubmitRequest): Promise<string[]> {
    return this.default.submit(req);
  }

  launchEnvironment(label: string): { path: string[]; env: Record<string, string> } {
    return this.default.launchEnvironment(label);
  }

  async observe(): Promise<BatchJob[]> {
    const all: BatchJob[] = [];
    this.owner.clear();
    for (const batch of this.backends.values()) {
      for (const j of await batch.observe()) {
        this.owner.set(j.id, batch);
        all.push(j);
      }
    }
    return all;
  }

  /** The backends that have these jobs, from the last observation (observing again if needed). */
  private async byOwner(ids: readonly string[]): Promise<Map<Batch, string[]>> {
    if (this.backends.size === 1) return new Map([[this.default, [...ids]]]);
    if (ids.some((id) => !this.owner.has(id))) await this.observe();
    const out = new Map<Batch, string[]>();
    for (const id of ids) {
      const b = this.owner.get(id);
      if (!b)
        throw new AdapterError('batch', `job ${id} is in none of ${this.name}`, {
          retryable: false,
          code: 'unknown-job',
        });
      pushTo(out, b, id);
    }
    return out;
  }

  async hold(ids: readonly string[]): Promise<void> {
    for (const [b, mine] of await this.byOwner(ids)) await b.hold(mine);
  }

  async release(ids: readonly string[]): Promise<void> {
    for (const [b, mine] of await this.byOwner(ids)) await b.release(mine);
  }

  async kill(ids: readonly string[]): Promise<void> {
    for (const [b, mine] of await this.byOwner(ids)) await b.kill(mine);
  }

  async logs(id: string): Promise<JobLogs> {
    const [owner] = (await this.byOwner([id])).keys();
    return owner!.logs(id);
  }

  /**
   * A job's logs from `backend` (the one its submission records), asking no other: a server
   * that only shows has observed nothing to know the owner from.
   */
  logsOn(id: string, backend: string | undefined): Promise<JobLogs> {
    const b = backend === undefined ? undefined : this.backends.get(backend as BatchName);
    return b ? b.logs(id) : this.logs(id);
  }

  async close(): Promise<void> {
    for (const b of this.backends.values()) await b.close();
  }
}

/** A job's logs, from the backend its submission was launched on when `batch` reaches several. */
export function jobLogs(batch: Batch, id: string, backend: string | undefined): Promise<JobLogs> {
  return batch instanceof BatchSet ? batch.logsOn(id, backend) : batch.logs(id);
}

/** The backend a launch goes to: the template's pick when the deployment reaches several. */
export function batchForLaunch(
  batch: Batch,
  template: Pick<NamedLaunchTemplate, 'batch'> | undefined,
): Batch {
  return batch instanceof BatchSet ? batch.pick(template) : batch;
}
