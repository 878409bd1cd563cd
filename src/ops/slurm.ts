// Whether the Slurm of scripts/slurm.sh (or a site's) answers here, for tests and benchmarks.
import { execFileSync } from 'node:child_process';

/** Whether a Slurm with a node in service answers here (scripts/slurm.sh start; CI starts one). */
export function slurmUp(): boolean {
  try {
    const states = execFileSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 15_000 });
    // Busy is fine (other tests' jobs): idle, mixed, allocated or completing.
    return /^(idle|mix|alloc|completing)/m.test(states);
  } catch {
    return false;
  }
}
