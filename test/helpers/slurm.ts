export { slurmUp } from '../../src/ops/slurm.js';
