// A stand-in for HTCondor's command-line tools, for the condor adapter's contract suite on a
// machine without HTCondor: condor_submit (-terse or not; -remote/-name SCHEDD), condor_q and
// condor_history (-json, -name SCHEDD, -constraint ATTR == "v" or =?=, cluster ids),
// condor_hold, condor_release, condor_rm. Jobs run on gitpoms's local executor under
// $FAKE_CONDOR_ROOT. The output follows HTCondor's: JSON job ads printed as condor_q prints
// them (attributes sorted without regard to case, "\n,\n" between ads, nothing at all when
// no job matches). One schedd holds the jobs; any other name is an empty schedd, and a schedd
// named in $FAKE_CONDOR_DOWN fails as an unreachable one does. Environment values get
// $(Process) but not $(Cluster), which the fake knows only after submitting.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalExecutor } from '../../../dist/adapters/batch/local/index.js';

const root = process.env.FAKE_CONDOR_ROOT;
if (!root) {
  process.stderr.write('FAKE_CONDOR_ROOT is not set\n');
  process.exit(1);
}
const SCHEDD = 'fakeschedd.fnal.gov';
mkdirSync(root, { recursive: true });
// One file per cluster: concurrent condor_submit calls never overwrite each other.
const adsDir = path.join(root, 'ads');
mkdirSync(adsDir, { recursive: true });
const adOf = (cluster) => {
  const f = path.join(adsDir, `${cluster}.json`);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
};
const batch = new LocalExecutor({ root: path.join(root, 'local'), slots: 8 });
const [tool, ...args] = process.argv.slice(2);
const valueOf = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const scheddName = valueOf('-name') ?? valueOf('-remote') ?? SCHEDD;
if ((process.env.FAKE_CONDOR_DOWN ?? '').split(',').includes(scheddName)) {
  process.stderr.write(
    `\n-- Failed to fetch ads from: <127.0.0.1:9618?addrs=127.0.0.1-9618> : ${scheddName}\nCEDAR:6001:Failed to connect to <127.0.0.1:9618?addrs=127.0.0.1-9618>\n`,
  );
  process.exit(1);
}
const otherSchedd = scheddName !== SCHEDD;

/** JSON as condor_q -json prints it: one attribute per line, sorted without regard to case. */
function printAds(ads) {
  const one = (ad) =>
    `{\n${Object.keys(ad)
      .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(ad[k])}`)
      .join(',\n')}\n}`;
  return `[\n${ads.map(one).join('\n,\n')}\n]\n`;
}

function submit(file) {
  const attrs = {};
  let executable,
    argline = '',
    envline = '',
    iwd,
    out,
    err,
    n = 1;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const q = /^queue\s+(\d+)$/.exec(line);
    if (q) {
      n = Number(q[1]);
      continue;
    }
    const m = /^(\+?\w+)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`cannot parse submit line: ${line}`);
    const [, k, v] = m;
    if (k.startsWith('+')) attrs[k.slice(1)] = JSON.parse(v);
    else if (k === 'executable') executable = v;
    else if (k === 'arguments') argline = v.replace(/^"|"$/g, '');
    else if (k === 'environment') envline = v.replace(/^"|"$/g, '');
    else if (k === 'initialdir') iwd = v;
    else if (k === 'output') out = v;
    else if (k === 'error') err = v;
  }
  const jobs = Array.from({ length: n }, (_, p) => {
    const sub = (s) => s.replace(/\$\((Process|PROCESS)\)/g, String(p));
    const env = Object.fromEntries(
      sub(envline)
        .split(';')
        .filter((kv) => kv.includes('='))
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    return {
      // The job's own stdout and stderr go where the submit file says, as HTCondor does.
      argv: [
        '/bin/sh',
        '-c',
        'exec "$@" >"$FAKE_OUT" 2>"$FAKE_ERR"',
        'sh',
        executable,
        ...sub(argline).split(/\s+/).filter(Boolean),
      ],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...env,
        FAKE_OUT: sub(out),
        FAKE_ERR: sub(err),
      },
      cwd: iwd,
    };
  });
  return batch.submit({ label: attrs.GITPOMS_SUBMISSION ?? 'fake', jobs }).then((ids) => {
    const cluster = ids[0].split('.')[0];
    writeFileSync(
      path.join(adsDir, `${cluster}.json`),
      JSON.stringify({ attrs, iwd, submitted: Math.floor(Date.now() / 1000) }),
    );
    process.stdout.write(
      args.includes('-terse')
        ? `${cluster}.0 - ${cluster}.${n - 1}\n`
        : `Submitting job(s)${'.'.repeat(n)}\n${n} job(s) submitted to cluster ${cluster}.\n`,
    );
  });
}

const STATUS = { idle: 1, running: 2, removed: 3, completed: 4, held: 5 };
async function jobAds() {
  const out = [];
  for (const j of await batch.observe()) {
    const [cluster, proc] = j.id.split('@')[0].split('.').map(Number);
    const meta = adOf(cluster);
    if (!meta) continue;
    const ad = {
      ClusterId: cluster,
      ProcId: proc,
      JobStatus: STATUS[j.state],
      GlobalJobId: `${SCHEDD}#${cluster}.${proc}#${meta.submitted}`,
      Iwd: meta.iwd,
      QDate: meta.submitted,
      // Submit-file macros in job attributes are expanded per job, as condor_submit does.
      ...Object.fromEntries(
        Object.entries(meta.attrs).map(([k, v]) => [
          k,
          typeof v === 'string'
            ? v
                .replace(/\$\((Cluster|CLUSTER)\)/g, cluster)
                .replace(/\$\((Process|PROCESS)\)/g, proc)
            : v,
        ]),
      ),
    };
    if (j.state === 'held') ad.HoldReason = j.heldReason ?? 'via condor_hold (by user fake)';
    if (j.node)
      ad[j.state === 'running' || j.state === 'held' ? 'RemoteHost' : 'LastRemoteHost'] =
        `slot1@${j.node}`;
    if (j.startedAt)
      ad.JobStartDate = ad.JobCurrentStartDate = Math.floor(Date.parse(j.startedAt) / 1000);
    if (j.endedAt) ad.CompletionDate = Math.floor(Date.parse(j.endedAt) / 1000);
    if (j.state === 'completed') {
      const code = j.exitCode ?? 0;
      if (code > 128) Object.assign(ad, { ExitBySignal: true, ExitSignal: code - 128 });
      else Object.assign(ad, { ExitBySignal: false, ExitCode: code });
    }
    out.push(ad);
  }
  return out;
}

function select(all) {
  const c = args.indexOf('-constraint');
  let keep = all;
  if (c >= 0) {
    const m = /^(\w+)\s*(?:==|=\?=)\s*(.+)$/.exec(args[c + 1]);
    if (!m) throw new Error(`the fake understands only ATTR == VALUE constraints: ${args[c + 1]}`);
    const want = JSON.parse(m[2]);
    keep = keep.filter((a) => a[m[1]] === want);
  }
  if (otherSchedd) keep = [];
  const ids = args.filter((a, i) => /^\d+(\.\d+)?$/.test(a) && args[i - 1] !== '-constraint');
  if (ids.length)
    keep = keep.filter((a) =>
      ids.some((id) => id === String(a.ClusterId) || id === `${a.ClusterId}.${a.ProcId}`),
    );
  return keep;
}

async function act(kind) {
  const all = otherSchedd ? [] : await jobAds();
  for (const id of args.filter((a) => /^\d+\.\d+$/.test(a))) {
    const ad = all.find((a) => `${a.ClusterId}.${a.ProcId}` === id);
    if (!ad) {
      process.stderr.write(`Job ${id} not found\n`);
      process.exitCode = 1;
      continue;
    }
    await batch[kind]([`${id}@local`]);
    process.stdout.write(
      `Job ${id} ${{ hold: 'held', release: 'released', kill: 'marked for removal' }[kind]}\n`,
    );
  }
}

try {
  if (tool === 'condor_submit') {
    if (otherSchedd) throw new Error(`ERROR: Can't find address of schedd ${scheddName}`);
    await submit(args.at(-1));
  } else if (tool === 'condor_q' || tool === 'condor_history') {
    const done = (a) => a.JobStatus === 3 || a.JobStatus === 4;
    const list = select(await jobAds()).filter((a) => (tool === 'condor_q' ? !done(a) : done(a)));
    // HTCondor prints nothing at all when no job matches.
    if (list.length) process.stdout.write(printAds(list));
  } else if (tool === 'condor_hold') await act('hold');
  else if (tool === 'condor_release') await act('release');
  else if (tool === 'condor_rm') await act('kill');
  else throw new Error(`unknown tool ${tool}`);
} catch (e) {
  process.stderr.write(`${tool}: ${e.message}\n`);
  process.exitCode = 1;
}
await batch.close();
