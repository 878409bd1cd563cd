import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { GitpomsError } from '../errors.js';
import { registerDiff } from './commands/diff.js';
import { registerFifeLaunch } from './commands/fife-launch.js';
import { registerGraph } from './commands/graph.js';
import { registerInspect } from './commands/inspect.js';
import { registerOverrides } from './commands/override.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import { registerServe } from './commands/serve.js';
import { registerSplit } from './commands/split.js';
import { registerValidate } from './commands/validate.js';
import { EXIT, processIo, type Io } from './io.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs one command line; the only place errors become exit codes. */
export async function run(argv: readonly string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const setCode = (n: number) => {
    code = n;
  };
  const program = new Command('gitpoms')
    .description('HEP production campaigns, the GitOps way')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  for (const register of [
    registerValidate,
    registerReconcile,
    registerDiff,
    registerGraph,
    registerSchema,
    registerFifeLaunch,
    registerRun,
    registerInspect,
    registerOverrides,
    registerServe,
    registerSplit,
  ]) {
    register(program, io, setCode);
  }
  for (const c of program.commands)
    c.exitOverride().configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.error;
    if (e instanceof GitpomsError) {
      io.stderr(`gitpoms: ${e.message}\n`);
      return EXIT.error;
    }
    io.stderr(
      `gitpoms: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    return EXIT.error;
  }
}
