import { runsFifeLaunch } from '../../fife/argv.js';
import { cronProblem } from '../schedule.js';
import { byPosition, type Diagnostic } from '../diagnostic.js';
import type {
  Campaign,
  DatasetSpec,
  DesiredState,
  NamedJobType,
  ResolvedCampaign,
  ResolvedStage,
  SplitSpec,
  Stage,
} from '../../model/index.js';
import { DEFAULTS } from '../desired.js';
import type { Located, LoadedDocs } from '../load.js';
import { type RepoFiles } from '../repo.js';
import { parseSplit } from '../split.js';
import { type FieldPath } from '../yaml-source.js';
import { err, type Ctx, warn, hintFor } from './context.js';
import { uniqueNames } from './names.js';
import { checkGraph, topoOrder } from './graph.js';
import {
  overridePairs,
  mergeOverrides,
  ComposedJobType,
  checkJobType,
  checkOverrides,
  renderCheck,
} from './fife.js';
import { checkNotifications, checkTemplateSecrets, checkUrlCredentials } from './secrets.js';
import {
  checkBackends,
  checkCommandWords,
  checkConfigPaths,
  checkReference,
  checkServiceExperiments,
  checkTemplates,
} from './references.js';

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
export function splitDatasetProblem(split: SplitSpec, dataset: DatasetSpec): string | undefined {
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

export function resolveStage(
  ctx: Ctx,
  c: Located<Campaign>,
  s: Stage,
  si: number,
  jobTypes: Map<string, ComposedJobType>,
  templates: Set<string>,
  defaults: DesiredState['defaults'],
  /** undefined when gitpoms.yaml names none; null when the one it names was refused. */
  timeZone: string | null | undefined,
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
  const reruns = jt?.located.value.spec.recoveries?.some((r) => r.type === 'failed_jobs');
  if (reruns && dataset.kind !== 'none') {
    err(
      ctx,
      c.doc,
      [
        ...base,
        s.jobType !== undefined ? 'jobType' : s.dataset !== undefined ? 'dataset' : 'dependsOn',
      ],
      'failed-jobs-with-input',
      `job type "${jtName}" recovers with failed_jobs, which runs jobs again whole; stage "${s.name}" reads ${dataset.kind === 'fromParent' ? 'its parents’ outputs' : `dataset ${s.dataset}`}, where that would process files twice`,
      'give this stage a job type that recovers by file: consumed_status, process_status or another file recovery',
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
    } else if (r.type === 'new' && r.localtime) {
      if (timeZone === undefined) {
        err(
          ctx,
          c.doc,
          [...base, 'split'],
          'localtime-without-time-zone',
          'split new with localtime needs the zone the catalog writes end_time in: set spec.timeZone in gitpoms.yaml (e.g. America/Chicago)',
        );
        ok = false;
      } else if (timeZone === null) ok = false;
      else split = { ...r, timeZone };
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
  const cron = s.schedule === undefined ? undefined : cronProblem(s.schedule);
  if (cron !== undefined) {
    err(
      ctx,
      c.doc,
      [...base, 'schedule'],
      'bad-schedule',
      `schedule "${s.schedule}" is not a cron expression: ${cron}`,
      'five fields: minute hour day-of-month month day-of-week, e.g. "10 */2 * * *"',
    );
    ok = false;
  }
  if (jt) {
    const isFife = runsFifeLaunch(jt.located.value.spec.launch);
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

/** Semantic checks schemas cannot express, and the resolved desired state when there are no errors. */
/** gitpoms.yaml's time zone; null (reported) when it names one this runtime does not know. */
function checkTimeZone(ctx: Ctx, docs: LoadedDocs): string | null | undefined {
  const config = docs.config;
  const zone = config?.value.spec.timeZone;
  if (config === undefined || zone === undefined) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    err(
      ctx,
      config.doc,
      ['spec', 'timeZone'],
      'unknown-time-zone',
      `time zone "${zone}" is not an IANA zone name this runtime knows`,
      'use a name such as America/Chicago, Europe/Zurich or UTC',
    );
    return null;
  }
}

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
  checkTemplateSecrets(ctx, docs);
  checkTemplates(ctx, docs);
  checkBackends(ctx, docs);
  checkConfigPaths(ctx, docs);
  checkCommandWords(ctx, docs);
  checkServiceExperiments(ctx, docs);
  checkNotifications(ctx, docs);
  checkUrlCredentials(ctx, docs);

  const defaults = { ...DEFAULTS, ...(docs.config?.value.spec.defaults ?? {}) };
  const timeZone = checkTimeZone(ctx, docs);
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
      .map((s, si) => resolveStage(ctx, c, s, si, jobTypes, templates, defaults, timeZone))
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
