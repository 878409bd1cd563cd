import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobSpec, SubmitRequest } from '../adapters/batch/types.js';
import { GitpomsError } from '../errors.js';
import { parseFifeLaunchArgs } from '../fife/argv.js';
import { fifeLaunch } from '../fife/launch.js';
import type { LaunchAction } from '../plan/types.js';
import { distEntry } from '../paths.js';
import { outputsOf, projectName, recoveryDimensions } from '../runtime/dimensions.js';
import { jobPlan } from '../runtime/job-plan.js';
import type { WrapConfig } from '../runtime/wrap-config.js';
import { findJobType, findStage, type DesiredState } from '../spec/desired.js';
import type { Deps } from './deps.js';

export class LaunchError extends GitpomsError {
  constructor(message: string) {
    super('launch-failed', message);
  }
}

/** The catalog definition a submission consumes, created here when gitpoms names it. */
async function prepareInput(
  deps: Deps,
  a: LaunchAction,
): Promise<{ definition: string | undefined }> {
  const input = a.input;
  switch (input.kind) {
    case 'none':
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
    case 'split':
      throw new LaunchError(
        `split type ${input.split} is not implemented yet; this stage cannot launch`,
      );
  }
}

function jobEnv(
  deps: Deps,
  a: LaunchAction,
  extra: Record<string, string>,
  proc: number,
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
    PATH: [...localPath, deps.env.PATH ?? '/usr/bin:/bin'].join(':'),
    HOME: deps.env.HOME ?? '/tmp',
    PROCESS: String(proc),
    JOBSUBJOBSECTION: String(proc),
    GITPOMS_SUBMISSION: a.key,
    POMS_TASK_ID: a.key,
    POMS_CAMPAIGN_ID: a.campaign,
  };
}

/**
 * Turns a launch into the jobs the batch system runs. A fife_launch job type is rendered
 * the way fife_launch would render it and each job runs the gitpoms wrapper (fife_wrap's
 * role) around the executable; a submission script is run as one job, with the key in its
 * environment.
 */
export async function renderSubmission(
  deps: Deps,
  desired: DesiredState,
  a: LaunchAction,
): Promise<{ request: SubmitRequest; project: string | undefined }> {
  const stage = findStage(desired, a)!;
  const jt = findJobType(desired, stage.experiment, stage.jobType)!;
  const { definition } = await prepareInput(deps, a);
  if (!jt.fifeConfig) {
    const script = path.resolve(deps.repoRoot, a.command[0]!);
    const argv = existsSync(script) ? [script, ...a.command.slice(1)] : a.command;
    return {
      request: { label: a.key, jobs: [{ argv, env: jobEnv(deps, a, {}, 0), cwd: deps.repoRoot }] },
      project: undefined,
    };
  }
  const args = parseFifeLaunchArgs(a.command.slice(1));
  let files: number | undefined;
  let project: string | undefined;
  if (definition) {
    files = await deps.catalog.countFiles(`defname: ${definition}`);
    if (files === 0)
      throw new LaunchError(`definition ${definition} has no files; nothing to launch`);
    project = projectName(a.key);
    await deps.catalog.startProject(project, definition);
  }
  const rendered = fifeLaunch({
    config: args.config!,
    overrides: args.overrides,
    stages: args.stages,
    argPush: args.argPush,
    argDel: args.argDel,
    env: { FIFE_UTILS_DIR: distEntry('runtime') },
    files: {
      exists: (p) => existsSync(path.resolve(deps.repoRoot, p)),
      read: (p) => readFileSync(path.resolve(deps.repoRoot, p), 'utf8'),
    },
    ...(files !== undefined ? { datasetFiles: files } : {}),
  });
  const plan = jobPlan(rendered);
  const dir = path.join(deps.dataDir, 'submissions', projectName(a.key));
  mkdirSync(dir, { recursive: true });
  const wrap: WrapConfig = {
    submission: a.key,
    campaign: a.campaign,
    stage: a.stage,
    catalog: deps.catalogPath,
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
  const jobs: JobSpec[] = Array.from({ length: plan.jobs }, (_, proc) => ({
    argv: [process.execPath, distEntry('runtime/wrap.js'), wrapFile],
    env: jobEnv(deps, a, plan.env, proc),
  }));
  return { request: { label: a.key, jobs }, project };
}
