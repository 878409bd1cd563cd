import { CronExpressionParser } from 'cron-parser';
import { parseFifeLaunchArgs } from '../fife/argv.js';
import type { ConfigParser } from '../fife/configparser.js';
import { composeConfig, fifeLaunch, FifeLaunchError, type ConfigFiles } from '../fife/launch.js';
import { byPosition, didYouMean, type Diagnostic } from './diagnostic.js';
import type {
  Campaign,
  DatasetSpec,
  DesiredState,
  JobType,
  NamedJobType,
  Overrides,
  ResolvedCampaign,
  ResolvedStage,
  SplitSpec,
  Stage,
} from '../model/index.js';
import { batchOfTemplate, DEFAULTS, reachableBatches, stageId } from './desired.js';
import type { Located, LoadedDocs } from './load.js';
import { insideRepo, type RepoFiles } from './repo.js';
import { parseSplit } from './split.js';
import { diagnosticAt, type FieldPath, type SourceDoc } from './yaml-source.js';

const SECRET_NAME = /(TOKEN|PASSWORD|PASSWD|SECRET|PRIVATE|CREDENTIAL|API_?KEY)/i;

/** The placeholder wrapper location used when rendering configs for validation only. */
const VALIDATION_ENV = { FIFE_UTILS_DIR: '/fife_utils' };

export function classifyDataset(dataset: string | undefined, hasParents: boolean): DatasetSpec {
  if (dataset === undefined) return hasParents ? { kind: 'fromParent' } : { kind: 'none' };
  if (dataset === 'none' || dataset === 'None') return { kind: 'none' };
  if (dataset === 'fromParent' || dataset === 'from_parent') return { kind: 'fromParent' };
  if (/[\s:()]/.test(dataset)) return { kind: 'query', dimensions: dataset };
  return { kind: 'definition', name: dataset };
}

/** The dataset text of a stage, as written. */
export function datasetText(ds: DatasetSpec): string {
  return ds.kind === 'definition' ? ds.name : ds.kind === 'query' ? ds.dimensions : '';
}

/** What each split type needs its dataset field to be (POMS reads the field differently per type). */
function splitDatasetProblem(split: SplitSpec, dataset: DatasetSpec): string | undefined {
  if (dataset.kind === 'none') return undefined;
  if (dataset.kind === 'fromParent')
    return `split ${split.type} cuts a named dataset; a stage that reads its parent's outputs gets one submission per parent submission`;
  const text = datasetText(dataset);
  if (split.type === 'list') {
    const entries = text.split(',').map((e) => e.trim());
    const bad = entries.find((e) => !e || /[\s:()]/.test(e));
    return bad === undefined
      ? undefined
      : `split list takes a comma-separated list of definition names; "${bad}" is not one`;
  }
  if (split.type === 'multiparam') {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      v = undefined;
    }
    const ok =
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((l) => Array.isArray(l) && l.length > 0 && l.every((x) => typeof x === 'string'));
    return ok
      ? undefined
      : 'split multiparam takes a JSON list of non-empty lists of strings, e.g. [["a","b"],["x","y"]]';
  }
  if (dataset.kind === 'query')
    return `split ${split.type} cuts a SAM definition by name (POMS's slices are "defname: NAME ..."); create a definition from this query and name it here`;
  return undefined;
}

/** The -c/--config file of a fife_launch command line, if that is what the launch runs. */
export function fifeConfigOf(
  launch: readonly string[],
): { path: string; index: number } | undefined {
  if (!/(^|\/)fife_launch$/.test(launch[0] ?? '')) return undefined;
  for (let i = 1; i < launch.length; i++) {
    const a = launch[i]!;
    if ((a === '-c' || a === '--config') && i + 1 < launch.length)
      return { path: launch[i + 1]!, index: i + 1 };
    if (a.startsWith('--config=')) return { path: a.slice(9), index: i };
    if (a.startsWith('-c') && a.length > 2) return { path: a.slice(2), index: i };
  }
  return undefined;
}

function overrideString(v: string | number | boolean | undefined): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  return v === undefined ? '' : String(v);
}

export function overridePairs(o: Overrides | undefined): Array<[string, string]> {
  return Object.entries(o ?? {}).map(([k, v]) => [k, overrideString(v)]);
}

/** Later pairs replace earlier ones with the same key, keeping first position (as -O does). */
function mergeOverrides(...lists: Array<Array<[string, string]>>): Array<[string, string]> {
  const m = new Map<string, string>();
  for (const list of lists) for (const [k, v] of list) m.set(k, v);
  return [...m];
}

/** Reads config files through the repository, refusing anything outside it. */
function repoConfigFiles(repo: RepoFiles, escapes: string[]): ConfigFiles {
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
        if (p.startsWith('//')) escapes.push(p.slice(1));
        return false;
      }
      return read(r) !== undefined;
    },
    read: (p) => read(rel(p)!) ?? '',
  };
}

interface Ctx {
  repo: RepoFiles;
  diags: Diagnostic[];
}

type Report = (
  ctx: Ctx,
  doc: SourceDoc,
  path: FieldPath,
  code: string,
  message: string,
  hint?: string,
) => void;

function reporter(severity: 'error' | 'warning'): Report {
  return (ctx, doc, path, code, message, hint) =>
    ctx.diags.push(diagnosticAt(doc, path, code, message, { hint, severity }));
}

const err = reporter('error');
const warn = reporter('warning');

function uniqueNames<T extends { metadata: { name: string; experiment: string } }>(
  ctx: Ctx,
  kind: string,
  items: Located<T>[],
  global = false,
): void {
  const seen = new Map<string, Located<T>>();
  for (const it of items) {
    const key = global
      ? it.value.metadata.name
      : `${it.value.metadata.experiment}/${it.value.metadata.name}`;
    const first = seen.get(key);
    if (first) {
      const at = `${first.doc.file}:${first.doc.locate(['metadata', 'name']).line}`;
      err(
        ctx,
        it.doc,
        ['metadata', 'name'],
        'duplicate-name',
        `${kind} "${it.value.metadata.name}" is already defined at ${at}`,
        global
          ? 'campaign names key submissions and job labels, so they are unique across experiments'
          : undefined,
      );
    } else seen.set(key, it);
  }
}

/** Problems with the stage graph: every dependency resolves, and no cycle. */
function checkGraph(ctx: Ctx, campaigns: Located<Campaign>[]): void {
  const byName = new Map(campaigns.map((c) => [c.value.metadata.name, c]));
  const edges = new Map<string, string[]>();
  const where = new Map<string, { doc: SourceDoc; path: FieldPath }>();
  for (const c of campaigns) {
    const cname = c.value.metadata.name;
    c.value.spec.stages.forEach((s, si) => {
      const id = stageId({ campaign: cname, stage: s.name });
      edges.set(id, []);
      where.set(id, { doc: c.doc, path: ['spec', 'stages', si, 'name'] });
    });
  }
  for (const c of campaigns) {
    const cname = c.value.metadata.name;
    c.value.spec.stages.forEach((s, si) => {
      (s.dependsOn ?? []).forEach((d, di) => {
        const target = d.campaign ?? cname;
        const tc = byName.get(target);
        const path: FieldPath = ['spec', 'stages', si, 'dependsOn', di];
        if (!tc) {
          err(
            ctx,
            c.doc,
            [...path, 'campaign'],
            'unknown-campaign',
            `depends on campaign "${target}", which is not defined`,
            hintFor(target, byName.keys()),
          );
          return;
        }
        if (tc.value.metadata.experiment !== c.value.metadata.experiment) {
          err(
            ctx,
            c.doc,
            [...path, 'campaign'],
            'cross-experiment',
            `campaign "${target}" belongs to experiment ${tc.value.metadata.experiment}, not ${c.value.metadata.experiment}`,
          );
          return;
        }
        const names = tc.value.spec.stages.map((x) => x.name);
        if (!names.includes(d.stage)) {
          err(
            ctx,
            c.doc,
            [...path, 'stage'],
            'unknown-stage',
            `depends on stage "${d.stage}", which campaign ${target} does not have (it has ${names.join(', ')})`,
            hintFor(d.stage, names),
          );
          return;
        }
        if (target === cname && d.stage === s.name) {
          err(
            ctx,
            c.doc,
            [...path, 'stage'],
            'self-dependency',
            `stage "${s.name}" depends on itself`,
          );
          return;
        }
        edges
          .get(stageId({ campaign: cname, stage: s.name }))!
          .push(stageId({ campaign: target, stage: d.stage }));
      });
    });
  }
  // Depth-first search; each cycle is reported once, at its first stage in file order.
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!reported.has(key)) {
          reported.add(key);
          const w = where.get(next)!;
          err(
            ctx,
            w.doc,
            w.path,
            'dependency-cycle',
            `stages depend on each other in a cycle: ${cycle.join(' -> ')}`,
            'a stage can only consume the outputs of stages that come before it',
          );
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
}

function hintFor(word: string, candidates: Iterable<string>): string | undefined {
  const g = didYouMean(word, candidates);
  return g ? `did you mean "${g}"?` : undefined;
}

interface ComposedJobType {
  located: Located<JobType>;
  cfg: ConfigParser | undefined;
  files: ConfigFiles | undefined;
  configPath: string | undefined;
  baseArgs: ReturnType<typeof parseFifeLaunchArgs> | undefined;
}

function checkJobType(ctx: Ctx, jt: Located<JobType>): ComposedJobType {
  const out: ComposedJobType = {
    located: jt,
    cfg: undefined,
    files: undefined,
    configPath: undefined,
    baseArgs: undefined,
  };
  const launch = jt.value.spec.launch;
  const cfgRef = fifeConfigOf(launch);
  if (!cfgRef) {
    if (/(^|\/)fife_launch$/.test(launch[0])) {
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
    const script = launch[0];
    if (script.includes('/') && !script.startsWith('/')) {
      const p = insideRepo(script);
      if (p === undefined)
        err(
          ctx,
          jt.doc,
          ['spec', 'launch', 0],
          'path-outside-repo',
          `launch script "${script}" is outside the repository`,
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
  const escapes: string[] = [];
  const files = repoConfigFiles(ctx.repo, escapes);
  try {
    out.cfg = composeConfig({
      config: rel,
      overrides: args.overrides,
      stages: args.stages,
      argPush: args.argPush,
      argDel: args.argDel,
      env: VALIDATION_ENV,
      files,
    });
    out.files = files;
    out.configPath = rel;
    out.baseArgs = args;
  } catch (e) {
    if (!(e instanceof FifeLaunchError)) throw e;
    reportConfigError(ctx, jt.doc, ['spec', 'launch', cfgRef.index], e, escapes);
  }
  return out;
}

function reportConfigError(
  ctx: Ctx,
  doc: SourceDoc,
  path: FieldPath,
  e: FifeLaunchError,
  escapes: string[],
): void {
  if (escapes.length > 0 && e.code === 'config-not-found') {
    err(
      ctx,
      doc,
      path,
      'path-outside-repo',
      `fife_launch config includes ${escapes[0]}, which is outside the repository`,
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
function checkOverrides(
  ctx: Ctx,
  cfg: ConfigParser,
  doc: SourceDoc,
  path: FieldPath,
  overrides: Overrides | undefined,
  configPath: string,
): void {
  const sections = cfg.sections();
  for (const key of Object.keys(overrides ?? {})) {
    const [section, option] = [key.slice(0, key.indexOf('.')), key.slice(key.indexOf('.') + 1)];
    if (!cfg.hasSection(section)) {
      ctx.diags.push(
        diagnosticAt(
          doc,
          [...path, key],
          'override-unknown-section',
          `override "${key}" names section [${section}], which ${configPath} does not have`,
          { key: true, hint: hintFor(section, sections) ?? `its sections: ${sections.join(', ')}` },
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
            [...path, key],
            'override-unknown-key',
            `override "${key}" sets "${option}", which [${section}] of ${configPath} does not use`,
            { key: true, severity: 'warning', hint: `did you mean "${section}.${guess}"?` },
          ),
        );
      }
    }
  }
}

/** A stage's job type or launch template, set on the stage or inherited, must name a defined one. */
function checkReference(
  ctx: Ctx,
  c: Located<Campaign>,
  s: Stage,
  si: number,
  field: 'jobType' | 'launchTemplate',
  label: string,
  name: string | undefined,
  known: boolean,
  defined: string[],
): boolean {
  const exp = c.value.metadata.experiment;
  if (name === undefined) {
    err(
      ctx,
      c.doc,
      ['spec', 'stages', si],
      `no-${label.replace(' ', '-')}`,
      `stage "${s.name}" has no ${label}; set spec.${field} for the campaign or ${field} on the stage`,
    );
    return false;
  }
  if (known) return true;
  const names = defined.filter((k) => k.startsWith(`${exp}/`)).map((k) => k.slice(exp.length + 1));
  err(
    ctx,
    c.doc,
    s[field] ? ['spec', 'stages', si, field] : ['spec', field],
    `unknown-${label.replace(' ', '-')}`,
    `${label} "${name}" is not defined for experiment ${exp}`,
    hintFor(name, names),
  );
  return false;
}

function resolveStage(
  ctx: Ctx,
  c: Located<Campaign>,
  s: Stage,
  si: number,
  jobTypes: Map<string, ComposedJobType>,
  templates: Set<string>,
  defaults: DesiredState['defaults'],
): ResolvedStage | undefined {
  const spec = c.value.spec;
  const exp = c.value.metadata.experiment;
  const base: FieldPath = ['spec', 'stages', si];
  let ok = true;
  const jtName = s.jobType ?? spec.jobType;
  const ltName = s.launchTemplate ?? spec.launchTemplate;
  const jt = jtName ? jobTypes.get(`${exp}/${jtName}`) : undefined;
  const jtKnown = jtName !== undefined && jt !== undefined;
  ok =
    checkReference(ctx, c, s, si, 'jobType', 'job type', jtName, jtKnown, [...jobTypes.keys()]) &&
    ok;
  const ltKnown = ltName !== undefined && templates.has(`${exp}/${ltName}`);
  ok =
    checkReference(ctx, c, s, si, 'launchTemplate', 'launch template', ltName, ltKnown, [
      ...templates,
    ]) && ok;

  const deps = s.dependsOn ?? [];
  const dataset = classifyDataset(s.dataset, deps.length > 0);
  if (dataset.kind === 'fromParent' && deps.length === 0) {
    err(
      ctx,
      c.doc,
      [...base, 'dataset'],
      'from-parent-without-parent',
      `dataset fromParent needs a dependsOn entry naming the parent stage`,
    );
    ok = false;
  }
  if (deps.length > 0 && dataset.kind !== 'fromParent') {
    warn(
      ctx,
      c.doc,
      [...base, 'dataset'],
      'dependency-not-consumed',
      `stage "${s.name}" waits for its parents but reads ${s.dataset}, not their outputs`,
      'use dataset: fromParent to consume the parent outputs',
    );
  }
  let split: SplitSpec = { type: 'none' };
  if (s.split !== undefined) {
    const r = parseSplit(s.split);
    if (typeof r === 'string') {
      err(ctx, c.doc, [...base, 'split'], 'bad-split', r);
      ok = false;
    } else split = r;
    if (typeof r !== 'string' && r.type !== 'none' && dataset.kind === 'none') {
      err(
        ctx,
        c.doc,
        [...base, 'split'],
        'split-without-dataset',
        `split ${r.type} needs a dataset to cut; this stage has dataset none`,
      );
      ok = false;
    }
    const problem =
      typeof r !== 'string' && r.type !== 'none' ? splitDatasetProblem(r, dataset) : undefined;
    if (problem) {
      const at = dataset.kind === 'fromParent' ? 'split' : 'dataset';
      err(ctx, c.doc, [...base, at], 'bad-split-dataset', problem);
      ok = false;
    }
  }
  if (s.submissions !== undefined && dataset.kind !== 'none') {
    err(
      ctx,
      c.doc,
      [...base, 'submissions'],
      'submissions-with-dataset',
      'submissions counts Monte Carlo launches of a stage without input; a stage with a dataset gets one submission per slice',
    );
    ok = false;
  }
  if (s.schedule !== undefined) {
    try {
      if (s.schedule.trim().split(/\s+/).length !== 5) throw new Error('needs 5 fields');
      CronExpressionParser.parse(s.schedule, { tz: 'UTC' });
    } catch (e) {
      err(
        ctx,
        c.doc,
        [...base, 'schedule'],
        'bad-schedule',
        `schedule "${s.schedule}" is not a cron expression: ${(e as Error).message}`,
        'five fields: minute hour day-of-month month day-of-week, e.g. "10 */2 * * *"',
      );
      ok = false;
    }
  }
  if (jt) {
    const isFife = /(^|\/)fife_launch$/.test(jt.located.value.spec.launch[0]);
    if (!isFife && (s.overrides || spec.overrides)) {
      err(
        ctx,
        c.doc,
        s.overrides ? [...base, 'overrides'] : ['spec', 'overrides'],
        'overrides-need-fife-launch',
        `-O overrides only apply to fife_launch, but job type ${jtName} runs ${jt.located.value.spec.launch[0]}`,
        'use arguments for a submission script',
      );
      ok = false;
    }
    if (isFife && s.arguments) {
      err(
        ctx,
        c.doc,
        [...base, 'arguments'],
        'arguments-need-script',
        `arguments are for submission scripts; job type ${jtName} runs fife_launch, so use overrides`,
      );
      ok = false;
    }
    if (jt.cfg) {
      checkOverrides(ctx, jt.cfg, c.doc, [...base, 'overrides'], s.overrides, jt.configPath!);
    }
  }
  if (!ok || !jt || !jtName || !ltName) return undefined;
  const overrides = mergeOverrides(
    overridePairs(jt.located.value.spec.definitionParameters?.overrides),
    overridePairs(spec.overrides),
    overridePairs(s.overrides),
  );
  if (jt.cfg && jt.files && jt.baseArgs) renderCheck(ctx, c.doc, base, jt, overrides);
  const state = s.active === false ? 'inactive' : (s.state ?? spec.state ?? 'active');
  return {
    campaign: c.value.metadata.name,
    experiment: exp,
    name: s.name,
    order: 0,
    state,
    voRole: s.voRole ?? spec.voRole ?? 'production',
    softwareVersion: s.softwareVersion ?? spec.softwareVersion,
    dataset,
    submissions: s.submissions ?? 1,
    split,
    slicesInFlight: s.slicesInFlight ?? 1,
    completion: {
      type: s.completion?.type ?? 'located',
      percent: s.completion?.percent ?? defaults.completionPercent,
    },
    overrides,
    arguments: [
      ...(jt.located.value.spec.definitionParameters?.arguments ?? []),
      ...(s.arguments ?? []),
    ],
    dependsOn: deps.map((d) => ({
      campaign: d.campaign ?? c.value.metadata.name,
      stage: d.stage,
      filePatterns: d.filePatterns ?? [...jt.located.value.spec.outputFilePatterns],
    })),
    jobType: jtName,
    launchTemplate: ltName,
    schedule: s.schedule,
    tags: [...(c.value.metadata.tags ?? []), ...(s.tags ?? [])],
  };
}

/** Renders the stage's launch as fife_launch would, so expansion errors surface before any launch. */
function renderCheck(
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

function checkTemplates(ctx: Ctx, docs: LoadedDocs): void {
  for (const lt of docs.launchTemplates) {
    for (const [name, v] of Object.entries(lt.value.spec.environment ?? {})) {
      if (v && 'value' in v && SECRET_NAME.test(name)) {
        err(
          ctx,
          lt.doc,
          ['spec', 'environment', name, 'value'],
          'secret-in-git',
          `${name} looks like a secret; secrets are never written in the repository`,
          'reference it instead: fromEnv: VAR or fromFile: /path/on/the/launch/host',
        );
      }
    }
    const batch = lt.value.spec.batch;
    const reachable = reachableBatches(docs.config?.value.spec.backends);
    // The embedded runtime runs every template here: only a real deployment must reach it.
    if (batch && batchOfTemplate(reachable, lt.value.spec) === batch && !reachable.includes(batch))
      err(
        ctx,
        lt.doc,
        ['spec', 'batch'],
        'batch-unreachable',
        `batch ${batch} is not a backend this deployment reaches: gitpoms.yaml backends.batch names ${reachable.join(', ')}`,
        `add ${batch} to backends.batch in gitpoms.yaml, or pick one of ${reachable.join(', ')}`,
      );
    if (lt.value.spec.host && !lt.value.spec.account) {
      err(
        ctx,
        lt.doc,
        ['spec', 'host'],
        'host-without-account',
        `launch host ${lt.value.spec.host} needs an account to log in as`,
      );
    }
  }
}

/** Incoming-webhook URLs of chat services carry their credential in the path. */
const CREDENTIAL_URL =
  /^https:\/\/(hooks\.slack\.com|discord(app)?\.com\/api\/webhooks|[^/]*\.webhook\.office\.com)\//;

function checkNotifications(ctx: Ctx, docs: LoadedDocs): void {
  const config = docs.config;
  (config?.value.spec.notifications ?? []).forEach((n, i) => {
    if (typeof n.url === 'string' && CREDENTIAL_URL.test(n.url))
      err(
        ctx,
        config!.doc,
        ['spec', 'notifications', i, 'url'],
        'secret-in-git',
        'this webhook URL is itself a credential; secrets are never written in the repository',
        'reference it instead: url: { fromEnv: VAR } or url: { fromFile: /path/on/the/reconciler/host }',
      );
  });
}

function topoOrder(stages: ResolvedStage[]): ResolvedStage[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const out: ResolvedStage[] = [];
  const seen = new Set<string>();
  const visit = (s: ResolvedStage) => {
    if (seen.has(s.name)) return;
    seen.add(s.name);
    for (const d of s.dependsOn) {
      const p = d.campaign === s.campaign ? byName.get(d.stage) : undefined;
      if (p) visit(p);
    }
    out.push(s);
  };
  stages.forEach(visit);
  return out.map((s, i) => ({ ...s, order: i }));
}

/** Semantic checks schemas cannot express, and the resolved desired state when there are no errors. */
export function checkAndResolve(
  docs: LoadedDocs,
  repo: RepoFiles,
): { desired: DesiredState | undefined; diagnostics: Diagnostic[] } {
  const ctx: Ctx = { repo, diags: [] };
  uniqueNames(ctx, 'Campaign', docs.campaigns, true);
  uniqueNames(ctx, 'JobType', docs.jobTypes);
  uniqueNames(ctx, 'LaunchTemplate', docs.launchTemplates);
  uniqueNames(ctx, 'Service', docs.services);
  for (const c of docs.campaigns) {
    const seen = new Map<string, number>();
    c.value.spec.stages.forEach((s, i) => {
      if (seen.has(s.name)) {
        err(
          ctx,
          c.doc,
          ['spec', 'stages', i, 'name'],
          'duplicate-stage',
          `stage "${s.name}" is already defined as stage ${seen.get(s.name)} of this campaign`,
        );
      } else seen.set(s.name, i);
    });
  }
  checkGraph(ctx, docs.campaigns);
  checkTemplates(ctx, docs);
  checkNotifications(ctx, docs);

  const defaults = { ...DEFAULTS, ...(docs.config?.value.spec.defaults ?? {}) };
  const jobTypes = new Map<string, ComposedJobType>();
  for (const jt of docs.jobTypes) {
    const composed = checkJobType(ctx, jt);
    jobTypes.set(`${jt.value.metadata.experiment}/${jt.value.metadata.name}`, composed);
    if (composed.cfg) {
      checkOverrides(
        ctx,
        composed.cfg,
        jt.doc,
        ['spec', 'definitionParameters', 'overrides'],
        jt.value.spec.definitionParameters?.overrides,
        composed.configPath!,
      );
      (jt.value.spec.recoveries ?? []).forEach((r, i) =>
        checkOverrides(
          ctx,
          composed.cfg!,
          jt.doc,
          ['spec', 'recoveries', i, 'overrides'],
          r.overrides,
          composed.configPath!,
        ),
      );
    }
  }
  const templates = new Set(
    docs.launchTemplates.map((t) => `${t.value.metadata.experiment}/${t.value.metadata.name}`),
  );
  const campaignNames = docs.campaigns.map((c) => c.value.metadata.name);
  for (const svc of docs.services) {
    (svc.value.spec.campaigns ?? []).forEach((name, i) => {
      if (!campaignNames.includes(name)) {
        err(
          ctx,
          svc.doc,
          ['spec', 'campaigns', i],
          'unknown-campaign',
          `service gates campaign "${name}", which is not defined`,
          hintFor(name, campaignNames),
        );
      }
    });
  }

  const campaigns: ResolvedCampaign[] = [];
  for (const c of docs.campaigns) {
    const cjt = c.value.spec.jobType
      ? jobTypes.get(`${c.value.metadata.experiment}/${c.value.spec.jobType}`)
      : undefined;
    if (cjt?.cfg)
      checkOverrides(
        ctx,
        cjt.cfg,
        c.doc,
        ['spec', 'overrides'],
        c.value.spec.overrides,
        cjt.configPath!,
      );
    const stages = c.value.spec.stages
      .map((s, si) => resolveStage(ctx, c, s, si, jobTypes, templates, defaults))
      .filter((s): s is ResolvedStage => s !== undefined);
    campaigns.push({
      name: c.value.metadata.name,
      experiment: c.value.metadata.experiment,
      state: c.value.spec.state ?? 'active',
      prune: c.value.spec.prune ?? defaults.prune,
      selfHeal: c.value.spec.selfHeal ?? false,
      tags: c.value.metadata.tags ?? [],
      stages: topoOrder(stages),
    });
  }
  const diagnostics = ctx.diags.sort(byPosition);
  if (diagnostics.some((d) => d.severity === 'error')) return { desired: undefined, diagnostics };
  const named = <T extends { metadata: { name: string; experiment: string }; spec: object }>(
    l: Located<T>[],
  ) =>
    l.map((x) => ({
      ...(x.value.spec as T['spec']),
      name: x.value.metadata.name,
      experiment: x.value.metadata.experiment,
    }));
  const jobTypeList: NamedJobType[] = docs.jobTypes.map((j) => ({
    ...j.value.spec,
    recoveries: (j.value.spec.recoveries ?? []).map((r) => ({
      type: r.type,
      overrides: overridePairs(r.overrides),
    })),
    name: j.value.metadata.name,
    experiment: j.value.metadata.experiment,
    fifeConfig: jobTypes.get(`${j.value.metadata.experiment}/${j.value.metadata.name}`)?.configPath,
  }));
  return {
    desired: {
      campaigns: campaigns.sort((a, b) => a.name.localeCompare(b.name)),
      jobTypes: jobTypeList,
      launchTemplates: named(docs.launchTemplates),
      services: named(docs.services),
      defaults,
    },
    diagnostics,
  };
}
