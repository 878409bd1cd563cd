/** fife_launch's command line (Python optparse rules: -Ovalue, -O value, --opt=value, --opt value). */
export interface FifeLaunchArgs {
  config?: string;
  overrides: string[];
  stages: string[];
  argPush: string[];
  argDel: string[];
  jobname?: string;
  fake: boolean;
  dryRun: boolean;
  configDump?: string;
}

/** Whether a launch command runs fife_launch (by name, or by a path ending in it). */
export function runsFifeLaunch(launch: readonly string[]): boolean {
  return /(^|\/)fife_launch$/.test(launch[0] ?? '');
}

const VALUED: Record<string, keyof FifeLaunchArgs> = {
  '-c': 'config',
  '--config': 'config',
  '-O': 'overrides',
  '--override': 'overrides',
  '--stage': 'stages',
  '--arg_push': 'argPush',
  '--arg_del': 'argDel',
  '--jobname': 'jobname',
  '--config_dump': 'configDump',
};

export class FifeArgsError extends Error {
  override name = 'FifeArgsError';
}

export function parseFifeLaunchArgs(argv: readonly string[]): FifeLaunchArgs {
  const out: FifeLaunchArgs = {
    overrides: [],
    stages: [],
    argPush: [],
    argDel: [],
    fake: false,
    dryRun: false,
  };
  const extra: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let opt = a;
    let value: string | undefined;
    if (a.startsWith('--') && a.includes('=')) {
      opt = a.slice(0, a.indexOf('='));
      value = a.slice(a.indexOf('=') + 1);
    } else if (/^-[cO]./.test(a)) {
      opt = a.slice(0, 2);
      value = a.slice(2);
    }
    if (opt === '--fake' || opt === '--dry_run') {
      out[opt === '--fake' ? 'fake' : 'dryRun'] = true;
      continue;
    }
    const field = VALUED[opt];
    if (!field) {
      if (a.startsWith('-') && a !== '-') throw new FifeArgsError(`no such option: ${opt}`);
      extra.push(a);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new FifeArgsError(`${opt} option requires an argument`);
      value = argv[++i]!;
    }
    const target = out[field];
    if (Array.isArray(target)) target.push(value);
    else (out as unknown as Record<string, string>)[field] = value;
  }
  if (extra.length > 0) {
    throw new FifeArgsError(
      `extra command line arguments ${JSON.stringify(extra)} -- perhaps you are missing some quotes?`,
    );
  }
  return out;
}
