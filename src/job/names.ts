import { createHash } from 'node:crypto';

/**
 * fife_wrap's `rename unique` for an output: the name gets a short hash of the submission and
 * of what the job made it from (its input files, or without input its process number), and
 * the output's index in the job. The same work always names its outputs the same, whichever
 * job of the submission took which input: a rerun by the batch system is refused at
 * declaration instead of making a duplicate, and a seeded demo run is reproducible.
 */
export function uniqueOutputName(
  file: string,
  job: { submission: string; process: string; inputs: readonly string[] },
  index: number,
): string {
  const dot = file.lastIndexOf('.');
  const [base, ext] = dot > 0 ? [file.slice(0, dot), file.slice(dot)] : [file, ''];
  const from = job.inputs.length > 0 ? [...job.inputs].sort().join('\n') : `process ${job.process}`;
  const tag = createHash('sha256').update(`${job.submission}\n${from}`).digest('hex').slice(0, 12);
  return `${base}_${tag}_${index}${ext}`;
}
