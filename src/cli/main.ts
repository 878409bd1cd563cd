import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { GitpomsError } from '../errors.js';
import { EXIT, processIo, type Io } from './process-io.js';
import { EXAMPLES, exampleText } from './examples.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

type Register = (program: Command, io: Io, setCode: (n: number) => void) => void;

/**
 * Each command module, by the commands it registers: a command line loads only the module
 * of its command (a module pulls in the store, the catalog, the schemas, the server…), all
 * of them only for help or an unknown command. test/cli-start.test.ts keeps the names true.
 */
export const COMMAND_MODULES: ReadonlyArray<{ names: string[]; load: () => Promise<Register> }> = [
  {
    names: ['validate'],
    load: async () => (await import('./commands/validate.js')).registerValidate,
  },
  {
    names: ['reconcile'],
    load: async () => (await import('./commands/reconcile.js')).registerReconcile,
  },
  { names: ['diff'], load: async () => (await import('./commands/diff.js')).registerDiff },
  { names: ['graph'], load: async () => (await import('./commands/graph.js')).registerGraph },
  { names: ['schema'], load: async () => (await import('./commands/schema.js')).registerSchema },
  {
    names: ['fife-launch'],
    load: async () => (await import('./commands/fife-launch.js')).registerFifeLaunch,
  },
  { names: ['run'], load: async () => (await import('./commands/run.js')).registerRun },
  {
    names: ['status', 'show', 'explain', 'jobs', 'logs', 'files', 'define'],
    load: async () => (await import('./commands/inspect.js')).registerInspect,
  },
  {
    names: ['hold', 'kill', 'launch-now', 'release', 'prune', 'overrides', 'launches'],
    load: async () => (await import('./commands/override.js')).registerOverrides,
  },
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServe },
  { names: ['token'], load: async () => (await import('./commands/token.js')).registerToken },
  { names: ['store'], load: async () => (await import('./commands/store.js')).registerStore },
  {
    names: ['completion', '__complete'],
    load: async () => (await import('./commands/completion.js')).registerCompletion,
  },
  { names: ['clone'], load: async () => (await import('./commands/clone.js')).registerClone },
  {
    names: ['import-poms', 'export-poms'],
    load: async () => (await import('./commands/poms.js')).registerPoms,
  },
  {
    names: ['split-preview', 'split-reset'],
    load: async () => (await import('./commands/split.js')).registerSplit,
  },
];

/** The modules a command line needs: its command's, none for --version alone, else all. */
function modulesFor(argv: readonly string[]): Array<() => Promise<Register>> {
  const word = argv.find((a) => !a.startsWith('-'));
  // Completing a command line needs every command's options and arguments.
  if (word === '__complete') return COMMAND_MODULES.map((m) => m.load);
  const named = word && COMMAND_MODULES.find((m) => m.names.includes(word));
  if (named) return [named.load];
  if (!word && argv.some((a) => a === '--version' || a === '-V')) return [];
  return COMMAND_MODULES.map((m) => m.load);
}

/** Runs one command line; the only place errors become exit codes. */
/** This process's own io: a reader that went away (gitpoms status | head) ends it quietly. */
function ownIo(): Io {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  return processIo();
}

export async function run(argv: readonly string[], io: Io = ownIo()): Promise<number> {
  let code: number = EXIT.ok;
  const setCode = (n: number) => {
    code = n;
  };
  const program = new Command('gitpoms')
    .description('HEP production campaigns, the GitOps way')
    .version(version())
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) });
  try {
    for (const load of modulesFor(argv)) (await load())(program, io, setCode);
    const each = (cmd: Command, prefix: string) => {
      for (const c of cmd.commands) {
        const name = `${prefix}${c.name()}`;
        c.exitOverride().configureOutput({
          writeOut: (s) => io.stdout(s),
          writeErr: (s) => io.stderr(s),
        });
        const examples = EXAMPLES[name];
        if (examples) c.addHelpText('after', exampleText(examples));
        each(c, `${name} `);
      }
    };
    each(program, '');
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
