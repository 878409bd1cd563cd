import { ConfigError, ConfigParser } from './configparser.js';
import wrapFlagData from './fife-wrap-flags.json' with { type: 'json' };
import { evalStringExpression, expandVars, pythonInt, urlQuote } from './python.js';

/** Reads the files a config names; paths are formed exactly as fife_launch forms them. */
export interface ConfigFiles {
  exists(path: string): boolean;
  read(path: string): string;
}

export interface FifeLaunchOptions {
  config: string;
  overrides?: readonly string[];
  stages?: readonly string[];
  argPush?: readonly string[];
  argDel?: readonly string[];
  jobname?: string;
  fake?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  files: ConfigFiles;
  /** Used only for the wrapper copy name when a jobname is set, as fife_launch does. */
  pid?: number;
  /** fife_wrap's flags (name → takes no value); defaults to the bundled list. */
  wrapFlags?: ReadonlyMap<string, boolean>;
  /** Files in the submission's dataset; a dry run assumes 5, as fife_launch does. */
  datasetFiles?: number;
}

export interface FifeLaunchResult {
  /** The script fife_launch would run, as it prints it between its two lines of dashes. */
  script: string;
  /** The composed configuration (after stages, [global_eval], -O, args). */
  config: ConfigParser;
  /** Lines fife_launch prints outside the script (pre-launch checks, POMS variables). */
  messages: string[];
  warnings: string[];
  /** A value as the script uses it: interpolated with [global] (undefined when absent or unexpandable). */
  value(section: string, key: string): string | undefined;
}

/** A config fife_launch would refuse; the message says what to fix. */
export class FifeLaunchError extends Error {
  readonly code: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  /** The --stage the error is about, for a caller that can point at that word. */
  readonly stage: string | undefined;
  constructor(
    code: string,
    message: string,
    where: { file?: string | undefined; line?: number | undefined } = {},
    stage?: string,
  ) {
    super(message);
    this.name = 'FifeLaunchError';
    this.code = code;
    this.file = where.file;
    this.line = where.line;
    this.stage = stage;
  }
}

let bundled: ReadonlyMap<string, boolean> | undefined;

export function bundledWrapFlags(): ReadonlyMap<string, boolean> {
  if (bundled) return bundled;
  const m = new Map<string, boolean>();
  for (const k of wrapFlagData.valued) m.set(k, false);
  for (const k of wrapFlagData.boolean) m.set(k, true);
  bundled = m;
  return m;
}

/** fife_launch's reading of `fife_wrap --help`: a flag without '=' on its line takes no value. */
export function parseWrapHelp(help: string): Map<string, boolean> {
  const flags = new Map<string, boolean>();
  for (const l of help.split(/(?<=\n)/)) {
    const p1 = l.indexOf('--');
    if (p1 < 0) continue;
    const p2 = l.indexOf(' ', p1);
    const p3 = l.indexOf('=', p1);
    if (p3 > 0) flags.set(l.slice(p1 + 2, p3), false);
    else flags.set(l.slice(p1 + 2, p2 < 0 ? l.length - 1 : p2), true);
  }
  return flags;
}

function splitOverride(o: string): [string, string, string] | undefined {
  const eq = o.indexOf('=');
  if (eq < 0) return undefined;
  const k = o.slice(0, eq);
  const dot = k.indexOf('.');
  if (dot < 0) return undefined;
  return [k.slice(0, dot), k.slice(dot + 1), o.slice(eq + 1)];
}

/** "name_3" and "name_12" repeat a flag: the suffix is dropped when rendering. */
function stripRepeatSuffix(k: string): string {
  if (k.length > 2 && k[k.length - 2] === '_' && /\d/.test(k[k.length - 1]!)) return k.slice(0, -2);
  if (k.length > 3 && k[k.length - 3] === '_' && /\d\d$/.test(k)) return k.slice(0, -3);
  return k;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) throw new FifeLaunchError(`config-${e.code}`, e.message, e);
    throw e;
  }
}

class Launcher {
  readonly cfg = new ConfigParser();
  private readonly included = new Set<string>();
  /** The chain of configs whose includes are being read, outermost first (found path, name). */
  private readonly including: Array<{ found: string; name: string }> = [];
  private readonly searchpath: string[];
  readonly messages: string[] = [];
  readonly warnings: string[] = [];
  private globals: Map<string, string> = new Map();
  private nfilesInDataset: number | undefined;
  private readonly wrapFlags: ReadonlyMap<string, boolean>;

  constructor(private readonly o: FifeLaunchOptions) {
    this.searchpath = (o.env.FIFE_LAUNCH_PATH ?? '').split(':');
    this.wrapFlags = o.wrapFlags ?? bundledWrapFlags();
  }

  compose(): void {
    const o = this.o;
    const overrides = o.overrides ?? [];
    if (o.env.POMS_DATA_DISPATCHER_TASK_ID !== undefined) {
      throw new FifeLaunchError(
        'data-dispatcher',
        'POMS_DATA_DISPATCHER_TASK_ID is set: Data Dispatcher launches need the MetaCat and Data Dispatcher clients, which gitpoms does not emulate',
      );
    }
    this.readWithIncludes(o.config, overrides);
    if (this.cfg.hasSection('data_dispatcher')) {
      throw new FifeLaunchError(
        'data-dispatcher',
        `${o.config}: [data_dispatcher] launches need the MetaCat and Data Dispatcher clients, which gitpoms does not emulate`,
      );
    }
    for (const s of ['global', 'submit', 'executable'])
      if (!this.cfg.hasSection(s)) this.cfg.addSection(s);

    for (const stage of this.expandParents(o.stages ?? [], [])) {
      const tag = `stage_${stage}`;
      for (const [k, v] of wrap(() => this.cfg.items(tag, { raw: true }))) {
        if (k === 'parent') continue;
        const dot = k.indexOf('.');
        const origin = this.cfg.origin(tag, k);
        if (dot < 0) {
          throw new FifeLaunchError(
            'stage-key',
            `[${tag}] ${k}: stage entries must be written section.key = value`,
            origin ?? {},
          );
        }
        const section = k.slice(0, dot);
        if (!this.cfg.hasSection(section)) {
          throw new FifeLaunchError(
            'stage-section',
            `[${tag}] ${k}: there is no section [${section}] to set "${k.slice(dot + 1)}" in`,
            origin ?? {},
          );
        }
        wrap(() => this.cfg.set(section, k.slice(dot + 1), v));
      }
    }

    if (this.cfg.hasSection('global_eval')) {
      for (const [k, v] of wrap(() => this.cfg.items('global_eval'))) {
        const value = evalStringExpression(v);
        if (value === undefined) {
          throw new FifeLaunchError(
            'global-eval',
            `[global_eval] ${k}: only Python string literals joined with '+' are supported here, not ${JSON.stringify(v)}`,
            this.cfg.origin('global_eval', k) ?? {},
          );
        }
        wrap(() => this.cfg.set('global', k, value));
      }
    }

    for (const ov of overrides) {
      const parts = splitOverride(ov);
      if (!parts) {
        throw new FifeLaunchError(
          'override-syntax',
          `cannot parse '-O${ov}': expected -Osection.key=value`,
        );
      }
      const [s, n, v] = parts;
      if (s.startsWith('stage_')) {
        this.warnings.push(
          `Overriding stage value '-O${ov}' has no effect: -O changes the stage parameter after it was used; use -O${ov.slice(ov.indexOf('.') + 1)}`,
        );
      }
      try {
        if (!this.cfg.hasSection(s)) this.cfg.addSection(s);
        this.cfg.set(s, n, v);
      } catch (e) {
        throw new FifeLaunchError(
          'override-store',
          `cannot store '-O${ov}': ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }

    const args: string[] = [];
    for (let i = 1; i < 100; i++) {
      const v = this.cfg.tryGet('executable', `arg_${i}`, { raw: true });
      if (v !== undefined) args.push(v);
    }
    for (const v of o.argDel ?? []) {
      const at = args.indexOf(v);
      if (at < 0) {
        throw new FifeLaunchError(
          'arg-del',
          `--arg_del ${JSON.stringify(v)}: no executable argument has that value`,
        );
      }
      args.splice(at, 1);
    }
    for (const v of o.argPush ?? []) args.unshift(v);
    for (let i = 1; i < 100; i++) {
      if (i <= args.length) wrap(() => this.cfg.set('executable', `arg_${i}`, args[i - 1]!));
      else this.cfg.removeOption('executable', `arg_${i}`);
    }

    // Job-time variables, preset so configs need not escape them.
    this.cfg.set('global', '_nthfile', '\\\\\\\\${nthfile}');
    this.cfg.set('global', '_fname', '\\\\\\\\${fname}');
    this.cfg.set('global', '_furi', '\\\\\\\\${furi}');
    this.cfg.set('global', '_uuid', '\\\\\\\\${UUID}');
    this.cfg.set('global', '_process', '\\${JOBSUBJOBSECTION:-\\$PROCESS}');

    this.globals = new Map(wrap(() => this.cfg.items('global')));

    const dsDef = this.get('submit', 'dataset_definition');
    if (!dsDef) {
      const ds = this.get('submit', 'dataset');
      if (ds) {
        wrap(() => this.cfg.set('submit', 'dataset_definition', ds));
        this.cfg.removeOption('submit', 'dataset');
      }
    }
  }

  get(section: string, name: string): string | undefined {
    return this.cfg.tryGet(section, name, { vars: this.globals });
  }

  private expandParents(stages: readonly string[], chain: string[]): string[] {
    const res: string[] = [];
    for (const s of stages) {
      if (chain.includes(s)) {
        throw new FifeLaunchError(
          'stage-parent-cycle',
          `[stage_${s}] parent chain loops: ${[...chain, s].join(' -> ')}`,
        );
      }
      // fife_launch skips a stage without a section silently: a typo then launches without
      // the stage's settings. Refused instead.
      if (!this.cfg.hasSection(`stage_${s}`)) {
        const child = chain.at(-1);
        const known = this.cfg
          .sections()
          .filter((x) => x.startsWith('stage_'))
          .map((x) => x.slice(6));
        throw new FifeLaunchError(
          'stage-missing',
          `${child === undefined ? `--stage ${s}` : `[stage_${child}] parent = ${s}`}: the config has no section [stage_${s}]` +
            (known.length ? ` (its stages: ${known.join(', ')})` : ' (it has no stage sections)'),
          (child === undefined ? undefined : this.cfg.origin(`stage_${child}`, 'parent')) ?? {},
          s,
        );
      }
      const p = this.cfg.tryGet(`stage_${s}`, 'parent');
      if (p) res.push(...this.expandParents(p.split(','), [...chain, s]));
      res.push(s);
    }
    return res;
  }

  private resolve(cffile: string): string | undefined {
    for (const d of ['.', '', ...this.searchpath]) {
      const candidate = `${d}/${cffile}`;
      if (this.o.files.exists(candidate)) return candidate;
    }
    return undefined;
  }

  private readWithIncludes(cffile: string, overrides: readonly string[]): void {
    const found = this.resolve(cffile);
    if (found === undefined) {
      throw new FifeLaunchError('config-not-found', `config file '${cffile}' not found`);
    }
    if (this.including.some((c) => c.found === found)) {
      throw new FifeLaunchError(
        'include-loop',
        `config includes loop: ${[...this.including.map((c) => c.name), cffile].join(' -> ')}`,
      );
    }
    if (this.included.has(found)) return;
    this.included.add(found);
    wrap(() => this.cfg.read(this.o.files.read(found), cffile));
    if (!this.cfg.hasSection('global')) {
      throw new FifeLaunchError('no-global', `${cffile}: fife_launch needs a [global] section`);
    }
    wrap(() => this.cfg.items('global'));
    for (const ov of overrides) {
      const parts = splitOverride(ov);
      if (parts && parts[0] === 'global') {
        try {
          this.cfg.set('global', parts[1], parts[2]);
        } catch {
          // fife_launch ignores a malformed early override here and reports it when applying -O.
        }
      }
    }
    const soFar = new Map(wrap(() => this.cfg.items('global')));
    soFar.set('raw', '1');
    // The includes this file names itself (a file without its own leaves an earlier one's).
    if (
      this.cfg.hasOption('global', 'includes') &&
      this.cfg.origin('global', 'includes')?.file === cffile
    ) {
      const list = this.cfg.tryGet('global', 'includes', { vars: soFar });
      if (list === undefined) {
        throw new FifeLaunchError('includes', `${cffile}: [global] includes could not be expanded`);
      }
      this.including.push({ found, name: cffile });
      for (const cf of list.split(' ')) if (cf) this.readWithIncludes(cf, overrides);
      this.including.pop();
    }
  }

  preLaunch(): void {
    this.messages.push('Doing Prelaunch');
    for (let i = 0; i < 30; i++) {
      const sfx = i > 0 ? `_${i}` : '';
      const dest = this.get(`job_output${sfx}`, 'dest');
      const uniq = this.get(`job_output${sfx}`, 'dest_uniq_rename');
      const check = this.get(`job_output${sfx}`, 'launch_dest_check');
      if (check !== undefined && ['False', 'false', 'f', '0'].includes(check)) continue;
      if (dest && !uniq && !dest.includes('$')) this.messages.push(`I would: ifdh mkdir_p ${dest}`);
    }
    if (this.cfg.hasSection('sam_consumer')) {
      this.messages.push('Using SAM Consumer');
      const ds = this.get('submit', 'dataset_definition');
      if (ds) {
        this.messages.push(
          `I would: samweb count_definition_files ${ds}`,
          'and make sure its non-zero...',
        );
        // fife_launch assumes 5 files in a dry run.
        this.nfilesInDataset = this.o.datasetFiles ?? 5;
      }
    }
    for (let i = 0; i < 100; i++) {
      const cmd = this.get('prelaunch', i === 0 ? 'script' : `script_${i}`);
      if (!cmd) break;
      this.messages.push(`I would run: ${cmd}`);
    }
  }

  private expanded(section: string, k: string, raw: string): string {
    const v = this.get(section, k);
    if (raw && !v) {
      throw new FifeLaunchError(
        'expansion',
        `[${section}] ${k} = ${raw}: the value could not be expanded (an undefined %(name)s or a stray %)`,
        this.cfg.origin(section, k) ?? {},
      );
    }
    return v ?? '';
  }

  build(): string {
    const res: string[] = ['set -x'];
    if (this.cfg.hasSection('poms_get_task_id')) res.push('PATH=$JOBSUB_CLIENT_DIR:$PATH');
    res.push(`GROUP=${this.get('global', 'group') ?? 'None'}; export GROUP`);

    const nfpj = this.get('submit', 'n_files_per_job');
    if (nfpj) {
      const n = pythonInt(nfpj);
      if (n === undefined) {
        throw new FifeLaunchError(
          'n-files-per-job',
          `[submit] n_files_per_job must be an integer, not ${JSON.stringify(nfpj)}`,
        );
      }
      if (n > 0) {
        if (this.nfilesInDataset === undefined) {
          throw new FifeLaunchError(
            'n-files-per-job',
            '[submit] n_files_per_job requires a dataset',
          );
        }
        wrap(() =>
          this.cfg.set('submit', 'N', String(Math.floor((this.nfilesInDataset! + n - 1) / n))),
        );
      }
    }

    const envPass = this.cfg.hasSection('env_pass')
      ? this.cfg.items('env_pass', { raw: true })
      : [];
    const pomsFlags = new Map<string, string>();
    for (const [k, raw] of envPass) {
      const v = this.expanded('env_pass', k, raw);
      if (k.includes('POMS') && v) {
        if (!pomsFlags.has(k)) pomsFlags.set(k, v);
      } else {
        res.push(`export ${k}="${v}"`);
      }
    }
    let usesPoms = pomsFlags.size > 0;
    for (const [key, val] of Object.entries(this.o.env)) {
      if (val === undefined) continue;
      if (
        ['POMS_ENV', 'POMS_CAMPAIGN_ID', 'POMS_TASK_ID'].includes(key) ||
        (key.startsWith('POMS_DATA_DISPATCHER_') && val)
      ) {
        usesPoms = true;
        this.messages.push(`adding ${key}=${val}`);
        if (!pomsFlags.has(key)) pomsFlags.set(key, val);
      }
    }
    if (usesPoms) {
      for (const [k, v] of pomsFlags) {
        const line = `export ${k}="${v}"`;
        if (!res.includes(line)) res.push(line);
      }
    }
    res.push(this.o.fake ? 'fake_jobsub \\' : 'jobsub_submit \\');
    for (const [k] of envPass) res.push(`  -e ${k} \\`);
    if (usesPoms) {
      for (const k of pomsFlags.keys()) {
        const line = `  -e ${k} \\`;
        if (!res.includes(line)) res.push(line);
      }
    }

    for (const [k0, raw] of this.cfg.items('submit', { raw: true })) {
      if (k0 === 'n_files_per_job') continue;
      const v = this.expanded('submit', k0, raw);
      const k = stripRepeatSuffix(k0);
      if (k.length === 1) res.push(`  -${k} ${v}  \\`);
      else if (v === 'True') res.push(`  --${k} \\`);
      else res.push(`  --${k}=${v}  \\`);
    }

    const utils = this.o.env.FIFE_UTILS_DIR;
    if (utils === undefined) {
      throw new FifeLaunchError(
        'fife-utils-dir',
        'FIFE_UTILS_DIR is not set: fife_launch needs it to find its wrapper',
      );
    }
    let wrapfile = expandVars(
      this.get('global', 'wrapper') ?? `${utils}/libexec/fife_wrap`,
      this.o.env,
    );
    if (wrapfile.startsWith('file:///')) wrapfile = wrapfile.slice(7);
    const jobname = this.o.jobname ?? this.cfg.tryGet('global', 'jobname');
    if (jobname) {
      const copy = `/tmp/${jobname}_${this.o.pid ?? process.pid}`;
      this.messages.push(`DEBUG: copying ${wrapfile} to ${copy} `);
      wrapfile = copy;
    }
    res.push(`  file:///${wrapfile} \\`);

    if (this.cfg.hasSection('job_setup')) {
      for (const [k0, raw] of this.cfg.items('job_setup', { raw: true })) {
        let v = this.expanded('job_setup', k0, raw);
        let k = stripRepeatSuffix(k0);
        if (this.wrapFlags.get(k) === true) {
          if (v === 'True') res.push(`    --${k} \\`);
        } else {
          const quoted = [
            'export',
            'source',
            'setup',
            'prescript',
            'postscript',
            'finally',
            'spack-load',
            'spack-env-activate',
          ];
          if (quoted.includes(k) && v) {
            k = `${k}-unquote`;
            v = urlQuote(v);
          }
          res.push(`    --${k} '${v}' \\`);
        }
      }
    }

    if (this.cfg.hasSection('sam_consumer')) {
      for (const [k, raw] of this.cfg.items('sam_consumer', { raw: true })) {
        const v = this.expanded('sam_consumer', k, raw);
        const isBool = this.wrapFlags.get(k);
        if (isBool === undefined) {
          throw new FifeLaunchError(
            'sam-consumer-key',
            `[sam_consumer] ${k}: fife_wrap has no --${k} option`,
            this.cfg.origin('sam_consumer', k) ?? {},
          );
        }
        if (isBool) {
          if (v === 'True') res.push(`  --${k} \\`);
        } else {
          res.push(`    --${k} '${v}' \\`);
        }
      }
    }

    for (let i = 0; i < 30; i++) {
      const ssfx = i === 0 ? '' : `_${i}`;
      const osfx = i === 0 ? '' : `${i}`;
      const section = `job_output${ssfx}`;
      if (!this.cfg.hasSection(section)) break;
      for (const [k0, raw] of this.cfg.items(section, { raw: true })) {
        let v = this.expanded(section, k0, raw);
        let k = stripRepeatSuffix(k0);
        if (k === 'launch_dest_check') continue;
        if (this.wrapFlags.get(k) === true) {
          if (v === 'True') res.push(`    --${k}${osfx} \\`);
        } else {
          if (k === 'metadata_extractor' && v && urlQuote(v) !== v) {
            k = 'metadata_extractor_unquote';
            v = urlQuote(v);
          }
          res.push(`    --${k}${osfx} '${v}' \\`);
        }
      }
    }

    const exeSections: Array<[number, string]> = [];
    for (let i = 0; i < 100; i++) {
      const s = i === 0 ? 'executable' : `executable_${i}`;
      if (this.cfg.hasSection(s)) exeSections.push([i, s]);
    }
    for (const [i, s] of exeSections) {
      if (this.cfg.tryGet(s, 'apptainer')) res.push('  --exe  apptainer \\');
      else res.push(`  --exe  ${this.get(s, 'name') ?? 'None'} \\`);
      const out = this.get(s, 'exe_stdout');
      if (out) res.push(`  --exe_stdout${i} ${out} \\`);
      const err = this.get(s, 'exe_stderr');
      if (err) res.push(`  --exe_stderr${i} ${err} \\`);
    }
    for (const [, s] of exeSections) {
      res.push(' -- \\');
      if (this.cfg.tryGet(s, 'apptainer')) {
        let container = this.get(s, 'apptainer') ?? 'None';
        if (!container.startsWith('/'))
          container = `/cvmfs/singularity.opensciencegrid.org/fermilab/${container}`;
        res.push(`exec --bind /cvmfs ${container} ${this.get(s, 'name') ?? 'None'} \\`);
      }
      for (const [k, raw] of this.cfg.items(s, { raw: true })) {
        const v = this.expanded(s, k, raw);
        if (k.startsWith('arg_')) res.push(`      ${v} \\`);
      }
    }
    return res.join('\n');
  }
}

/** Composes a fife_launch config and renders the jobsub_submit script its dry run prints. */
export function fifeLaunch(o: FifeLaunchOptions): FifeLaunchResult {
  const l = new Launcher(o);
  l.compose();
  l.preLaunch();
  const script = l.build();
  return {
    script,
    config: l.cfg,
    messages: l.messages,
    warnings: l.warnings,
    value: (section, key) => l.get(section, key),
  };
}

/** Reads and composes a config only (includes, stages); for validation. */
export function composeConfig(o: FifeLaunchOptions): ConfigParser {
  const l = new Launcher(o);
  l.compose();
  return l.cfg;
}
