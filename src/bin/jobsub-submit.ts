/**
 * gitpoms's jobsub_submit, so an experiment's own submission script (DUNE's MCC scripts)
 * submits to the batch system gitpoms runs on when that is not jobsub_lite (the local
 * executor, Slurm, HTCondor directly): jobsub_submit [-G GROUP] [-N COUNT] [-e VAR[=VALUE]]
 * [--opt=value …] file:///path/to/job [ARGS…]. The jobs carry the submission key from
 * GITPOMS_SUBMISSION. Variables named with -e, and every GITPOMS_* and SAM_* variable, reach
 * the jobs.
 */
import { looksLikeSecretName } from '../desired/rules/secrets.js';
import { reopenBatch } from '../adapters/batch/index.js';
import type { BatchSpec } from '../adapters/batch/shim.js';

/** jobsub_submit options that take a value as the next argument. */
const VALUED = new Set([
  '-G',
  '-N',
  '-e',
  '-M',
  '-L',
  '-f',
  '-d',
  '--group',
  '--memory',
  '--disk',
  '--cpu',
  '--expected-lifetime',
  '--resource-provides',
  '--lines',
  '--site',
  '--OS',
  '--role',
  '--tar_file_name',
  '--timeout',
  '--append_condor_requirements',
  '--dataset_definition',
  '--dataset',
]);

function fail(message: string): never {
  process.stderr.write(`jobsub_submit (gitpoms): ${message}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const label = process.env.GITPOMS_SUBMISSION;
  const spec = process.env.GITPOMS_BATCH_SPEC;
  if (!label || !spec)
    fail(
      'GITPOMS_SUBMISSION and GITPOMS_BATCH_SPEC are unset: this jobsub_submit runs only under gitpoms',
    );
  const args = process.argv.slice(2);
  let n = 1;
  const pass: Record<string, string> = {};
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('-')) break;
    const [opt, inline] = a.includes('=')
      ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
      : [a, undefined];
    const value = inline ?? (VALUED.has(opt!) ? args[++i] : undefined);
    if (VALUED.has(opt!) && value === undefined) fail(`${opt} needs a value`);
    if (opt === '-N') {
      n = Number(value);
      if (!Number.isInteger(n) || n < 1) fail(`-N ${value}: a number of jobs`);
    } else if (opt === '-e') {
      const [name, v] = value!.includes('=')
        ? [value!.slice(0, value!.indexOf('=')), value!.slice(value!.indexOf('=') + 1)]
        : [value!, process.env[value!]];
      if (v !== undefined) pass[name!] = v;
    }
  }
  const exe = args[i];
  if (!exe) fail('no job executable (file:///path) given');
  const path = exe.replace(/^file:\/\//, '');
  // gitpoms's and SAM's variables go to every job, as the grid's job wrappers set them; a
  // credential among them only when the script names it with -e (jobsub writes a job's
  // environment where others can read it).
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && /^(GITPOMS_|SAM_|DEMO_)/.test(k) && !looksLikeSecretName(k))
      pass[k] ??= v;
  const batch = reopenBatch(JSON.parse(spec!) as BatchSpec);
  const ids = await batch.submit({
    label: label!,
    jobs: Array.from({ length: n }, (_, proc) => ({
      argv: [path, ...args.slice(i + 1)],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/tmp',
        ...pass,
        PROCESS: String(proc),
        JOBSUBJOBSECTION: String(proc),
      },
    })),
  });
  await batch.close();
  process.stdout.write(
    `Submitting job(s)${'.'.repeat(Math.min(n, 20))}\n${n} job(s) submitted to cluster ${ids[0]!.split(/[._]/)[0]}.\nUse job id ${ids[0]} to retrieve output\n`,
  );
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
