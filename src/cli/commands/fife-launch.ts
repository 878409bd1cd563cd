import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { FifeArgsError, parseFifeLaunchArgs } from '../../fife/argv.js';
import { fifeLaunch, FifeLaunchError, parseWrapHelp } from '../../fife/launch.js';
import { EXIT, type Io } from '../io.js';

/** fife_wrap's flags from its own --help when FIFE_UTILS_DIR holds one, as fife_launch reads them. */
function wrapFlags(io: Io): Map<string, boolean> | undefined {
  const dir = io.env.FIFE_UTILS_DIR;
  const wrap = dir ? path.join(dir, 'libexec', 'fife_wrap') : undefined;
  if (!wrap || !existsSync(wrap)) return undefined;
  try {
    return parseWrapHelp(
      execFileSync(wrap, ['--help'], {
        encoding: 'utf8',
        timeout: 30_000,
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
  } catch {
    return undefined;
  }
}

export function registerFifeLaunch(program: Command, io: Io, setCode: (n: number) => void): void {
  const cmd = program
    .command('fife-launch')
    .description('print the jobsub_submit script fife_launch --dry_run would run, byte for byte')
    .usage(
      '-c FILE --dry_run [-Osection.key=value ...] [--stage NAME ...] [--arg_push V] [--arg_del V] [--fake] [--jobname N]',
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]')
    .action((args: string[]) => {
      // fife_launch's optparse answers -h and --help with its usage; so does this.
      if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
        cmd.outputHelp();
        setCode(EXIT.ok);
        return;
      }
      let parsed;
      try {
        parsed = parseFifeLaunchArgs(args);
      } catch (e) {
        if (!(e instanceof FifeArgsError)) throw e;
        io.stderr(`fife_launch: error: ${e.message}\n`);
        setCode(EXIT.error);
        return;
      }
      if (!parsed.config) {
        io.stderr('Error: missing required -c configfile option\n');
        setCode(EXIT.error);
        return;
      }
      if (!parsed.dryRun) {
        io.stderr(
          'gitpoms fife-launch only renders the launch; add --dry_run (launches go through gitpoms reconcile)\n',
        );
        setCode(EXIT.error);
        return;
      }
      const flags = wrapFlags(io);
      try {
        const r = fifeLaunch({
          config: parsed.config,
          overrides: parsed.overrides,
          stages: parsed.stages,
          argPush: parsed.argPush,
          argDel: parsed.argDel,
          fake: parsed.fake,
          ...(parsed.jobname ? { jobname: parsed.jobname } : {}),
          env: io.env,
          files: {
            exists: (p) => existsSync(path.resolve(io.cwd, p)),
            read: (p) => readFileSync(path.resolve(io.cwd, p), 'utf8'),
          },
          ...(flags ? { wrapFlags: flags } : {}),
        });
        for (const w of r.warnings) io.stderr(`Warning: ${w}\n`);
        io.stdout(`${r.script}\n`);
        setCode(EXIT.ok);
      } catch (e) {
        if (!(e instanceof FifeLaunchError)) throw e;
        const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
        io.stderr(`fife_launch: error: ${where}${e.message}\n`);
        setCode(EXIT.error);
      }
    });
}
