import type { Command } from 'commander';
import { createToken } from '../../engine/tokens.js';
import { InvalidInputError } from '../../errors.js';
import { ROLES } from '../../model/index.js';
import { table } from '../../engine/stats.js';
import type { Io } from '../io.js';
import { withWritableStore, type StoreFlags } from '../writable-store.js';

interface Opts extends StoreFlags {
  name?: string;
  role?: string;
  experiment: string[];
  expires?: string;
  actor?: string;
  format?: string;
}

/** API tokens for `gitpoms serve`: made, listed and revoked here; each is audited. */
export function registerToken(program: Command, io: Io, setCode: (n: number) => void): void {
  const actor = (o: Opts) => o.actor ?? io.env.USER ?? 'operator';
  const cmd = program
    .command('token')
    .description('API tokens for gitpoms serve, by role and experiment');
  const common = (c: Command) =>
    c
      .option('--actor <name>', 'who asks (default: $USER)')
      .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
      .option('--repo <dir>', 'repository root', '.');

  common(
    cmd
      .command('create')
      .description('make a token; it is printed once and kept only as a hash')
      .requiredOption('--name <name>', 'who holds it (shown in the audit log)')
      .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
      .option(
        '--experiment <name>',
        'an experiment the role holds for (repeat for several; an admin holds for all)',
        (v: string, all: string[]) => [...all, v],
        [] as string[],
      )
      .option('--expires <duration>', 'valid this long, e.g. 30d (default: until revoked)'),
  ).action(async (opts: Opts) => {
    await withWritableStore(io, setCode, opts, async (store, _rev, desired) => {
      const known = new Set(desired.campaigns.map((c) => c.experiment));
      const unknown = opts.experiment.filter((e) => !known.has(e));
      if (unknown.length)
        throw new InvalidInputError(
          `no campaign of experiment ${unknown.join(', ')} (experiments here: ${[...known].sort().join(', ')})`,
        );
      const { text, token } = await createToken(
        store,
        {
          name: opts.name!,
          role: opts.role!,
          experiments: opts.experiment,
          expires: opts.expires,
          createdBy: actor(opts),
        },
        io.now(),
      );
      await store.audit({
        actor: actor(opts),
        action: 'token create',
        target: token.id,
        detail: `${token.name}: ${token.role}${token.experiments.length ? ` of ${token.experiments.join(', ')}` : ''}${token.expiresAt ? ` until ${token.expiresAt}` : ''}`,
      });
      io.stderr(
        `token ${token.id} for ${token.name} (${token.role}); it is shown once, keep it secret:\n`,
      );
      io.stdout(`${text}\n`);
    });
  });

  common(
    cmd
      .command('list')
      .description('the tokens made here, revoked ones too (never their secrets)')
      .option('--format <format>', 'text or json', 'text'),
  ).action(async (opts: Opts) => {
    if (!['text', 'json'].includes(opts.format ?? 'text'))
      throw new InvalidInputError(`--format ${opts.format}: use text or json`);
    await withWritableStore(io, setCode, opts, async (store) => {
      const list = (await store.tokens()).map(({ salt, hash, ...t }) => t);
      if (opts.format === 'json') return io.stdout(`${JSON.stringify(list, null, 2)}\n`);
      if (!list.length) return io.stdout('no tokens\n');
      io.stdout(
        `${table(
          ['Id', 'Name', 'Role', 'Experiments', 'Created', 'Expires', 'Revoked'],
          list.map((t) => [
            t.id,
            t.name,
            t.role,
            t.role === 'admin' ? '(all)' : t.experiments.join(','),
            t.createdAt,
            t.expiresAt ?? '-',
            t.revokedAt ?? '-',
          ]),
        )}\n`,
      );
    });
  });

  common(cmd.command('revoke').description('revoke a token at once').argument('<id>')).action(
    async (id: string, opts: Opts) => {
      await withWritableStore(io, setCode, opts, async (store) => {
        if (!(await store.revokeToken(id)))
          throw new InvalidInputError(`no token ${id} in force (gitpoms token list shows them)`);
        await store.audit({ actor: actor(opts), action: 'token revoke', target: id });
        io.stdout(`token ${id} revoked\n`);
      });
    },
  );
}
