import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { shellQuote } from '../adapters/batch/command.js';
import { GitpomsError } from '../errors.js';
import type { NamedLaunchTemplate } from '../model/index.js';

export { shellQuote };

const run = promisify(execFile);

/**
 * The command line a launch host's shell runs: the template's setup commands, then the
 * launch itself under `env`, every word quoted, so each argument vector arrives exactly as
 * written (ssh hands the server one string, which the login shell parses again).
 * `fromFile` values are read on the launch host, where the file is, by a shell builtin
 * (`export`), so no process ever has one in its argument vector; other environment values
 * never go here: a command line is visible to every user (see exportScript).
 */
export function remoteCommand(
  argv: readonly string[],
  opts: {
    cwd?: string;
    fromFile?: Readonly<Record<string, string>>;
    setup?: ReadonlyArray<readonly string[]>;
  },
): string {
  const parts: string[] = [];
  if (opts.cwd) parts.push(`cd ${shellQuote(opts.cwd)}`);
  for (const s of opts.setup ?? []) parts.push(s.map(shellQuote).join(' '));
  for (const [k, p] of Object.entries(opts.fromFile ?? {}))
    parts.push(`export ${variableName(k)}="$(cat ${shellQuote(p)})"`);
  parts.push(['env', ...argv.map(shellQuote)].join(' '));
  return parts.join(' && ');
}

/**
 * The launch's environment as shell code a launch host reads from stdin (`eval "$(cat)"`):
 * values given by reference are secrets, and a command line is visible to every user of
 * both machines (ps), while stdin is not.
 */
export function exportScript(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([k, v]) => `export ${variableName(k)}=${shellQuote(v)}\n`)
    .join('');
}

function variableName(k: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    throw new GitpomsError('launch-environment', `"${k}" cannot be an environment variable`);
  return k;
}

/** What a launch template adds to a launch's environment: its values and its credentials' paths. */
export function templateEnvironment(
  t: NamedLaunchTemplate | undefined,
  reconcilerEnv: Readonly<Record<string, string | undefined>>,
): { env: Record<string, string>; fromFile: Record<string, string> } {
  const env: Record<string, string> = {};
  const fromFile: Record<string, string> = {};
  for (const [k, v] of Object.entries(t?.environment ?? {})) {
    if (!v) continue;
    if ('value' in v) env[k] = v.value;
    else if ('fromEnv' in v) {
      const val = reconcilerEnv[v.fromEnv];
      if (val === undefined)
        throw new GitpomsError(
          'launch-environment',
          `launch template ${t!.name}: ${k} comes from the reconciler's ${v.fromEnv}, which is not set`,
        );
      env[k] = val;
    } else fromFile[k] = v.fromFile;
  }
  if (t?.credentials?.x509Proxy) env.X509_USER_PROXY = t.credentials.x509Proxy;
  if (t?.credentials?.tokenFile) env.BEARER_TOKEN_FILE = t.credentials.tokenFile;
  return { env, fromFile };
}

export interface LaunchRun {
  stdout: string;
  stderr: string;
  /** The command as run, for the launch log (no environment values: they may be secrets). */
  shown: string;
}

/**
 * Runs a launch command: here, or on the template's launch host over ssh as its account
 * (BatchMode: keys only, never a password prompt). Setup commands and `fromFile` values
 * need a shell; without them a local launch runs its argument vector directly.
 */
export async function runLaunch(
  t: NamedLaunchTemplate | undefined,
  argv: readonly string[],
  opts: {
    cwd: string;
    /** The whole environment of a local launch. */
    env: Record<string, string>;
    /** The variables gitpoms sets for the launch, sent to a launch host. */
    exported: Record<string, string>;
    reconcilerEnv: Readonly<Record<string, string | undefined>>;
    timeoutMs: number;
    /**
     * The embedded runtime (the demo, tests): launch here whatever the template's host, and
     * skip its setup commands (this machine has no grid software): the launch goes to the
     * local executor.
     */
    embedded?: boolean;
  },
): Promise<LaunchRun> {
  const tenv = templateEnvironment(t, opts.reconcilerEnv);
  const exec = { timeout: opts.timeoutMs, maxBuffer: 16 << 20 };
  if (t?.host && !opts.embedded) {
    // The launch host sees the checkout at the same path (a shared filesystem, as at Fermilab).
    // The environment goes over stdin, never on a command line.
    const cmd = `eval "$(cat)" && ${remoteCommand(argv, {
      cwd: opts.cwd,
      fromFile: tenv.fromFile,
      ...(t.setup ? { setup: t.setup } : {}),
    })}`;
    const ssh = t.ssh ?? {};
    const args = [
      '-o',
      'BatchMode=yes',
      ...(ssh.port ? ['-p', String(ssh.port)] : []),
      ...(ssh.identityFile ? ['-i', ssh.identityFile] : []),
      ...(ssh.knownHostsFile
        ? ['-o', `UserKnownHostsFile=${ssh.knownHostsFile}`, '-o', 'StrictHostKeyChecking=yes']
        : []),
      '-o',
      'LogLevel=ERROR',
      `${t.account}@${t.host}`,
      '--',
      cmd,
    ];
    const launched = run('ssh', args, exec);
    launched.child.stdin?.end(exportScript({ ...opts.exported, ...tenv.env }));
    const r = await launched;
    return { ...r, shown: `ssh ${t.account}@${t.host} -- ${argv.map(shellQuote).join(' ')}` };
  }
  const env = { ...opts.env, ...tenv.env };
  const setup = opts.embedded ? [] : (t?.setup ?? []);
  if (setup.length || Object.keys(tenv.fromFile).length) {
    const cmd = remoteCommand(argv, { fromFile: tenv.fromFile, setup });
    const r = await run('/bin/bash', ['-c', cmd], { ...exec, cwd: opts.cwd, env });
    return { ...r, shown: argv.map(shellQuote).join(' ') };
  }
  const r = await run(argv[0]!, argv.slice(1), { ...exec, cwd: opts.cwd, env });
  return { ...r, shown: argv.map(shellQuote).join(' ') };
}
