import { parseFifeLaunchArgs, runsFifeLaunch } from '../../fife/argv.js';
import type { ConfigParser } from '../../fife/configparser.js';
import { composeConfig, fifeLaunch, FifeLaunchError, type ConfigFiles } from '../../fife/launch.js';
import { didYouMean } from '../diagnostic.js';
import type { JobType, Overrides } from '../../model/index.js';
import type { Located } from '../load.js';
import { insideRepo, type RepoFiles } from '../repo.js';
import { diagnosticAt, type FieldPath, type SourceDoc } from '../yaml-source.js';
import { err, type Ctx, hintFor } from './context.js';

/** The placeholder wrapper location used when rendering configs for validation only. */
export const VALIDATION_ENV = { FIFE_UTILS_DIR: '/fife_utils' };

/** The -c/--config file of a fife_launch command line, if that is what the launch runs. */
/** The values of one fife_launch option in a launch command, with the index of the word each is in. */
function optionValues(
  launch: readonly string[],
  short: string,
  long: string,
): Array<{ value: string; index: number }> {
  const out: Array<{ value: string; index: number }> = [];
  for (let i = 1; i < launch.length; i++) {
    const a = launch[i]!;
    if ((a === short || a === long) && i + 1 < launch.length) {
      out.push({ value: launch[i + 1]!, index: i + 1 });
      i++;
    } else if (a.startsWith(`${long}=`)) out.push({ value: a.slice(long.length + 1), index: i });
    else if (a.startsWith(short) && a.length > 2 && !a.startsWith('--'))
      out.push({ value: a.slice(2), index: i });
  }
  return out;
}

/**
 * The config a fife_launch command reads: the last -c, as optparse keeps the last value
 * (validation reads the same one the launch does); `count` says how many were given.
 */
export function fifeConfigOf(
  launch: readonly string[],
): { path: string; index: number; count: number } | undefined {
  if (!runsFifeLaunch(launch)) return undefined;
  const all = optionValues(launch, '-c', '--config');
  const last = all.at(-1);
  return last ? { path: last.value, index: last.index, count: all.length } : undefined;
}

export function overrideString(v: string | number | boolean | undefined): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return v === undefined ? '' : String(v);
}

export function overridePairs(o: Overrides | undefined): Array<[string, string]> {
  return Object.entries(o ?? {}).map(([k, v]) => [k, overrideString(v)]);
}

/** Later pairs replace earlier ones with the same key, keeping first position (as -O does). */
export function mergeOverrides(...lists: Array<Array<[string, string]>>): Array<[string, string]> {
  const m = new Map<string, string>();
  for (const list of lists) for (const [k, v] of list) m.set(k, v);
  return [...m];
}

/** A config file fife_launch looked for and was refused, and why. */
export interface RefusedFile {
  path: string;
  why: string;
}

/** Reads config files through the repository, refusing anything outside it or not a regular file. */
export function repoConfigFiles(repo: RepoFiles, refused: RefusedFile[]): ConfigFiles {
  const rel = (p: string) =>
    p.startsWith('./') ? insideRepo(p.slice(2)) : p.startsWith('/') ? undefined : insideRepo(p);
  // Every stage of a job type renders the same files: read each once.
  const texts = new Map<string, string | undefined>();
  const read = (r: string) => {
    if (!texts.has(r)) texts.set(r, repo.read(r));
    return texts.get(r);
  };
  return {
    exists(p) {
      const r = rel(p);
      if (r === undefined) {
        // fife_launch tries "/" + name: a double slash means the name itself was absolute.
        if (p.startsWith('//')) refused.push({ path: p.slice(1), why: 'outside the repository' });
        return false;
      }
      if (read(r) !== undefined) return true;
      const why = repo.problem(r);
      if (why) refused.push({ path: r, why });
      return false;
    },
    read: (p) => read(rel(p)!) ?? '',
  };
}

export interface ComposedJobType {
  located: Located<JobType>;
  cfg: ConfigParser | undefined;
  files: ConfigFiles | undefined;
  configPath: string | undefined;
  baseArgs: ReturnType<typeof parseFifeLaunchArgs> | undefined;
}

export function checkJobType(ctx: Ctx, jt: Located<JobType>): ComposedJobType {
  const out: ComposedJobType = {
    located: jt,
    cfg: undefined,
    files: undefined,
    configPath: undefined,
    baseArgs: undefined,
  };
  const launch = jt.value.spec.launch;
  const isFifeLaunch = runsFifeLaunch(launch);
  // fife_launch by an absolute path is a program of the launch host (/cvmfs/…); by a relative
  // one, a file of the repository, as any other launch program.
  if (!isFifeLaunch || !launch[0].startsWith('/')) checkProgram(ctx, jt, launch[0]);
  const cfgRef = fifeConfigOf(launch);
  if (!cfgRef) {
    if (isFifeLaunch) {
      err(
        ctx,
        jt.doc,
        ['spec', 'launch'],
        'fife-config-missing',
        'fife_launch needs its config file: add -c PATH to the launch command',
      );
    } else if (jt.value.spec.definitionParameters?.overrides) {
      err(
        ctx,
        jt.doc,
        ['spec', 'definitionParameters', 'overrides'],
        'overrides-need-fife-launch',
        `-O overrides only apply to fife_launch, but this job type runs ${launch[0]}`,
        'pass parameters to a script with arguments',
      );
    }
    (jt.value.spec.recoveries ?? []).forEach((r, i) => {
      if (r.type === 'failed_jobs')
        err(
          ctx,
          jt.doc,
          ['spec', 'recoveries', i, 'type'],
          'failed-jobs-needs-fife-launch',
          `recovery failed_jobs sets how many jobs run again through fife_launch's submit.N, but this job type runs ${launch[0]}`,
          'let the script resubmit, or launch through fife_launch',
        );
    });
    return out;
  }
  if (cfgRef.count > 1) {
    err(
      ctx,
      jt.doc,
      ['spec', 'launch', cfgRef.index],
      'fife-config-twice',
      `fife_launch is given -c ${cfgRef.count} times; it reads only the last (${cfgRef.path})`,
      'give one -c; put shared settings in an includes of that config',
    );
    return out;
  }
  const rel = insideRepo(cfgRef.path);
  if (rel === undefined) {
    err(
      ctx,
      jt.doc,
      ['spec', 'launch', cfgRef.index],
      'path-outside-repo',
      `fife_launch config "${cfgRef.path}" is outside the repository`,
      'configs are versioned with the campaigns; give a path relative to the repository root',
    );
    return out;
  }
  let args: ReturnType<typeof parseFifeLaunchArgs>;
  try {
    args = parseFifeLaunchArgs(launch.slice(1));
  } catch (e) {
    err(
      ctx,
      jt.doc,
      ['spec', 'launch'],
      'fife-launch-args',
      `fife_launch arguments: ${(e as Error).message}`,
    );
    return out;
  }
  const refused: RefusedFile[] = [];
  const files = repoConfigFiles(ctx.repo, refused);
  try {
    const compose = (overrides: string[]) =>
      composeConfig({
        config: rel,
        overrides,
        stages: args.stages,
        argPush: args.argPush,
        argDel: args.argDel,
        env: VALIDATION_ENV,
        files,
      });
    out.cfg = compose(args.overrides);
    out.files = files;
    out.configPath = rel;
    out.baseArgs = args;
    // -O words of the launch command name sections of the config files, as overrides: do
    // (fife_launch would create a missing one: a typo then changes nothing, silently).
    if (args.overrides.length > 0) checkLaunchOverrides(ctx, compose([]), jt, rel);
  } catch (e) {
    if (!(e instanceof FifeLaunchError)) throw e;
    const word = optionValues(launch, '--stage', '--stage').find((w) => w.value === e.stage);
    reportConfigError(ctx, jt.doc, ['spec', 'launch', word?.index ?? cfgRef.index], e, refused);
  }
  return out;
}

export function reportConfigError(
  ctx: Ctx,
  doc: SourceDoc,
  path: FieldPath,
  e: FifeLaunchError,
  refused: readonly RefusedFile[],
): void {
  const first = refused[0];
  if (first && e.code === 'config-not-found') {
    err(
      ctx,
      doc,
      path,
      first.why === 'outside the repository' ? 'path-outside-repo' : 'path-refused',
      first.why === 'outside the repository'
        ? `fife_launch config includes ${first.path}, which is outside the repository`
        : `fife_launch reads ${first.path}, which is ${first.why}`,
    );
    return;
  }
  if (e.file && e.line) {
    ctx.diags.push({
      file: e.file,
      line: e.line,
      column: 1,
      path: '',
      code: `fife-${e.code}`,
      severity: 'error',
      message: e.message,
    });
    return;
  }
  err(ctx, doc, path, `fife-${e.code}`, `fife_launch config: ${e.message}`);
}

/** Every override names a section of the composed config; a near-miss key is a warning. */
export function checkOverrides(
  ctx: Ctx,
  cfg: ConfigParser,
  doc: SourceDoc,
  path: FieldPath,
  overrides: Overrides | undefined,
  configPath: string,
): void {
  checkOverrideKeys(
    ctx,
    cfg,
    doc,
    Object.keys(overrides ?? {}).map((key) => ({ key, at: [...path, key], onKey: true })),
    configPath,
  );
}

/** The -O words of a job type's launch command, checked as its overrides are. */
export function checkLaunchOverrides(
  ctx: Ctx,
  cfg: ConfigParser,
  jt: Located<JobType>,
  configPath: string,
): void {
  const entries = optionValues(jt.value.spec.launch, '-O', '--override').flatMap(
    ({ value, index }) => {
      const eq = value.indexOf('=');
      const key = eq < 0 ? value : value.slice(0, eq);
      return key.includes('.')
        ? [{ key, at: ['spec', 'launch', index] as FieldPath, onKey: false }]
        : [];
    },
  );
  checkOverrideKeys(ctx, cfg, jt.doc, entries, configPath);
}

function checkOverrideKeys(
  ctx: Ctx,
  cfg: ConfigParser,
  doc: SourceDoc,
  entries: ReadonlyArray<{ key: string; at: FieldPath; onKey: boolean }>,
  configPath: string,
): void {
  const sections = cfg.sections();
  for (const { key, at, onKey } of entries) {
    const [section, option] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    if (section.startsWith('stage_')) {
      // fife_launch applies stages before -O, so this sets nothing (it only warns).
      ctx.diags.push(
        diagnosticAt(
          doc,
          at,
          'override-stage-section',
          `override "${key}" changes [${section}] after fife_launch has already applied its stages, so it has no effect`,
          { key: onKey, hint: `override "${option}" instead, the key the stage entry sets` },
        ),
      );
      continue;
    }
    if (!cfg.hasSection(section)) {
      ctx.diags.push(
        diagnosticAt(
          doc,
          at,
          'override-unknown-section',
          `override "${key}" names section [${section}], which ${configPath} does not have`,
          {
            key: onKey,
            hint: hintFor(section, sections) ?? `its sections: ${sections.join(', ')}`,
          },
        ),
      );
      continue;
    }
    if (!cfg.hasOption(section, option) && !/^arg_\d+$/.test(option)) {
      const keys = cfg.items(section, { raw: true }).map(([k]) => k);
      const guess = didYouMean(option, keys);
      if (guess) {
        ctx.diags.push(
          diagnosticAt(
            doc,
            at,
            'override-unknown-key',
            `override "${key}" sets "${option}", which [${section}] of ${configPath} does not use`,
            { key: onKey, severity: 'warning', hint: `did you mean "${section}.${guess}"?` },
          ),
        );
      }
    }
  }
}

/** Renders the stage's launch as fife_launch would, so expansion errors surface before any launch. */
export function renderCheck(
  ctx: Ctx,
  doc: SourceDoc,
  base: FieldPath,
  jt: ComposedJobType,
  overrides: Array<[string, string]>,
): void {
  const a = jt.baseArgs!;
  try {
    fifeLaunch({
      config: jt.configPath!,
      overrides: [
        ...a.overrides,
        ...overrides.map(([k, v]) => `${k}=${v}`),
        'submit.dataset=validation',
      ],
      stages: a.stages,
      argPush: a.argPush,
      argDel: a.argDel,
      env: VALIDATION_ENV,
      files: jt.files!,
    });
  } catch (e) {
    if (!(e instanceof FifeLaunchError)) throw e;
    reportConfigError(ctx, doc, [...base, 'overrides'], e, []);
  }
}

/** A launch program given by a path is a file of the repository (fife_launch's too), never outside it. */
function checkProgram(ctx: Ctx, jt: Located<JobType>, script: string): void {
  if (script.includes('/')) {
    const p = insideRepo(script);
    const why = p === undefined ? undefined : ctx.repo.problem(p);
    if (p === undefined)
      err(
        ctx,
        jt.doc,
        ['spec', 'launch', 0],
        'path-outside-repo',
        `launch script "${script}" is outside the repository`,
        'name a program on the launch host’s PATH, or a script inside the repository',
      );
    else if (why)
      err(
        ctx,
        jt.doc,
        ['spec', 'launch', 0],
        'path-refused',
        `launch script "${script}" is ${why}`,
      );
    else if (ctx.repo.read(p) === undefined)
      err(
        ctx,
        jt.doc,
        ['spec', 'launch', 0],
        'launch-script-missing',
        `launch script "${script}" does not exist in the repository`,
      );
  }
}
