// gitpoms documents as the .ini POMS's campaign_deps_ini writes and ini_to_campaign reads, for
// teams that run both. What POMS cannot hold is reported, never silently dropped.
import type { Campaign, JobType, LaunchTemplate, Overrides } from '../../model/index.js';
import { overrideString } from '../rules/fife.js';
import { commandLine } from '../command-words.js';

export interface ExportResult {
  text: string;
  /** What gitpoms has and POMS cannot hold; the export goes on without it. */
  warnings: string[];
}

type Stage = Campaign['spec']['stages'][number];

const none = (v: string | undefined) => v ?? 'None';
const role = (v: string | undefined) => (v ? `${v[0]!.toUpperCase()}${v.slice(1)}` : undefined);

/** JSON as Python's json.dumps writes it (", " and ": ", non-ASCII escaped), as POMS does. */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyJson(k)}: ${pyJson(x)}`)
      .join(', ')}}`;
  return JSON.stringify(v).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** -O overrides and plain words as POMS's parameter pairs. */
function pairList(o: Overrides | undefined, words: readonly string[] = []): string[][] {
  return [
    ...Object.entries(o ?? {}).map(([k, v]) => [`-O${k}=`, overrideString(v)]),
    ...words.map((w) => [commandLine([w]), '']),
  ];
}
const pairs = (o: Overrides | undefined, words?: readonly string[]) => pyJson(pairList(o, words));

export function exportPoms(
  campaign: Campaign,
  jobTypes: ReadonlyMap<string, JobType>,
  templates: ReadonlyMap<string, LaunchTemplate>,
  o: { completionPercent: number },
): ExportResult {
  const warnings: string[] = [];
  const c = campaign.spec;
  const name = campaign.metadata.name;
  const lost = (what: string, why: string) => warnings.push(`not exported: ${what}: ${why}`);
  if (campaign.metadata.tags?.length) lost(`${name} tags`, 'POMS keeps tags apart from the export');
  if (c.prune !== undefined) lost(`${name} prune`, 'POMS has no prune');
  if (c.selfHeal !== undefined) lost(`${name} selfHeal`, 'POMS has no self-heal');
  const res: string[] = [];
  const line = (k: string, v: string, sep = '=') => res.push(`${k}${sep}${v}`);
  res.push('[campaign]');
  line('experiment', campaign.metadata.experiment);
  line('poms_role', 'production');
  line('name', name);
  line('state', c.state === 'inactive' ? 'Inactive' : 'Active');
  if (c.state === 'held' || c.state === 'killed')
    lost(`${name} state ${c.state}`, 'POMS campaigns are Active or Inactive; written Active');
  line('campaign_keywords', '{}');
  line('campaign_stage_list', c.stages.map((s) => s.name).join(','));
  res.push('');
  // A campaign's overrides are the defaults' list, merged first into every stage's at launch.
  const merge = c.overrides && Object.keys(c.overrides).length ? 'True' : 'False';
  const d = {
    vo_role: none(role(c.voRole)),
    software_version: none(c.softwareVersion),
    completion_type: 'located',
    completion_pct: String(o.completionPercent),
    login_setup: c.launchTemplate ?? 'generic',
    job_type: c.jobType ?? 'generic',
  };
  res.push('[campaign_defaults]');
  line('vo_role', d.vo_role);
  line('software_version', d.software_version);
  line('dataset_or_split_data', 'None');
  line('cs_split_type', 'None');
  line('default_clear_cronjob', 'True');
  line('completion_type', d.completion_type);
  line('completion_pct', d.completion_pct);
  line('param_overrides', merge === 'True' ? pairs(c.overrides) : '[]');
  line('test_param_overrides', '[]');
  line('merge_overrides', merge);
  line('login_setup', d.login_setup);
  line('job_type', d.job_type);
  line('stage_type', 'regular');
  line('output_ancestor_depth', '1');
  res.push('');

  const usedTypes = new Set<string>(c.jobType ? [c.jobType] : []);
  const usedTemplates = new Set<string>(c.launchTemplate ? [c.launchTemplate] : []);
  const deps: Array<[Stage, NonNullable<Stage['dependsOn']>]> = [];
  for (const s of c.stages) {
    const where = `${name}/${s.name}`;
    res.push(`[campaign_stage ${s.name}]`);
    const r = role(s.voRole);
    if (r && r !== d.vo_role) line('vo_role', r);
    if (s.softwareVersion && s.softwareVersion !== c.softwareVersion)
      line('software_version', s.softwareVersion);
    // POMS compares its integer with the defaults' string, so it always writes it.
    line('output_ancestor_depth', '1');
    const ds =
      s.dataset === undefined || s.dataset === 'none'
        ? 'None'
        : s.dataset === 'fromParent'
          ? 'from_parent'
          : s.dataset;
    line('dataset_or_split_data', ds);
    line(
      'cs_split_type',
      s.split === undefined ? 'None' : typeof s.split === 'string' ? s.split : splitText(s.split),
    );
    const type = s.completion?.type ?? 'located';
    const pct = String(s.completion?.percent ?? o.completionPercent);
    if (type !== d.completion_type) line('completion_type', type);
    if (pct !== d.completion_pct) line('completion_pct', pct);
    line('param_overrides', pairs(s.overrides, s.arguments));
    line('test_param_overrides', '[]');
    if (s.launchTemplate && s.launchTemplate !== d.login_setup)
      line('login_setup', s.launchTemplate);
    if (s.jobType && s.jobType !== d.job_type) line('job_type', s.jobType);
    line('merge_overrides', merge);
    line('stage_type', 'regular');
    line('default_clear_cronjob', 'True');
    res.push('');
    if (s.jobType) usedTypes.add(s.jobType);
    if (s.launchTemplate) usedTemplates.add(s.launchTemplate);
    const local = (s.dependsOn ?? []).filter((x) => !x.campaign || x.campaign === name);
    for (const x of (s.dependsOn ?? []).filter((y) => y.campaign && y.campaign !== name))
      lost(`${where} dependsOn ${x.campaign}/${x.stage}`, 'a POMS export holds one campaign');
    if (local.length) deps.push([s, local]);
    if (s.submissions !== undefined && s.submissions !== 1)
      lost(
        `${where} submissions ${s.submissions}`,
        'a POMS stage launches one submission at a time',
      );
    if (s.schedule) lost(`${where} schedule`, "POMS's cron launches are set apart from the export");
    if (s.slicesInFlight !== undefined)
      lost(`${where} slicesInFlight`, 'POMS launches one slice at a time');
    if (s.tags?.length) lost(`${where} tags`, 'POMS keeps tags apart from the export');
    if (s.active !== undefined || s.state !== undefined)
      lost(`${where} state`, "POMS's stages follow their campaign's state");
  }
  for (const t of usedTemplates) {
    const lt = templates.get(t);
    if (!lt) continue;
    const sp = lt.spec;
    const setup = [
      ...Object.entries(sp.environment ?? {}).flatMap(([k, v]) => {
        if (v && 'value' in v) return [commandLine(['export', `${k}=${v.value}`])];
        lost(`${t} environment ${k}`, 'POMS setup lines hold plain values, not references');
        return [];
      }),
      ...(sp.setup ?? []).map((argv) => commandLine(argv)),
    ];
    res.push(`[login_setup ${t}]`);
    line('host', sp.host ?? '');
    line('account', sp.account ?? '');
    line('setup', setup.join(';'));
    res.push('');
    if (sp.ssh) lost(`${t} ssh`, 'POMS reaches its launch hosts its own way');
    if (sp.credentials) lost(`${t} credentials`, 'POMS manages proxies and tokens itself');
    if (sp.batch) lost(`${t} batch`, 'POMS launches through jobsub');
  }
  for (const j of usedTypes) {
    const jt = jobTypes.get(j);
    if (!jt) continue;
    const sp = jt.spec;
    res.push(`[job_type ${j}]`);
    line('launch_script', commandLine(sp.launch));
    line(
      'parameters',
      pairs(sp.definitionParameters?.overrides, sp.definitionParameters?.arguments),
    );
    line('output_file_patterns', sp.outputFilePatterns.join(','));
    const recs = (sp.recoveries ?? []).filter((r) => {
      if (r.type !== 'failed_jobs') return true;
      lost(`${j} recovery failed_jobs`, 'POMS has no such recovery type');
      return false;
    });
    line('recoveries', pyJson(recs.map((r) => [r.type, pairList(r.overrides)])), ' = ');
    res.push('');
    if (sp.inputFilesPerJob !== undefined || sp.outputFilesPerJob !== undefined)
      lost(`${j} files per job`, 'POMS computes them from the job type itself');
    if (sp.launch.some((w, i) => i > 0 && /^[\w.-]+\//.test(w)))
      warnings.push(
        `note: ${j} launch_script names repository paths: the launch host needs a checkout of the repository there`,
      );
  }
  for (const [s, list] of deps) {
    res.push(`[dependencies ${s.name}]`);
    list.forEach((x, i) => {
      line(`campaign_stage_${i + 1}`, x.stage, ' = ');
      // Without patterns gitpoms takes the stage's job type's outputs, as resolve does.
      const jt = jobTypes.get(s.jobType ?? c.jobType ?? '');
      const fp = x.filePatterns ?? jt?.spec.outputFilePatterns ?? ['%'];
      line(`file_pattern_${i + 1}`, fp.join(','), ' = ');
    });
    res.push('');
  }
  res.push('');
  return { text: res.join('\n'), warnings };
}

/** A split object in POMS's own syntax, e.g. nfiles(10) or new(window=1d,fts=0). */
function splitText(s: Exclude<Stage['split'], string | undefined>): string {
  const { type, ...args } = s;
  if (
    type === 'nfiles' ||
    type === 'limitn' ||
    type === 'drainingn' ||
    type === 'stagedfiles' ||
    type === 'mod'
  )
    return args.n === undefined ? type : `${type}(${args.n})`;
  const kv = Object.entries(args).map(([k, v]) => `${k}=${String(v)}`);
  return kv.length ? `${type}(${kv.join(',')})` : type;
}
