import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runLaunch } from '../../src/engine/launch-host.js';
import type { NamedLaunchTemplate } from '../../src/model/index.js';

/**
 * Launches on a launch host over ssh, against a real sshd on 127.0.0.1 that this test starts
 * with its own host key and a throwaway client key. CI installs openssh-server and sets
 * GITPOMS_TEST_SSHD=1, which makes a missing sshd a failure instead of a skip.
 */
const SSHD = '/usr/sbin/sshd';
const available = existsSync(SSHD) && process.getuid?.() === 0;
const required = process.env.GITPOMS_TEST_SSHD === '1';

let dir: string;
let sshd: ChildProcess | undefined;
let port = 0;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
const listening = (p: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(p, '127.0.0.1');
    c.on('connect', () => (c.destroy(), resolve(true)));
    c.on('error', () => resolve(false));
  });

beforeAll(async () => {
  if (!available) return;
  dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-sshd-'));
  const key = (name: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, name)]);
  key('host_key');
  key('client_key');
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  chmodSync(path.join(dir, 'authorized_keys'), 0o600);
  port = await freePort();
  const hostPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8')
    .split(' ')
    .slice(0, 2)
    .join(' ');
  writeFileSync(path.join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${hostPub}\n`);
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${dir}/host_key`,
      `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      '',
    ].join('\n'),
  );
  execFileSync('mkdir', ['-p', '/run/sshd']);
  sshd = spawn(
    SSHD,
    ['-D', '-f', path.join(dir, 'sshd_config'), '-E', path.join(dir, 'sshd.log')],
    {
      stdio: 'ignore',
    },
  );
  await vi.waitFor(async () => expect(await listening(port)).toBe(true), { timeout: 10_000 });
  writeFileSync(
    path.join(dir, 'record.sh'),
    [
      '#!/bin/sh',
      'out="$PWD/record.txt"',
      ': > "$out"',
      'for a in "$@"; do printf "arg:%s\\n" "$a" >> "$out"; done',
      // Every command line on the machine while the launch runs (the ssh client's, the remote shell's).
      'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline; echo; done > "$PWD/cmdlines.txt" 2>/dev/null',
      'for v in SSH_CONNECTION GITPOMS_SUBMISSION FROM_ENV FROM_FILE BEARER_TOKEN_FILE SETUP_RAN; do',
      '  eval "printf \\"$v=%s\\n\\" \\"\\$$v\\"" >> "$out"',
      'done',
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  writeFileSync(path.join(dir, 'token'), 'tok-from-file\n');
});

afterAll(() => {
  sshd?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const template = (over: Partial<NamedLaunchTemplate> = {}): NamedLaunchTemplate => ({
  name: 'lt',
  experiment: 'dune',
  host: '127.0.0.1',
  account: userInfo().username,
  ssh: {
    port,
    identityFile: path.join(dir, 'client_key'),
    knownHostsFile: path.join(dir, 'known_hosts'),
  },
  setup: [['export', 'SETUP_RAN=yes']],
  environment: {
    FROM_ENV: { fromEnv: 'LAUNCH_SECRET' },
    FROM_FILE: { fromFile: path.join(dir, 'token') },
  },
  credentials: { tokenFile: '/opt/dunepro/token' },
  ...over,
});

describe('launch hosts over ssh (a real sshd on 127.0.0.1)', () => {
  it('sshd is available when the tests require it', () => {
    if (required) expect(available, `GITPOMS_TEST_SSHD=1 but ${SSHD} cannot run here`).toBe(true);
  });

  it.runIf(available)(
    'runs the launch there as the account: every argument exactly as written, setup and environment by reference',
    async () => {
      const args = ['a b', 'c;echo INJECTED', '$HOME', "it's", ''];
      const r = await runLaunch(template(), [path.join(dir, 'record.sh'), ...args], {
        cwd: dir,
        env: {},
        exported: { GITPOMS_SUBMISSION: 'dune/gen/mc-1#1' },
        reconcilerEnv: { LAUNCH_SECRET: 'from-the-reconciler' },
        timeoutMs: 30_000,
      });
      expect(r.shown.startsWith(`ssh ${userInfo().username}@127.0.0.1 -- `)).toBe(true);
      const lines = readFileSync(path.join(dir, 'record.txt'), 'utf8').split('\n');
      expect(lines.filter((l) => l.startsWith('arg:'))).toEqual(args.map((a) => `arg:${a}`));
      const env = Object.fromEntries(
        lines
          .filter((l) => l.includes('='))
          .map((l) => [l.split('=')[0], l.slice(l.indexOf('=') + 1)]),
      );
      expect(env.SSH_CONNECTION).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
      expect(env).toMatchObject({
        GITPOMS_SUBMISSION: 'dune/gen/mc-1#1',
        FROM_ENV: 'from-the-reconciler',
        FROM_FILE: 'tok-from-file',
        BEARER_TOKEN_FILE: '/opt/dunepro/token',
        SETUP_RAN: 'yes',
      });
      // The secret values never show in what is logged, nor on a command line (ps) there.
      expect(r.shown).not.toContain('from-the-reconciler');
      const cmdlines = readFileSync(path.join(dir, 'cmdlines.txt'), 'utf8');
      expect(cmdlines).toContain(`${userInfo().username}@127.0.0.1`);
      expect(cmdlines).not.toContain('from-the-reconciler');
      expect(cmdlines).not.toContain('tok-from-file');
    },
  );

  it.runIf(available)(
    'a key the host does not accept fails the launch, with no password prompt',
    async () => {
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-f',
        path.join(dir, 'other_key'),
      ]);
      await expect(
        runLaunch(
          template({
            ssh: {
              port,
              identityFile: path.join(dir, 'other_key'),
              knownHostsFile: path.join(dir, 'known_hosts'),
            },
          }),
          ['/bin/true'],
          {
            cwd: dir,
            env: {},
            exported: {},
            reconcilerEnv: { LAUNCH_SECRET: 'x' },
            timeoutMs: 30_000,
          },
        ),
      ).rejects.toMatchObject({ code: 255 });
    },
  );

  it('the embedded runtime launches on this machine whatever the host, without grid setup', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'gitpoms-embedded-launch-'));
    try {
      const r = await runLaunch(
        {
          name: 'lt',
          experiment: 'dune',
          host: 'dunegpvm01.fnal.gov',
          account: 'dunepro',
          setup: [['source', '/cvmfs/dune.opensciencegrid.org/products/dune/setup_dune.sh']],
        },
        ['/bin/sh', '-c', 'echo here'],
        {
          cwd: d,
          env: { PATH: '/usr/bin:/bin' },
          exported: {},
          reconcilerEnv: {},
          timeoutMs: 10_000,
          embedded: true,
        },
      );
      expect(r.stdout).toBe('here\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
