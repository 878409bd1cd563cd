// A POMS campaign export (CampaignsPOMS.campaign_deps_ini, read back by ini_to_campaign and
// save_campaign) as gitpoms documents. Pure: the caller reads the file, locates the configs and
// scripts it names, validates the result and writes it.
import type { Diagnostic } from '../diagnostic.js';
import type { Campaign, JobType, LaunchTemplate } from '../../model/index.js';
import { Document } from 'yaml';
import { parseIni, type IniEntry, type IniSection } from './ini.js';
import { commandWords } from '../command-words.js';
import { runsFifeLaunch } from '../../fife/argv.js';
import { schemaPattern } from '../schemas.js';

export interface ImportedDoc {
  kind: 'Campaign' | 'JobType' | 'LaunchTemplate';
  name: string;
  value: Campaign | JobType | LaunchTemplate;
}

export interface ImportResult {
  docs: ImportedDoc[];
  /** Errors (nothing may be written) and warnings (a POMS setting gitpoms does not keep). */
  diagnostics: Diagnostic[];
}

export interface ImportOptions {
  /** The export's path, as messages name it. */
  file: string;
  /**
   * The repository path to use for a fife_launch config or launch script the export names on
   * the launch host; undefined when no copy of it was found.
   */
  locate(path: string): string | undefined;
}

/** The keys POMS's exporter writes in each kind of section, in its order. */
export const STAGE_KEYS = [
  'vo_role',
  'software_version',
  'output_ancestor_depth',
  'dataset_or_split_data',
  'cs_split_type',
  'completion_type',
  'completion_pct',
  'param_overrides',
  'test_param_overrides',
  'login_setup',
  'job_type',
  'merge_overrides',
  'stage_type',
  'default_clear_cronjob',
] as const;
const KEYS: Record<string, readonly string[]> = {
  campaign: [
    'experiment',
    'poms_role',
    'name',
    'state',
    'campaign_keywords',
    'campaign_stage_list',
  ],
  campaign_defaults: STAGE_KEYS,
  campaign_stage: [...STAGE_KEYS, 'state'],
  login_setup: ['host', 'account', 'setup'],
  job_type: ['launch_script', 'parameters', 'output_file_patterns', 'recoveries'],
};

// The schemas' own patterns, checked here so an error names the ini line.
const NAME = schemaPattern('common.schema.json', '/$defs/name');
const OVERRIDE_KEY = schemaPattern('common.schema.json', '/$defs/overrides/propertyNames');
const EXPERIMENT = schemaPattern('common.schema.json', '/$defs/metadata/properties/experiment');
const TEMPLATE = '/properties/spec/properties';
const HOST = schemaPattern('launchtemplate.schema.json', `${TEMPLATE}/host`);
const ACCOUNT = schemaPattern('launchtemplate.schema.json', `${TEMPLATE}/account`);
const RECOVERY_TYPES: Record<string, string> = {
  added_files: 'added_files',
  consumed_status: 'consumed_status',
  process_status: 'process_status',
  proj_status: 'process_status',
  delivered_not_consumed: 'delivered_not_consumed',
  pending_files: 'pending_files',
};

/** "None", "" and "null" are how the exporter writes a value that is not set. */
const unset = (v: string | undefined): boolean =>
  v === undefined || v.trim() === '' || v === 'None' || v === 'null';

/** An override value as gitpoms writes it: integers and True/False typed, as they render back. */
function overrideValue(v: string): string | number | boolean {
  if (v === 'True') return true;
  if (v === 'False') return false;
  if (/^(0|-?[1-9]\d{0,14})$/.test(v)) return Number(v);
  return v;
}

type Pairs = Array<[string, string]>;

export function importPoms(text: string, o: ImportOptions): ImportResult {
  const diagnostics: Diagnostic[] = [];
  const report = (
    severity: 'error' | 'warning',
    line: number,
    where: string,
    code: string,
    message: string,
    hint?: string,
  ) =>
    diagnostics.push({
      file: o.file,
      line,
      column: 1,
      path: where,
      code,
      severity,
      message,
      ...(hint ? { hint } : {}),
    });
  const ini = parseIni(text);
  for (const p of ini.problems) report('error', p.line, '', 'ini-syntax', p.message);
  const campaignSection = ini.sections.find((s) => s.name === 'campaign');
  if (!campaignSection) {
    report(
      'error',
      1,
      '',
      'not-a-poms-export',
      'no [campaign] section: this is not a POMS campaign export',
      "export it from POMS's campaign page (campaign_deps_ini), or write one in its format",
    );
    return { docs: [], diagnostics };
  }

  const kindOf = (s: IniSection): { kind: string; name: string } | undefined => {
    if (s.name === 'campaign' || s.name === 'campaign_defaults' || s.name === 'node_positions')
      return { kind: s.name, name: '' };
    const m = /^(campaign_stage|login_setup|job_type|dependencies) (.+)$/.exec(s.name);
    return m ? { kind: m[1]!, name: m[2]!.trim() } : undefined;
  };
  const at = (s: IniSection, e?: IniEntry) => (e ? `[${s.name}] ${e.key}` : `[${s.name}]`);
  const byKind = new Map<string, Array<{ s: IniSection; name: string }>>();
  for (const s of ini.sections) {
    const k = kindOf(s);
    if (!k) {
      report(
        'error',
        s.line,
        at(s),
        'unknown-section',
        `unknown section [${s.name}]`,
        'a POMS export has [campaign], [campaign_defaults], [node_positions] and [campaign_stage|login_setup|job_type|dependencies NAME]',
      );
      continue;
    }
    byKind.set(k.kind, [...(byKind.get(k.kind) ?? []), { s, name: k.name }]);
    const known = KEYS[k.kind];
    if (k.kind === 'node_positions') {
      if (s.entries.length)
        report(
          'warning',
          s.line,
          at(s),
          'not-mapped',
          'the editor’s node positions are not kept: gitpoms lays the graph out itself',
        );
      continue;
    }
    for (const e of s.entries) {
      const ok = known ? known.includes(e.key) : /^(campaign_stage|file_pattern)_\d+$/.test(e.key);
      if (!ok)
        report(
          'error',
          e.line,
          at(s, e),
          'unknown-key',
          `unknown key ${e.key} in [${s.name}]`,
          known
            ? `POMS writes ${known.join(', ')}`
            : 'POMS writes campaign_stage_N and file_pattern_N',
        );
    }
  }
  const get = (s: IniSection | undefined, key: string) => s?.entries.find((e) => e.key === key);
  const val = (s: IniSection | undefined, key: string) => get(s, key)?.value;

  /** A name as gitpoms spells it: POMS's spaces become '_' (as its launches do), reported. */
  const nameOf = (raw: string, s: IniSection, what: string): string => {
    const n = raw
      .trim()
      .replace(/\s+/g, '_')
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 128);
    if (!NAME.test(n)) {
      report('error', s.line, at(s), 'bad-name', `${what} name "${raw}" cannot be a gitpoms name`);
      return n;
    }
    if (n !== raw)
      report('warning', s.line, at(s), 'renamed', `${what} "${raw}" is named ${n} in gitpoms`);
    return n;
  };

  const json = (s: IniSection, e: IniEntry | undefined): unknown => {
    if (!e || unset(e.value)) return undefined;
    try {
      return JSON.parse(e.value);
    } catch (err) {
      report(
        'error',
        e.line,
        at(s, e),
        'bad-json',
        `${e.key} is not JSON: ${(err as Error).message}`,
        'POMS writes [["-Oglobal.fclfile=", "x.fcl"], ...]',
      );
      return undefined;
    }
  };

  // Campaign keywords are put into %(name)s placeholders, as POMS formats its launch command.
  const keywordsEntry = get(campaignSection, 'campaign_keywords');
  const keywordsRaw = json(campaignSection, keywordsEntry);
  const keywords: Record<string, string> = {};
  if (keywordsRaw !== undefined) {
    if (keywordsRaw && typeof keywordsRaw === 'object' && !Array.isArray(keywordsRaw))
      for (const [k, v] of Object.entries(keywordsRaw)) keywords[k] = String(v);
    else
      report(
        'error',
        keywordsEntry!.line,
        at(campaignSection, keywordsEntry),
        'bad-json',
        'campaign_keywords must be a JSON object of keyword: value',
      );
  }
  const fill = (s: IniSection, e: IniEntry, text: string): string | undefined => {
    let missing: string | undefined;
    const out = text.replace(/%\((\w+)\)s|%%/g, (m, k: string | undefined) => {
      if (m === '%%') return '%';
      if (k! in keywords) return keywords[k!]!;
      missing ??= k;
      return m;
    });
    if (missing === undefined) return out;
    report(
      'error',
      e.line,
      at(s, e),
      'placeholder',
      `%(${missing})s is filled in by POMS at launch time; gitpoms has no such placeholder`,
      'write the value, or add it to campaign_keywords',
    );
    return undefined;
  };

  /** Parameter pairs ([key, value], joined as POMS joins them) as -O overrides and other words. */
  const pairsOf = (s: IniSection, e: IniEntry | undefined): { o: Pairs; words: string[] } => {
    const out = { o: [] as Pairs, words: [] as string[] };
    const raw = json(s, e);
    if (raw === undefined) return out;
    const list = Array.isArray(raw)
      ? raw
      : raw && typeof raw === 'object'
        ? Object.entries(raw)
        : undefined;
    if (!list || !list.every((p) => Array.isArray(p) && p.length === 2)) {
      report(
        'error',
        e!.line,
        at(s, e),
        'bad-overrides',
        `${e!.key} must be a list of [key, value] pairs`,
        'POMS writes [["-Oglobal.fclfile=", "x.fcl"], ...]',
      );
      return out;
    }
    for (const [k, v] of list as Array<[unknown, unknown]>) {
      const joined = fill(s, e!, `${String(k)}${v === null ? '' : String(v)}`);
      if (joined === undefined) continue;
      const m = /^(?:-O\s*|--override[=\s]\s*)([^=\s]+)=(.*)$/s.exec(joined.trim());
      if (m && OVERRIDE_KEY.test(m[1]!)) {
        out.o.push([m[1]!, m[2]!]);
        continue;
      }
      const w = commandWords(joined);
      if ('shell' in w)
        report(
          'error',
          e!.line,
          at(s, e),
          'needs-a-shell',
          `${e!.key} entry ${JSON.stringify([k, v])} uses ${w.shell}; gitpoms runs commands as argument lists, never through a shell`,
        );
      else out.words.push(...w.words);
    }
    return out;
  };
  const overridesOf = (pairs: Pairs) => {
    const m = new Map<string, string>();
    for (const [k, v] of pairs) m.set(k, v);
    return Object.fromEntries([...m].map(([k, v]) => [k, overrideValue(v)]));
  };

  const experiment = val(campaignSection, 'experiment')?.trim() ?? '';
  if (!EXPERIMENT.test(experiment))
    report(
      'error',
      get(campaignSection, 'experiment')?.line ?? campaignSection.line,
      at(campaignSection, get(campaignSection, 'experiment')),
      'bad-experiment',
      `experiment "${experiment}" must be lower-case letters, digits, '_' and '-'`,
    );
  const meta = (name: string) => ({ name, experiment });

  // Login setups: launch templates. A setup line `export K=V` is an environment variable.
  const templates = new Map<string, LaunchTemplate>();
  for (const { s, name } of byKind.get('login_setup') ?? []) {
    const spec: LaunchTemplate['spec'] = {};
    /** A plain value the template's schema constrains, checked here to name the ini line. */
    const plain = (key: 'host' | 'account', pattern: RegExp, what: string) => {
      const v = val(s, key)?.trim();
      if (unset(v)) return;
      if (pattern.test(v!)) spec[key] = v!;
      else
        report(
          'error',
          get(s, key)!.line,
          at(s, get(s, key)),
          `bad-${key}`,
          `${key} "${v}" is not ${what}`,
        );
    };
    plain('host', HOST, 'a host name');
    plain('account', ACCOUNT, 'a user name');
    const setupEntry = get(s, 'setup');
    const setup: Array<[string, ...string[]]> = [];
    const environment: Record<string, { value: string }> = {};
    const setupText = setupEntry && fill(s, setupEntry, setupEntry.value);
    for (const line of (setupText ?? '').split(/[;\n]/).map((x) => x.trim())) {
      if (!line) continue;
      const w = commandWords(line);
      if ('shell' in w) {
        report(
          'error',
          setupEntry!.line,
          at(s, setupEntry),
          'needs-a-shell',
          `setup line "${line}" uses ${w.shell}; gitpoms runs each setup command as an argument list`,
          'set variables with export NAME=VALUE (a plain value), or move the logic into a script in the repository',
        );
        continue;
      }
      const ex =
        w.words[0] === 'export' &&
        w.words.length === 2 &&
        /^([A-Za-z_]\w*)=(.*)$/s.exec(w.words[1]!);
      if (ex) environment[ex[1]!] = { value: ex[2]! };
      else if (w.words.length) setup.push(w.words as [string, ...string[]]);
    }
    if (setup.length) spec.setup = setup;
    if (Object.keys(environment).length) spec.environment = environment;
    const n = nameOf(name, s, 'login setup');
    templates.set(name, {
      apiVersion: 'gitpoms/v1',
      kind: 'LaunchTemplate',
      metadata: meta(n),
      spec,
    });
  }

  // Job types.
  const jobTypes = new Map<string, { value: JobType; fife: boolean }>();
  for (const { s, name } of byKind.get('job_type') ?? []) {
    const ls = get(s, 'launch_script');
    let launch: string[] = [];
    const text = ls && fill(s, ls, ls.value);
    if (!ls || unset(ls.value))
      report('error', s.line, at(s, ls), 'no-launch-script', `[${s.name}] has no launch_script`);
    else if (text !== undefined) {
      const w = commandWords(text);
      if ('shell' in w)
        report(
          'error',
          ls.line,
          at(s, ls),
          'needs-a-shell',
          `launch_script uses ${w.shell}; gitpoms runs commands as argument lists, never through a shell`,
          'put the command line in a script in the repository and launch that',
        );
      else launch = w.words;
    }
    const fife = runsFifeLaunch(launch);
    const relocate = (i: number, what: string) => {
      const p = launch[i];
      if (p === undefined) return;
      const found = o.locate(p);
      if (found === undefined)
        report(
          'error',
          ls!.line,
          at(s, ls),
          'file-not-found',
          `${what} ${p} is on the launch host, not in the repository`,
          'copy it into a directory and give that directory with --files DIR',
        );
      else launch[i] = found;
    };
    if (fife) {
      const c = launch.findIndex((x) => x === '-c' || x === '--config');
      const eq = launch.findIndex((x) => /^(-c|--config=)./.test(x));
      if (c >= 0) relocate(c + 1, 'fife_launch config');
      else if (eq >= 0) {
        const [flag, p] = launch[eq]!.startsWith('-c')
          ? ['-c', launch[eq]!.slice(2)]
          : ['--config', launch[eq]!.slice('--config='.length)];
        launch.splice(eq, 1, flag, p);
        relocate(eq + 1, 'fife_launch config');
      }
    } else if (launch[0]?.includes('/')) relocate(0, 'launch script');
    const params = pairsOf(s, get(s, 'parameters'));
    const patternsText = val(s, 'output_file_patterns');
    const patterns = unset(patternsText)
      ? ['%']
      : patternsText!
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
    if (unset(patternsText))
      report(
        'warning',
        s.line,
        at(s, get(s, 'output_file_patterns')),
        'defaulted',
        'no output_file_patterns: every file a job declares counts (%)',
      );
    const recEntry = get(s, 'recoveries');
    const recRaw = json(s, recEntry);
    const recoveries: NonNullable<JobType['spec']['recoveries']> = [];
    if (recRaw !== undefined) {
      if (!Array.isArray(recRaw))
        report(
          'error',
          recEntry!.line,
          at(s, recEntry),
          'bad-recoveries',
          'recoveries must be a JSON list of [type, overrides]',
        );
      else
        for (const r of recRaw as unknown[]) {
          const [type, over] = Array.isArray(r) ? (r as [unknown, unknown]) : [r, undefined];
          const t = RECOVERY_TYPES[String(type)];
          if (!t) {
            report(
              'error',
              recEntry!.line,
              at(s, recEntry),
              'unknown-recovery',
              `unknown recovery type ${JSON.stringify(type)}`,
              `POMS's types are ${Object.keys(RECOVERY_TYPES).join(', ')}`,
            );
            continue;
          }
          const sub = pairsOf(s, { ...recEntry!, value: JSON.stringify(over ?? []) });
          if (sub.words.length)
            report(
              'error',
              recEntry!.line,
              at(s, recEntry),
              'bad-overrides',
              `recovery ${t}: ${sub.words.join(' ')} is not a -O override`,
            );
          recoveries.push({
            type: t as (typeof recoveries)[number]['type'],
            ...(sub.o.length ? { overrides: overridesOf(sub.o) } : {}),
          });
        }
    }
    const definitionParameters: NonNullable<JobType['spec']['definitionParameters']> = {};
    if (params.o.length) definitionParameters.overrides = overridesOf(params.o);
    // POMS appends the parameters to the launch script: for fife_launch they are its options.
    if (params.words.length) {
      if (fife) launch.push(...params.words);
      else definitionParameters.arguments = params.words;
    }
    const n = nameOf(name, s, 'job type');
    jobTypes.set(name, {
      fife,
      value: {
        apiVersion: 'gitpoms/v1',
        kind: 'JobType',
        metadata: meta(n),
        spec: {
          launch: launch.length ? (launch as [string, ...string[]]) : ['-'],
          ...(Object.keys(definitionParameters).length ? { definitionParameters } : {}),
          outputFilePatterns: patterns as [string, ...string[]],
          ...(recoveries.length ? { recoveries } : {}),
        },
      },
    });
  }

  // Stages, in campaign_stage_list's order; the defaults filled in as save_campaign fills them.
  const defaults = byKind.get('campaign_defaults')?.[0]?.s;
  const stageSections = byKind.get('campaign_stage') ?? [];
  const listed = (val(campaignSection, 'campaign_stage_list') ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const n of listed)
    if (!stageSections.some((x) => x.name === n))
      report(
        'error',
        get(campaignSection, 'campaign_stage_list')!.line,
        at(campaignSection, get(campaignSection, 'campaign_stage_list')),
        'unknown-stage',
        `campaign_stage_list names ${n}, which has no [campaign_stage ${n}]`,
      );
  const order = (x: { name: string }) => {
    const i = listed.indexOf(x.name);
    return i < 0 ? listed.length : i;
  };
  const ordered = [...stageSections].sort((a, b) => order(a) - order(b));
  const depsOf = new Map<string, Array<{ stage: string; filePatterns: string[] }>>();
  for (const { s, name } of byKind.get('dependencies') ?? []) {
    if (!stageSections.some((x) => x.name === name))
      report(
        'error',
        s.line,
        at(s),
        'unknown-stage',
        `[${s.name}]: the export defines no stage ${name}`,
      );
    const list: Array<{ stage: string; filePatterns: string[] }> = [];
    for (const e of s.entries.filter((x) => x.key.startsWith('campaign_stage_'))) {
      const parent = e.value.trim();
      if (!stageSections.some((x) => x.name === parent)) {
        report(
          'error',
          e.line,
          at(s, e),
          'unknown-stage',
          `${name} depends on ${parent}, a stage the export does not define`,
        );
        continue;
      }
      const fp = val(s, `file_pattern_${e.key.slice('campaign_stage_'.length)}`);
      list.push({
        stage: nameOf(parent, s, 'stage'),
        filePatterns: unset(fp)
          ? ['%']
          : fp!
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
      });
    }
    depsOf.set(name, list);
  }

  const resolved = (
    s: IniSection,
    key: string,
  ): { value: string; e: IniEntry; s: IniSection } | undefined => {
    // save_campaign: form.get(k) or defaults.get(k) — an empty stage value takes the default.
    const own = get(s, key);
    if (own && own.value !== '') return { value: own.value, e: own, s };
    const d = get(defaults, key);
    return d ? { value: d.value, e: d, s: defaults! } : undefined;
  };
  const campaignName = nameOf(val(campaignSection, 'name') ?? '', campaignSection, 'campaign');
  const voRole = (v: string | undefined) => (unset(v) ? undefined : v!.toLowerCase());
  const dflt = {
    voRole: voRole(val(defaults, 'vo_role')),
    softwareVersion: unset(val(defaults, 'software_version'))
      ? undefined
      : val(defaults, 'software_version')!,
    jobType: val(defaults, 'job_type'),
    loginSetup: val(defaults, 'login_setup'),
  };
  const stages: Array<Campaign['spec']['stages'][number]> = [];
  /** The section a stage's job_type or login_setup names; an error when the export lacks it. */
  const ref =
    <T>(kind: 'job_type' | 'login_setup', known: ReadonlyMap<string, T>) =>
    (v: string | undefined, s: IniSection, key: string): T | undefined => {
      if (unset(v)) return undefined;
      const found = known.get(v!);
      if (found === undefined)
        report(
          'error',
          get(s, key)?.line ?? s.line,
          at(s, get(s, key)),
          `unknown-${kind.replace('_', '-')}`,
          `${kind} ${v} has no [${kind} ${v}] in the export`,
        );
      return found;
    };
  const refJobType = ref('job_type', jobTypes);
  const refTemplate = ref('login_setup', templates);
  const campaignJobType = refJobType(dflt.jobType, defaults ?? campaignSection, 'job_type');
  const campaignTemplate = refTemplate(dflt.loginSetup, defaults ?? campaignSection, 'login_setup');
  const warnIf = (
    cond: boolean,
    r: { e: IniEntry; s: IniSection } | undefined,
    message: string,
  ) => {
    if (cond && r) report('warning', r.e.line, at(r.s, r.e), 'not-mapped', message);
  };
  for (const { s, name } of ordered) {
    const stage: Campaign['spec']['stages'][number] = { name: nameOf(name, s, 'stage') };
    const deps = depsOf.get(name);
    if (deps?.length) stage.dependsOn = deps;
    const role = resolved(s, 'vo_role');
    if (voRole(role?.value) !== dflt.voRole && voRole(role?.value))
      stage.voRole = voRole(role!.value) as 'production';
    const sw = resolved(s, 'software_version');
    if (!unset(sw?.value) && sw!.value !== dflt.softwareVersion) stage.softwareVersion = sw!.value;
    const jtRaw = resolved(s, 'job_type');
    const jt = refJobType(jtRaw?.value, jtRaw?.s ?? s, 'job_type');
    if (jt && jt !== campaignJobType) stage.jobType = jt.value.metadata.name;
    if (!jt && unset(jtRaw?.value))
      report(
        'error',
        s.line,
        at(s),
        'no-job-type',
        `stage ${name} has no job_type, and [campaign_defaults] none either`,
      );
    const lsRaw = resolved(s, 'login_setup');
    const lt = refTemplate(lsRaw?.value, lsRaw?.s ?? s, 'login_setup');
    if (lt && lt !== campaignTemplate) stage.launchTemplate = lt.metadata.name;
    if (!lt && unset(lsRaw?.value))
      report(
        'error',
        s.line,
        at(s),
        'no-login-setup',
        `stage ${name} has no login_setup, and [campaign_defaults] none either`,
      );
    const ds = resolved(s, 'dataset_or_split_data');
    if (deps?.length) {
      stage.dataset = 'fromParent';
      warnIf(
        !unset(ds?.value) && ds!.value !== 'from_parent' && !ds!.value.startsWith('poms_depends_'),
        ds,
        `dataset ${ds?.value} of a stage with dependencies is not kept: gitpoms reads the parent's outputs (POMS uses it only for launches by hand)`,
      );
    } else if (unset(ds?.value)) stage.dataset = 'none';
    else if (ds!.value === 'from_parent')
      report(
        'error',
        ds!.e.line,
        at(ds!.s, ds!.e),
        'no-parent',
        `stage ${name} reads from_parent but has no [dependencies ${name}]`,
      );
    else stage.dataset = ds!.value;
    const split = resolved(s, 'cs_split_type');
    if (!unset(split?.value) && split!.value.toLowerCase() !== 'none') stage.split = split!.value;
    const ct = resolved(s, 'completion_type');
    const cp = resolved(s, 'completion_pct');
    const type = unset(ct?.value) ? 'located' : ct!.value.toLowerCase();
    if (type !== 'located' && type !== 'complete')
      report(
        'error',
        ct!.e.line,
        at(ct!.s, ct!.e),
        'bad-completion',
        `completion_type ${ct!.value}: POMS's types are located and complete`,
      );
    const percent = unset(cp?.value) ? undefined : Number(cp!.value);
    if (percent !== undefined && !(percent >= 0 && percent <= 100))
      report(
        'error',
        cp!.e.line,
        at(cp!.s, cp!.e),
        'bad-completion',
        `completion_pct ${cp!.value} is not a percentage`,
      );
    stage.completion = {
      type: type as 'located',
      ...(percent !== undefined && percent >= 0 && percent <= 100 ? { percent } : {}),
    };
    // save_campaign fills an empty stage value from the defaults; merge_overrides puts the
    // defaults' list first at launch (SubmissionsPOMS.launch_jobs).
    const merge = resolved(s, 'merge_overrides');
    const own = get(s, 'param_overrides');
    const mine = resolved(s, 'param_overrides');
    const pairs = mine ? pairsOf(mine.s, mine.e) : { o: [], words: [] };
    const mergedIn =
      merge && /^true$/i.test(merge.value) && own && own.value !== '' && defaults
        ? pairsOf(defaults, get(defaults, 'param_overrides'))
        : { o: [], words: [] };
    const allPairs = [...mergedIn.o, ...pairs.o];
    const words = [...mergedIn.words, ...pairs.words];
    if (allPairs.length) stage.overrides = overridesOf(allPairs);
    if (words.length) {
      if (jt?.fife)
        report(
          'error',
          mine!.e.line,
          at(mine!.s, mine!.e),
          'not-an-override',
          `${words.join(' ')}: a stage of a fife_launch job type takes only -O overrides in gitpoms`,
          "put fife_launch's other options in the job type's launch_script",
        );
      else stage.arguments = words;
    }
    const test = resolved(s, 'test_param_overrides');
    warnIf(
      !unset(test?.value) && test!.value.trim() !== '[]',
      test,
      'test_param_overrides are not kept: gitpoms has no test launches',
    );
    const st = resolved(s, 'stage_type');
    warnIf(
      !unset(st?.value) && st!.value !== 'regular',
      st,
      `stage_type ${st?.value} is not kept: every gitpoms stage is a regular one`,
    );
    const depth = resolved(s, 'output_ancestor_depth');
    warnIf(
      !unset(depth?.value) && depth!.value.trim() !== '1',
      depth,
      `output_ancestor_depth ${depth?.value} is not kept: outputs count against their direct parents`,
    );
    const cron = resolved(s, 'default_clear_cronjob');
    warnIf(
      !unset(cron?.value) && !/^true$/i.test(cron!.value),
      cron,
      'default_clear_cronjob False is not kept',
    );
    warnIf(
      get(s, 'state') !== undefined,
      { e: get(s, 'state')!, s },
      "a stage's state is not read: POMS ignores it too; the campaign's state holds",
    );
    stages.push(stage);
  }
  if (!stages.length)
    report(
      'error',
      campaignSection.line,
      at(campaignSection),
      'no-stages',
      'the export has no [campaign_stage NAME] section',
    );
  const roleEntry = get(campaignSection, 'poms_role');
  if (roleEntry && !unset(roleEntry.value))
    report(
      'warning',
      roleEntry.line,
      at(campaignSection, roleEntry),
      'not-mapped',
      `poms_role ${roleEntry.value} is not kept: who may act is a token's role in gitpoms`,
    );
  const stateEntry = get(campaignSection, 'state');
  const campaign: Campaign = {
    apiVersion: 'gitpoms/v1',
    kind: 'Campaign',
    metadata: meta(campaignName),
    spec: {
      ...(dflt.voRole ? { voRole: dflt.voRole as 'production' } : {}),
      ...(dflt.softwareVersion ? { softwareVersion: dflt.softwareVersion } : {}),
      ...(campaignTemplate ? { launchTemplate: campaignTemplate.metadata.name } : {}),
      ...(campaignJobType ? { jobType: campaignJobType.value.metadata.name } : {}),
      state: stateEntry && /^inactive$/i.test(stateEntry.value.trim()) ? 'inactive' : 'active',
      stages: stages as [Campaign['spec']['stages'][number], ...Campaign['spec']['stages']],
    },
  };
  const docs: ImportedDoc[] = [
    { kind: 'Campaign', name: campaignName, value: campaign },
    ...[...jobTypes.values()].map((j) => ({
      kind: 'JobType' as const,
      name: j.value.metadata.name,
      value: j.value,
    })),
    ...[...templates.values()].map((t) => ({
      kind: 'LaunchTemplate' as const,
      name: t.metadata.name,
      value: t,
    })),
  ];
  diagnostics.sort((a, b) => a.line - b.line);
  return { docs, diagnostics };
}

/** Where an imported document goes under the output directory. */
export function importedPath(d: ImportedDoc): string {
  if (d.kind === 'Campaign') return `${d.name}.yaml`;
  return `${d.kind === 'JobType' ? 'jobtypes' : 'launch'}/${d.name}.yaml`;
}

const SCHEMA_OF: Record<ImportedDoc['kind'], string> = {
  Campaign: 'campaign.schema.json',
  JobType: 'jobtype.schema.json',
  LaunchTemplate: 'launchtemplate.schema.json',
};

/** A document's YAML, with the editor's schema line when `schemas` (a relative path) is given. */
export function importedYaml(d: ImportedDoc, from: string, schemas?: string): string {
  const doc = new Document(d.value);
  doc.commentBefore = [
    ...(schemas ? [` yaml-language-server: $schema=${schemas}/${SCHEMA_OF[d.kind]}`] : []),
    ` Imported from the POMS export ${from} (gitpoms import-poms).`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
