// One measurement of peak memory, in a process of its own: `hold` parses the snapshot and
// loads the repository; `plan` does the same and then plans. Prints the peak RSS in bytes.
import { readFileSync } from 'node:fs';
import { plan } from '../dist/plan/plan.js';
import { fsRepo } from '../dist/source/fs-repo.js';
import { loadSpec } from '../dist/desired/index.js';

const [repoDir, snapshotFile, mode] = process.argv.slice(2);
const snap = JSON.parse(readFileSync(snapshotFile, 'utf8'));
const { desired } = loadSpec(fsRepo(repoDir));
if (!desired) throw new Error('the repository does not validate');
let actions = 0;
if (mode === 'plan')
  actions = plan(desired, snap.observed, snap.records, new Date('2026-11-25T12:00:00Z')).actions
    .length;
console.log(JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024, actions }));
