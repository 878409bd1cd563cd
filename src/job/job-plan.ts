import type { FifeLaunchResult } from '../fife/launch.js';

/** One [job_output] section: which files a job keeps and how they are declared. */
export interface OutputSpec {
  pattern: string;
  dest: string;
  declareMetadata: boolean;
  extractor: string[] | undefined;
  addLocation: boolean;
  rename: string | undefined;
}

/** What a fife_launch config asks each job of a submission to do. */
export interface JobPlan {
  jobs: number;
  env: Record<string, string>;
  executable: string[];
  /** Input files each job takes from the submission's project; undefined without [sam_consumer]. */
  filesPerJob: number | undefined;
  outputs: OutputSpec[];
  /** [job_setup] source/setup lines: grid software setup that has no meaning on this machine. */
  setup: string[];
}

const truthy = (v: string | undefined) => v === 'True' || v === 'true' || v === '1';

/** Reads the composed config the way fife_wrap would receive it from the rendered script. */
export function jobPlan(r: FifeLaunchResult): JobPlan {
  const cfg = r.config;
  const items = (section: string) =>
    cfg.hasSection(section) ? cfg.items(section, { raw: true }).map(([k]) => k) : [];
  const n = Number(r.value('submit', 'N') ?? '1');
  const env: Record<string, string> = {};
  for (const k of items('env_pass')) env[k] = r.value('env_pass', k) ?? '';
  const executable = [r.value('executable', 'name') ?? 'true'];
  for (const k of items('executable'))
    if (k.startsWith('arg_')) executable.push(r.value('executable', k) ?? '');
  const outputs: OutputSpec[] = [];
  for (let i = 0; i < 30; i++) {
    const s = i === 0 ? 'job_output' : `job_output_${i}`;
    if (!cfg.hasSection(s)) break;
    const extractor = r.value(s, 'metadata_extractor');
    const dest = r.value(s, 'dest');
    const pattern = r.value(s, 'addoutput');
    if (!pattern || !dest) continue;
    outputs.push({
      pattern,
      dest,
      declareMetadata: truthy(r.value(s, 'declare_metadata')),
      extractor: extractor ? extractor.split(/\s+/).filter(Boolean) : undefined,
      addLocation: truthy(r.value(s, 'add_location')),
      rename: r.value(s, 'rename'),
    });
  }
  const setup = items('job_setup')
    .filter((k) => /^(source|setup)(_\d+)?$/.test(k))
    .map((k) => `${k.replace(/_\d+$/, '')} ${r.value('job_setup', k) ?? ''}`);
  return {
    jobs: Number.isInteger(n) && n > 0 ? n : 1,
    env,
    executable: executable.filter((a) => a !== ''),
    filesPerJob: cfg.hasSection('sam_consumer')
      ? Math.max(1, Number(r.value('sam_consumer', 'limit') ?? '1') || 1)
      : undefined,
    outputs,
    setup,
  };
}
