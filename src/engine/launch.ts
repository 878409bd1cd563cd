import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobSpec, SubmitRequest } from '../adapters/batch/types.js';
import type { SplitAdvance } from '../adapters/store/types.js';
import { GitpomsError } from '../errors.js';
import { parseFifeLaunchArgs } from '../fife/argv.js';
import { FifeLaunchError, fifeLaunch } from '../fife/launch.js';
import type { DesiredState, NamedLaunchTemplate } from '../model/index.js';
import type { LaunchAction } from '../plan/types.js';
import { distEntry } from '../paths.js';
import { outputsOf, projectName, recoveryDimensions } from '../job/dimensions.js';
import { jobPlan } from '../job/job-plan.js';
import type { WrapConfig } from '../job/wrap-config.js';
import { findJobType, findStage } from '../desired/desired.js';
import { insideRepo } from '../desired/repo.js';
import { repoConfigFiles, type RefusedFile } from '../desired/rules/fife.js';
import { fsRepo } from '../source/fs-repo.js';
import { batchForLaunch } from './batches.js';
import type { Deps } from './deps.js';
import { runLaunch } from './launch-host.js';

/**
 * How a launched slice moves its split on. A slice whose files accumulate (drainingn,
 * byexistingruns, stagedfiles) adds its project's snapshot to the accumulated one, as POMS
 * does: a definition `snapshot_id A or snapshot_id B`, snapshotted.
 */
export async function splitAdvance(
  deps: Pick<Deps, 'catalog'>,
  a: Pick<LaunchAction, 'campaign' | 'stage' | 'input'>,
  project: string | undefined,
): Promise<SplitAdvance | undefined> {
  if (a.input.kind !== 'split') return undefined;
  const sl = a.input.slice;
  let last = sl.next.last;
  if (sl.accumulates && sl.definition) {
    const snap =
      (project ? (await deps.catalog.projectInfo(project))?.snapshotId : undefined) ??
      (await deps.catalog.takeSnapshot(sl.definition));
    if (last === undefined) last = snap;
    else {
      // POMS's name for it: the slice's, with "full" for "slice" (the dataset's own name kept).
      const at = sl.definition.lastIndexOf('_slice_');
      const full =
        at < 0
          ? `${sl.definition}_full`
          : `${sl.definition.slice(0, at)}_full_${sl.definition.slice(at + '_slice_'.length)}`;
      await deps.catalog.createDefinition(full, `snapshot_id ${last} or snapshot_id ${snap}`);
      last = await deps.catalog.takeSnapshot(full);
    }
  }
  return {
    campaign: a.campaign,
    stage: a.stage,
    from: { position: sl.position, generation: sl.generation },
    to: { position: sl.next.position, ...(last !== undefined ? { last } : {}) },
  };
}

export class LaunchError extends GitpomsError {
  constructor(message: string) {
    super('launch-failed', message);
  }
}

/** The launch template a launch names, in its stage's experiment. */
export function launchTemplateOf(
  desired: DesiredState,
  a: Pick<LaunchAction, 'campaign' | 'stage' | 'launchTemplate'>,
): NamedLaunchTemplate | undefined {
  const experiment = findStage(desired, a)?.experiment;
  return desired.launchTemplates.find(
    (t) => t.name === a.launchTemplate && t.experiment === experiment,
  );
}

/** The catalog definition a submission consumes, created here when gitpoms names it. */
async function prepareInput(
  deps: Deps,
  a: LaunchAction,
): Promise<{ definition: string | undefined }> {
  const input = a.input;
  switch (input.kind) {
    case 'none':
    case 'rerun':
      return { definition: undefined };
    case 'dataset':
      if (input.dimensions) await deps.catalog.createDefinition(input.definition, input.dimensions);
      else if ((await deps.catalog.describeDefinition(input.definition)) === undefined) {
        throw new LaunchError(
          `dataset definition ${input.definition} does not exist in the catalog`,
        );
      }
      return { definition: input.definition };
    case 'parent':
      await deps.catalog.createDefinition(
        input.definition,
        outputsOf(input.sources, input.filePatterns),
      );
      return { definition: input.definition };
    case 'recovery': {
      const of = await deps.store.submission(input.of);
      const info = of?.project ? await deps.catalog.projectInfo(of.project) : undefined;
      if (!info)
        throw new LaunchError(
          `recovery ${input.type} needs the project of ${input.of}, which has none`,
        );
      const dims = recoveryDimensions(input.type, {
        project: info.name,
        definition: info.definition,
        campaign: a.campaign,
        stage: a.stage,
      });
      await deps.catalog.createDefinition(input.definition, dims);
      return { definition: input.definition };
    }
    case 'split': {
      const sl = input.slice;
      if (sl.definition && sl.dimensions)
        await deps.catalog.createDefinition(sl.definition, sl.dimensions);
      else if (
        sl.definition &&
        (await deps.catalog.describeDefinition(sl.definition)) === undefined
      )
        throw new LaunchError(
          `dataset definition ${sl.definition} (slice ${sl.position + 1} of split ${sl.type}) does not exist in the catalog`,
        );
      return { definition: sl.definition };
    }
  }
}

function jobEnv(
  deps: Deps,
  a: LaunchAction,
  extra: Record<string, string>,
  proc: number,
  pathFirst: string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(deps.env)) {
    if (v === undefined) continue;
    if (deps.local.passEnv.some((p) => (p.endsWith('*') ? k.startsWith(p.slice(0, -1)) : k === p)))
      env[k] = v;
  }
  const localPath = deps.local.path.map((p) => path.resolve(deps.repoRoot, p));
  return {
    ...env,
    ...extra,
    PATH: [...pathFirst, ...localPath, deps.env.PATH ?? '/usr/bin:/bin'].join(':'),
    HOME: deps.env.HOME ?? '/tmp',
    PROCESS: String(proc),
    JOBSUBJOBSECTION: String(proc),
    GITPOMS_SUBMISSION: a.key,
    POMS_TASK_ID: a.key,
    POMS_CAMPAIGN_ID: a.campaign,
  };
}

/**
 * The argument vector of a submission script: a script of the repository by its path there
 * (read as validation reads it: inside the repository, a regular file), else a program on PATH.
 */
function launchArgv(repoRoot: string, command: readonly string[]): string[] {
  const [first, ...rest] = command as [string, ...string[]];
  const rel = insideRepo(first);
  const repo = fsRepo(repoRoot);
  const why = rel === undefined ? 'outside the repository' : repo.problem(rel);
  if (why && first.includes('/')) throw new LaunchError(`launch script ${first} is ${why}`);
  if (rel !== undefined && !why && repo.read(rel) !== undefined)
    return [path.resolve(repoRoot, rel), ...rest];
  if (first.includes('/'))
    throw new LaunchError(`launch script ${first} does not exist in the repository`);
  return [first, ...rest];
}

/** Runs a submission script with the submission key, the catalog and the batch system's jobsub_submit in its environment. */
async function runLaunchScript(
  deps: Deps,
  desired: DesiredState,
  a: LaunchAction,
  dir: string,
  data: Record<string, string>,
): Promise<void> {
  const argv = launchArgv(deps.repoRoot, a.command);
  const template = launchTemplateOf(desired, a);
  const batch = batchForLaunch(deps.batch, template);
  const launchEnv = batch.launchEnvironment(a.key);
  const env = jobEnv(
    deps,
    a,
    {
      ...launchEnv.env,
      ...data,
      GITPOMS_CAMPAIGN: a.campaign,
      GITPOMS_STAGE: a.stage,
      GITPOMS_CATALOG: JSON.stringify(deps.catalogSpec),
      GITPOMS_STORAGE: path.join(deps.dataDir, 'storage'),
      GITPOMS_WRAP: distEntry('bin/wrap.js'),
      GITPOMS_NODE: process.execPath,
    },
    0,
    launchEnv.path,
  );
  const exported = Object.fromEntries(
    Object.entries(env).filter(
      ([k]) => k.startsWith('GITPOMS_') || k === 'SAM_PROJECT_NAME' || k === 'POMS_TASK_ID',
    ),
  );
  try {
    const r = await runLaunch(template, argv, {
      cwd: deps.repoRoot,
      env,
      exported,
      reconcilerEnv: deps.env,
      timeoutMs: deps.launchTimeoutMs,
      embedded: batch.name === 'local',
    });
    writeFileSync(path.join(dir, 'launch.log'), `$ ${r.shown}\n${r.stdout}${r.stderr}`);
    batch.noteLaunchOutput?.(r.stdout);
  } catch (e) {
    const err = e as { code?: number | string; stderr?: string; message: string };
    const tail = (err.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
    throw new LaunchError(
      `launch script ${a.command[0]} failed (${err.code ?? 'error'})${tail ? `: ${tail}` : `: ${err.message}`}`,
    );
  }
}

/**
 * Turns a launch into the jobs the batch system runs. A fife_launch job type is rendered
 * the way fife_launch would render it and each job runs the gitpoms wrapper (fife_wrap's
 * role) around the executable. A submission script (DUNE's MCC scripts) is run here and now,
 * as POMS runs it on the launch host: it submits its own jobs through the batch system's
 * jobsub_submit, labelled with the key it finds in its environment; request is then undefined.
 */
export async function renderSubmission(
  deps: Deps,
  desired: DesiredState,
  a: LaunchAction,
): Promise<{ request: SubmitRequest | undefined; project: string | undefined }> {
  const stage = findStage(desired, a)!;
  const jt = findJobType(desired, stage.experiment, stage.jobType)!;
  const { definition } = await prepareInput(deps, a);
  let files: number | undefined;
  let project: string | undefined;
  if (definition) {
    files = await deps.catalog.countFiles(`defname: ${definition}`);
    if (files === 0)
      throw new LaunchError(`definition ${definition} has no files; nothing to launch`);
    project = projectName(a.key);
    await deps.catalog.startProject(project, definition);
  }
  const dir = path.join(deps.dataDir, 'submissions', projectName(a.key));
  mkdirSync(dir, { recursive: true });
  if (!jt.fifeConfig) {
    await runLaunchScript(deps, desired, a, dir, {
      ...(definition ? { GITPOMS_DATASET: definition } : {}),
      ...(project ? { SAM_PROJECT_NAME: project } : {}),
    });
    return { request: undefined, project };
  }
  const args = parseFifeLaunchArgs(a.command.slice(1));
  const refused: RefusedFile[] = [];
  let rendered: ReturnType<typeof fifeLaunch>;
  try {
    rendered = fifeLaunch({
      config: args.config!,
      overrides: args.overrides,
      stages: args.stages,
      argPush: args.argPush,
      argDel: args.argDel,
      env: { FIFE_UTILS_DIR: distEntry('bin') },
      files: repoConfigFiles(fsRepo(deps.repoRoot), refused),
      ...(files !== undefined ? { datasetFiles: files } : {}),
    });
  } catch (e) {
    const first = refused[0];
    if (e instanceof FifeLaunchError && e.code === 'config-not-found' && first)
      throw new LaunchError(`fife_launch reads ${first.path}, which is ${first.why}`);
    throw e;
  }
  const plan = jobPlan(rendered);
  const wrap: WrapConfig = {
    submission: a.key,
    campaign: a.campaign,
    stage: a.stage,
    catalog: deps.catalogSpec,
    ...(project ? { project } : {}),
    filesPerJob: plan.filesPerJob ?? 1,
    executable: plan.executable,
    outputs: plan.outputs,
    storageRoot: path.join(deps.dataDir, 'storage'),
    application: { family: 'art', name: a.stage, version: stage.softwareVersion ?? 'unknown' },
    categories: ['art', 'gitpoms', 'Dataset', 'MC', stage.experiment, ...deps.local.categories],
    setup: plan.setup,
  };
  const wrapFile = path.join(dir, 'wrap.json');
  writeFileSync(wrapFile, JSON.stringify(wrap, null, 1));
  writeFileSync(path.join(dir, 'jobsub_submit.sh'), `${rendered.script}\n`);
  // A rerun's jobs run under the process numbers of the jobs they replace.
  const processOf = (i: number) => (a.input.kind === 'rerun' ? (a.input.processes[i] ?? i) : i);
  const jobs: JobSpec[] = Array.from({ length: plan.jobs }, (_, i) => ({
    argv: [process.execPath, distEntry('bin/wrap.js'), wrapFile],
    env: jobEnv(deps, a, plan.env, processOf(i)),
  }));
  return { request: { label: a.key, jobs }, project };
}
