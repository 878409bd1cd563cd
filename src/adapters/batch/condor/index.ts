import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { AdapterError } from '../../../errors.js';
import { distEntry } from '../../../paths.js';
import { batchCommand, batchRun, confirm, ownJobs, shellQuote } from '../command.js';
import { jobsubShim } from '../shim.js';
import type { Batch, BatchJob, JobLogs, SubmitRequest } from '../types.js';
import {
  classAdString,
  complaint,
  jobId,
  jobState,
  parseJobAds,
  jobsubSubmissions,
  parseJobsubSubmit,
  type JobAd,
} from './parse.js';

export interface CondorOptions {
  /** Where submissions' task files and logs live (the submit host's disk). */
  root: string;
  /** Jobs carry GITPOMS_NAMESPACE; observe() sees only this namespace's. */
  namespace: string;
  /** Schedd name for ids when a job ad has no GlobalJobId. Default: this host. */
  schedd?: string;
  timeoutSeconds?: number;
  /**
   * Go through jobsub_lite (Fermilab) as this group and role: jobsub_submit, jobsub_q,
   * jobsub_hold/release/rm, and condor_history on each schedd jobs went to.
   */
  jobsub?: { group: string; role?: string };
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
  'RemoteUserCpu',
  'RemoteSysCpu',
  'RemoteWallClockTime',
  'MATCH_EXP_JOB_GLIDEIN_Site',
  'Iwd',
  'GITPOMS_SUBMISSION',
].join(',');

/**
 * HTCondor through its commands, as argument vectors: one submission is one cluster whose
 * procs run their own argument vectors, labelled with job attributes (+GITPOMS_SUBMISSION,
 * and +POMS_TASK_ID as POMS sets). Directly: `condor_submit`, `condor_q -json` and
 * `condor_history -json` per observation (the queue, then what left it), `condor_hold`,
 * `condor_release`, `condor_rm`. Through jobsub_lite: `jobsub_submit` (its "Use job id"
 * line gives cluster and schedd), `jobsub_q -json`, `condor_history -name SCHEDD -json`
 * per schedd, `jobsub_hold`/`jobsub_release`/`jobsub_rm` on jobsub ids. jobsub_lite's
 * commands exit 0 whatever the condor command underneath did, so their output decides.
 * Every action is checked afterwards by observing.
 */
export class CondorBatch implements Batch {
  readonly name: 'condor' | 'jobsub';

  constructor(private readonly opts: CondorOptions) {
    mkdirSync(opts.root, { recursive: true });
    this.name = opts.jobsub ? 'jobsub' : 'condor';
  }

  private cmd(bin: string, args: string[]): Promise<string> {
    return batchCommand(this.name, bin, args, this.opts.timeoutSeconds ?? 120);
  }

  /** A jobsub_lite command as this group and role; its exit code says little, its stderr more. */
  private jobsub(bin: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    const { group, role } = this.opts.jobsub!;
    return batchRun(
      this.name,
      bin,
      ['-G', group, ...(role ? ['--role', role] : []), ...args],
      this.opts.timeoutSeconds ?? 120,
    );
  }

  /** A jobsub_lite query: a complaint on stderr is a failure, never "no jobs". */
  private async jobsubQuery(bin: string, args: string[]): Promise<string> {
    const { stdout, stderr } = await this.jobsub(bin, args);
    const said = complaint(stderr);
    if (said)
      throw new AdapterError(this.name, `${bin} exited 0 but said: ${said}`, { retryable: true });
    return stdout;
  }

  private constraint(): string {
    return `GITPOMS_NAMESPACE == ${classAdString(this.opts.namespace)}`;
  }

  /** The job attributes that map a job back to its submission, as submit-file (and --lines) lines. */
  private labels(label: string): string[] {
    return [
      `+GITPOMS_SUBMISSION=${classAdString(label)}`,
      `+GITPOMS_NAMESPACE=${classAdString(this.opts.namespace)}`,
      `+POMS_TASK_ID=${classAdString(label)}`,
    ];
  }

  async submit(req: SubmitRequest): Promise<string[]> {
    if (req.jobs.length === 0) return [];
    const dir = path.join(
      this.opts.root,
      `${req.label.replace(/[^A-Za-z0-9]+/g, '_')}_${Date.now().toString(36)}`,
    );
    mkdirSync(dir, { recursive: true });
    req.jobs.forEach((j, i) => writeFileSync(path.join(dir, `task-${i}.json`), JSON.stringify(j)));
    const { cluster, schedd } = this.opts.jobsub
      ? await this.submitJobsub(req, dir)
      : await this.submitCondor(req, dir);
    writeFileSync(path.join(this.opts.root, `cluster-${cluster}`), dir);
    writeFileSync(path.join(this.opts.root, `schedd-${schedd}`), '');
    return req.jobs.map((_, i) => `${cluster}.${i}@${schedd}`);
  }

  private async submitCondor(
    req: SubmitRequest,
    dir: string,
  ): Promise<{ cluster: string; schedd: string }> {
    // Every value here is a path gitpoms made or a ClassAd string literal; the job specs stay in the task files.
    const submit = [
      'universe = vanilla',
      `executable = ${process.execPath}`,
      `arguments = "${distEntry('bin/task.js')} ${dir} $(Process)"`,
      `initialdir = ${dir}`,
      `output = ${dir}/$(Process).out`,
      `error = ${dir}/$(Process).err`,
      `log = ${dir}/job.log`,
      'should_transfer_files = NO',
      ...this.labels(req.label),
      `queue ${req.jobs.length}`,
      '',
    ].join('\n');
    const file = path.join(dir, 'job.sub');
    writeFileSync(file, submit);
    const out = (await this.cmd('condor_submit', ['-terse', file])).trim();
    const m = /^(\d+)\.0 - \1\.(\d+)$/.exec(out);
    if (!m || Number(m[2]) !== req.jobs.length - 1)
      throw new AdapterError(
        this.name,
        `condor_submit printed "${out}", not ${req.jobs.length} job(s)`,
        { retryable: false },
      );
    const args = ['-json', m[1]!, '-attributes', 'ClusterId,ProcId,JobStatus,GlobalJobId'];
    let ads = parseJobAds(await this.cmd('condor_q', args), 'condor_q');
    // A cluster whose jobs ended at once has left the queue already: its ads are in the history.
    if (!ads.length) ads = parseJobAds(await this.cmd('condor_history', args), 'condor_history');
    const schedd = this.opts.schedd ?? hostname();
    return { cluster: m[1]!, schedd: ads[0] ? jobId(ads[0], schedd).split('@')[1]! : schedd };
  }

  /**
   * jobsub_submit runs one executable N times, telling each its $PROCESS: a script gitpoms
   * writes hands that index to the task runner, which runs the task's own argument vector.
   */
  private async submitJobsub(
    req: SubmitRequest,
    dir: string,
  ): Promise<{ cluster: string; schedd: string }> {
    const script = path.join(dir, 'run.sh');
    const q = shellQuote;
    writeFileSync(
      script,
      `#!/bin/sh\nexec ${q(process.execPath)} ${q(distEntry('bin/task.js'))} ${q(dir)} "$PROCESS" >${q(dir)}/"$PROCESS".out 2>${q(dir)}/"$PROCESS".err\n`,
      { mode: 0o755 },
    );
    const lines = this.labels(req.label).flatMap((l) => ['--lines', l]);
    const { stdout, stderr } = await this.jobsub('jobsub_submit', [
      '-N',
      String(req.jobs.length),
      ...lines,
      `file://${script}`,
    ]);
    const id = parseJobsubSubmit(stdout);
    if (!id) {
      const said = complaint(stderr) ?? stderr.trim().split('\n').slice(-2).join(' ');
      // A schedd that could not be reached may still have queued the jobs: the next pass looks.
      throw new AdapterError(
        this.name,
        `jobsub_submit printed no job id: ${said || stdout.trim().slice(-200)}`,
        {
          retryable: /connect|timed? ?out|unreachable|refused|SECMAN|temporar/i.test(stderr),
        },
      );
    }
    return id;
  }

  private toJob(ad: JobAd): BatchJob {
    const s = jobState(ad);
    const ended = s.state === 'completed' || s.state === 'removed';
    const host = (ad.RemoteHost ?? ad.LastRemoteHost)?.split('@').pop();
    const start = ad.JobCurrentStartDate ?? ad.JobStartDate;
    const iso = (t: number | undefined) => (t ? new Date(t * 1000).toISOString() : undefined);
    const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    // Accumulated over the job's runs; a running job's are its figures so far, so only an
    // ended job's are reported (as efficiency needs them).
    const user = ended ? n(ad.RemoteUserCpu) : undefined;
    const cpu = user === undefined ? undefined : user + (n(ad.RemoteSysCpu) ?? 0);
    const wall = ended ? n(ad.RemoteWallClockTime) : undefined;
    const site = ad.MATCH_EXP_JOB_GLIDEIN_Site;
    return {
      id: jobId(ad, this.opts.schedd ?? hostname()),
      submission: String(ad.GITPOMS_SUBMISSION ?? ''),
      state: s.state,
      ...(s.exitCode !== undefined && ended ? { exitCode: s.exitCode } : {}),
      ...(s.heldReason ? { heldReason: s.heldReason } : {}),
      ...(host ? { node: host } : {}),
      ...(typeof site === 'string' && site && site !== 'Unknown' ? { site } : {}),
      ...(start ? { startedAt: iso(start)! } : {}),
      ...(ended && ad.CompletionDate ? { endedAt: iso(ad.CompletionDate)! } : {}),
      ...(wall !== undefined ? { wallSeconds: wall } : {}),
      ...(cpu !== undefined ? { cpuSeconds: cpu } : {}),
      // Direct submissions write their logs in the job's initial directory; jobsub's own is elsewhere.
      ...(typeof ad.Iwd === 'string' && !this.opts.jobsub
        ? { logPath: path.join(ad.Iwd, `${ad.ProcId}.out`) }
        : {}),
    };
  }

  async observe(): Promise<BatchJob[]> {
    try {
      const args = ['-json', '-constraint', this.constraint(), '-attributes', ATTRS];
      const queue = parseJobAds(
        this.opts.jobsub
          ? await this.jobsubQuery('jobsub_q', args)
          : await this.cmd('condor_q', args),
        'condor_q',
      );
      // jobsub_history asks the local history only: ask each schedd jobs went to instead.
      const histories = this.opts.jobsub
        ? await Promise.all(
            this.schedds().map((s) => this.cmd('condor_history', ['-name', s, ...args])),
          )
        : [await this.cmd('condor_history', args)];
      const history = histories.flatMap((h) => parseJobAds(h, 'condor_history'));
      // A job can be in both for a moment as it leaves the queue: the history has its end.
      const byId = new Map<string, JobAd>();
      for (const ad of [...queue, ...history]) byId.set(`${ad.ClusterId}.${ad.ProcId}`, ad);
      return [...byId.values()].map((ad) => this.toJob(ad));
    } catch (e) {
      if (e instanceof AdapterError) throw e;
      throw new AdapterError(this.name, (e as Error).message, { retryable: true, cause: e });
    }
  }

  /** A script's jobsub_submit said where its jobs went: their schedd's history is asked from now on. */
  noteLaunchOutput(stdout: string): void {
    for (const { schedd } of jobsubSubmissions(stdout))
      writeFileSync(path.join(this.opts.root, `schedd-${schedd}`), '');
  }

  private schedds(): string[] {
    return readdirSync(this.opts.root)
      .filter((f) => f.startsWith('schedd-'))
      .map((f) => f.slice('schedd-'.length));
  }

  /** Acts on each id (CLUSTER.PROC directly, the jobsub id through jobsub_lite), then observes until the change shows. */
  private async act(
    verb: 'hold' | 'release' | 'rm',
    ids: readonly string[],
    ok: (j: BatchJob) => boolean,
  ): Promise<void> {
    const observe = () => this.observe();
    await ownJobs(this.name, observe, ids);
    // What jobsub_lite said is kept for the error: only the jobs' states tell whether it took.
    const said = this.opts.jobsub
      ? complaint((await this.jobsub(`jobsub_${verb}`, [...ids])).stderr)
      : await this.cmd(
          `condor_${verb}`,
          ids.map((id) => id.split('@')[0]!),
        ).then(() => undefined);
    await confirm(
      this.name,
      observe,
      ids,
      ok,
      `${this.name} ${verb}${said ? ` (it said: ${said})` : ''}`,
    );
  }

  hold(ids: readonly string[]): Promise<void> {
    return this.act('hold', ids, (j) => j.state !== 'idle' && j.state !== 'running');
  }

  release(ids: readonly string[]): Promise<void> {
    return this.act('release', ids, (j) => j.state !== 'held');
  }

  kill(ids: readonly string[]): Promise<void> {
    return this.act('rm', ids, (j) => j.state === 'removed' || j.state === 'completed');
  }

  async logs(id: string): Promise<JobLogs> {
    const [cluster, proc] = id.split('@')[0]!.split('.');
    const ref = path.join(this.opts.root, `cluster-${cluster}`);
    if (!existsSync(ref))
      throw new AdapterError(this.name, `no job ${id} of this reconciler`, { retryable: false });
    const dir = readFileSync(ref, 'utf8');
    const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
    return {
      stdout: read(path.join(dir, `${proc}.out`)),
      stderr: read(path.join(dir, `${proc}.err`)),
    };
  }

  /**
   * Through jobsub_lite, a submission script's own jobsub_submit labels its jobs through
   * JOBSUB_EXTRA_LINES, which jobsub_lite adds to every submission (its way of replacing
   * POMS's jobsub_submit wrapper). Directly, gitpoms's jobsub_submit submits them here.
   */
  launchEnvironment(label: string): { path: string[]; env: Record<string, string> } {
    if (!this.opts.jobsub)
      return jobsubShim(path.join(this.opts.root, 'bin'), {
        kind: 'condor',
        root: this.opts.root,
        namespace: this.opts.namespace,
      });
    if (label.includes(','))
      throw new AdapterError(
        this.name,
        `submission key ${label} has a comma, which JOBSUB_EXTRA_LINES cannot carry`,
        {
          retryable: false,
        },
      );
    return {
      path: [],
      env: {
        GROUP: this.opts.jobsub.group,
        JOBSUB_EXTRA_LINES: this.labels(label).join(','),
      },
    };
  }

  async close(): Promise<void> {}
}
