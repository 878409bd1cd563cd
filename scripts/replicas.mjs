#!/usr/bin/env node
// The production layout of deploy/compose.yaml as plain processes on this machine: one
// PostgreSQL (a throwaway one from Debian's packages, or the server $GITPOMS_STORE_URL names)
// and three `gitpoms serve --replica-id` replicas sharing it, on small SBND campaigns run by
// the local executor. Ctrl-C stops the replicas (each hands its campaigns over) and the server.
// Usage: npm run build && node scripts/replicas.mjs [--replicas N] [--campaigns N]
import { parseArgs } from 'node:util';
import { startPostgres } from '../dist/ops/postgres.js';
import { replicaLayout } from '../dist/ops/replica-cluster.js';

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '3' },
    campaigns: { type: 'string', default: '9' },
  },
});
const pg = process.env.GITPOMS_STORE_URL ? undefined : await startPostgres();
const url = process.env.GITPOMS_STORE_URL ?? pg.url;
const { repo, dataDir, cluster } = replicaLayout({
  storeUrl: url,
  campaigns: Number(values.campaigns),
  schema: 'gitpoms_replicas',
  leaseSeconds: 6,
  intervalSeconds: 2,
});
for (let i = 1; i <= Number(values.replicas); i++) {
  const r = await cluster.start(`r${i}`);
  console.log(`replica r${i}: ${r.url}  (pid ${r.child.pid})`);
}
console.log(`repository ${repo}, data directory ${dataDir}`);
console.log(`gitpoms status --repo ${repo} --data-dir ${dataDir}   (with GITPOMS_STORE_URL set)`);
const stop = async () => {
  await cluster.stopAll();
  await pg?.destroy();
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
