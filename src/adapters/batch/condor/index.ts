import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { AdapterError } from '../../../errors.js';
import { distEntry } from '../../../paths.js';
import { batchCommand, confirm, ownJobs } from '../command.js';
import type { Batch, BatchJob, JobLogs, SubmitRequest } from '../types.js';
import { classAdString, jobId, jobState, parseJobAds, type JobAd } from './parse.js';

export interface CondorOptions {
  /** Where submissions' task files and logs live (the submit host's disk). */
  root: string;
  /** Jobs carry GITPOMS_NAMESPACE; observe() sees only this namespace's. */
  namespace: string;
  /** Schedd name for ids when a job ad has no GlobalJobId. Default: this host. */
  schedd?: string;
  timeoutSeconds?: number;
}

const ATTRS = [
  'ClusterId',
  'ProcId',
  'JobStatus',
  'GlobalJobId',
  'HoldReason',
  'ExitCode',
  'ExitBySignal',
  'ExitSignal',
  'RemoteHost',
  'LastRemoteHost',
  'JobStartDate',
  'JobCurrentStartDate',
  'CompletionDate',
  'Iwd',
  'GITPOMS_SUBMISSION',
].join(',');

/**
 * HTCondor through its commands, as argument vectors: one `condor_submit` per submission
 * (a cluster whose procs run their own argument vectors), labels as job attributes
 * (+GITPOMS_SUBMISSION, and +POMS_TASK_ID as POMS sets), `condor_q -json` and
 * `condor_history -json` per observation (the queue, then what left it), `condor_hold`,
 * `condor_release`, `condor_rm`, each checked afterwards.
 */
export class CondorBatch implements Batch {
  readonly name = 'condor';

  constructor(private readonly opts: CondorOptions) {
    mkdirSync(opts.root, { recursive: true });
  }

  private cmd(bin: string, args: string[]): Promise<string> {
    return batchCommand('condor', bin, args, this.opts.timeoutSeconds ?? 120);
  }

  private constraint(): string {
    return `GITPOMS_NAMESPACE == ${classAdString(this.opts.namespace)}`;
  }

  async submit(req: SubmitRequest): Promise<string[]> {
    if (req.jobs.length === 0) return [];
    const dir = path.join(
      this.opts.root,
      `${req.label.replace(/[^A-Za-z0-9]+/g, '_')}_${Date.now().toString(36)}`,
    );
    mkdirSync(dir, { recursive: true });
    req.jobs.forEach((j, i) => writeFileSync(path.join(dir, `task-${i}.json`), JSON.stringify(j)));
    // Every value here is a path gitpoms made or a ClassAd string literal; the job specs stay in the task files.
    const submit = [
      'universe = vanilla',
      `executable = ${process.execPath}`,
      `arguments = "${distEntry('adapters/batch/task.js')} ${dir} $(Process)"`,
      `initialdir = ${dir}`,
      `output = ${dir}/$(Process).out`,
      `error = ${dir}/$(Process).err`,
      `log = ${dir}/job.log`,
      'should_transfer_files = NO',
      `+GITPOMS_SUBMISSION = ${classAdString(req.label)}`,
      `+GITPOMS_NAMESPACE = ${classAdString(this.opts.namespace)}`,
      `+POMS_TASK_ID = ${classAdString(req.label)}`,
      `queue ${req.jobs.length}`,
      '',
    ].join('\n');
    const file = path.join(dir, 'job.sub');
    writeFileSync(file, submit);
    const out = (await this.cmd('condor_submit', ['-terse', file])).trim();
    const m = /^(\d+)\.0 - \1\.(\d+)$/.exec(out);
    if (!m || Number(m[2]) !== req.jobs.length - 1)
      throw new AdapterError(
        'condor',
        `condor_submit printed "${out}", not ${req.jobs.length} job(s)`,
        {
          retryable: false,
        },
      );
    writeFileSync(path.join(this.opts.root, `cluster-${m[1]}`), dir);
    const ads = parseJobAds(
      await this.cmd('condor_q', [
        '-json',
        m[1]!,
        '-attributes',
        'ClusterId,ProcId,JobStatus,GlobalJobId',
      ]),
      'condor_q',
    );
    const schedd = this.opts.schedd ?? hostname();
    return req.jobs.map((_, i) => {
      const ad = ads.find((a) => a.ProcId === i);
      return ad ? jobId(ad, schedd) : `${m[1]}.${i}@${schedd}`;
    });
  }

  private toJob(ad: JobAd): BatchJob {
    const s = jobState(ad);
    const ended = s.state === 'completed' || s.state === 'removed';
    const host = (ad.RemoteHost ?? ad.LastRemoteHost)?.split('@').pop();
    const start = ad.JobCurrentStartDate ?? ad.JobStartDate;
    const iso = (t: number | undefined) => (t ? new Date(t * 1000).toISOString() : undefined);
    return {
      id: jobId(ad, this.opts.schedd ?? hostname()),
      submission: String(ad.GITPOMS_SUBMISSION ?? ''),
      state: s.state,
      ...(s.exitCode !== undefined && ended ? { exitCode: s.exitCode } : {}),
      ...(s.heldReason ? { heldReason: s.heldReason } : {}),
      ...(host ? { node: host } : {}),
      ...(start ? { startedAt: iso(start)! } : {}),
      ...(ended && ad.CompletionDate ? { endedAt: iso(ad.CompletionDate)! } : {}),
      ...(typeof ad.Iwd === 'string' ? { logPath: path.join(ad.Iwd, `${ad.ProcId}.out`) } : {}),
    };
  }

  async observe(): Promise<BatchJob[]> {
    try {
      const args = ['-json', '-constraint', this.constraint(), '-attributes', ATTRS];
      const queue = parseJobAds(await this.cmd('condor_q', args), 'condor_q');
      const history = parseJobAds(await this.cmd('condor_history', args), 'condor_history');
      // A job can be in both for a moment as it leaves the queue: the history has its end.
      const byId = new Map<string, JobAd>();
      for (const ad of [...queue, ...history]) byId.set(`${ad.ClusterId}.${ad.ProcId}`, ad);
      return [...byId.values()].map((ad) => this.toJob(ad));
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      throw new AdapterError('condor', (e as Error).message, { retryable: true, cause: e });
    }
  }

  /** Acts on the CLUSTER.PROC of each id, then observes until the change shows. */
  private async act(
    bin: string,
    ids: readonly string[],
    ok: (j: BatchJob) => boolean,
  ): Promise<void> {
    const observe = () => this.observe();
    await ownJobs('condor', observe, ids);
    await this.cmd(
      bin,
      ids.map((id) => id.split('@')[0]!),
    );
    await confirm('condor', observe, ids, ok, bin);
  }

  hold(ids: readonly string[]): Promise<void> {
    return this.act('condor_hold', ids, (j) => j.state !== 'idle' && j.state !== 'running');
  }

  release(ids: readonly string[]): Promise<void> {
    return this.act('condor_release', ids, (j) => j.state !== 'held');
  }

  kill(ids: readonly string[]): Promise<void> {
    return this.act('condor_rm', ids, (j) => j.state === 'removed' || j.state === 'completed');
  }

  async logs(id: string): Promise<JobLogs> {
    const [cluster, proc] = id.split('@')[0]!.split('.');
    const ref = path.join(this.opts.root, `cluster-${cluster}`);
    if (!existsSync(ref))
      throw new AdapterError('condor', `no job ${id} of this reconciler`, { retryable: false });
    const dir = readFileSync(ref, 'utf8');
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return {
      stdout: read(path.join(dir, `${proc}.out`)),
      stderr: read(path.join(dir, `${proc}.err`)),
    };
  }

  launchEnvironment(): { path: string[]; env: Record<string, string> } {
    return { path: [], env: {} };
  }

  async close(): Promise<void> {}
}
