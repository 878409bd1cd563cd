import { mkdirSync } from 'node:fs';
import type { Command } from 'commander';
import { openStore } from '../../adapters/store/index.js';
import type { Store } from '../../adapters/store/types.js';
import { backendsOf, dataDirOf } from '../../engine/open-deps.js';
import { InvalidInputError } from '../../errors.js';
import type { OperatorOverride } from '../../model/index.js';
import { parseDuration } from '../../desired/split.js';
import { EXIT, dataDirFlag, loadOrReport, repoContext, type Io } from '../io.js';

interface Opts {
  reason?: string;
  for?: string;
  yes?: boolean;
  actor?: string;
  dataDir?: string;
  repo: string;
}

/**
 * Operator overrides, as Flux's suspend and Argo CD's manual sync: recorded in the store with
 * who and why, shown in every plan, in force until released, expired (--for) or a new git
 * revision is applied.
 */
export function registerOverrides(program: Command, io: Io, setCode: (n: number) => void): void {
  async function withStore(
    opts: Opts,
    campaign: string | undefined,
    stage: string | undefined,
    fn: (s: Store, revision: string | undefined) => Promise<void>,
    gone = false,
  ): Promise<void> {
    const ctx = repoContext(io, opts.repo);
    const spec = await loadOrReport(io, ctx.repo);
    if (!spec?.desired) {
      setCode(EXIT.error);
      return;
    }
    if (campaign !== undefined && !gone) {
      const c = spec.desired.campaigns.find((x) => x.name === campaign);
      if (!c)
        throw new InvalidInputError(
          `no campaign ${campaign} (${spec.desired.campaigns.map((x) => x.name).join(', ')})`,
        );
      if (stage !== undefined && !c.stages.some((s) => s.name === stage)) {
        throw new InvalidInputError(
          `campaign ${campaign} has no stage ${stage} (${c.stages.map((s) => s.name).join(', ')})`,
        );
      }
    }
    const config = spec.docs.config?.value;
    const dir = dataDirOf(ctx.root, config, dataDirFlag(io, opts.dataDir));
    mkdirSync(dir, { recursive: true });
    const store = openStore(backendsOf(config).store, { dataDir: dir });
    try {
      // Overrides hold until the next revision the reconciler applies (which may come from a
      // git source, not this working directory).
      const revision = (await store.appliedRevision())?.revision ?? ctx.revision;
      await fn(store, revision);
      setCode(EXIT.ok);
    } finally {
      await store.close();
    }
  }
  const actor = (opts: Opts) => opts.actor ?? io.env.USER ?? 'operator';
  const common = (c: Command) =>
    c
      .option('--actor <name>', 'who asks (default: $USER)')
      .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
      .option('--repo <dir>', 'repository root', '.');

  const add =
    (action: OperatorOverride['action']) =>
    async (campaign: string, stage: string | undefined, opts: Opts) => {
      if (action === 'kill' && !opts.yes)
        throw new InvalidInputError(`kill stops running production jobs; add --yes to confirm`);
      const reason = opts.reason ?? '';
      if (action !== 'launch-now' && !reason.trim())
        throw new InvalidInputError(`${action} needs --reason: the plan and the audit log show it`);
      let expiresAt: string | undefined;
      if (opts.for !== undefined) {
        const s = parseDuration(opts.for);
        if (s === undefined || s <= 0)
          throw new InvalidInputError(`--for ${opts.for}: a duration such as 30m, 2h or 1d`);
        expiresAt = new Date(io.now().getTime() + s * 1000).toISOString();
      }
      await withStore(opts, campaign, stage, async (store, revision) => {
        const id = await store.addOverride({
          action,
          campaign,
          ...(stage ? { stage } : {}),
          actor: actor(opts),
          reason: reason || 'launch now',
          ...(revision ? { revision } : {}),
          ...(expiresAt ? { expiresAt } : {}),
        });
        io.stdout(
          `override ${id}: ${action} ${stage ? `${campaign}/${stage}` : campaign}${expiresAt ? ` until ${expiresAt}` : ''}; the next reconcile pass acts on it\n`,
        );
      });
    };

  for (const [action, description] of [
    ['hold', 'hold the jobs of a campaign or stage and launch nothing there'],
    ['kill', 'kill the jobs of a campaign or stage (needs --yes)'],
    ['launch-now', "launch a stage's wanted submissions now, whatever its schedule"],
  ] as const) {
    common(
      program
        .command(action)
        .description(description)
        .argument('<campaign>')
        .argument('[stage]')
        .option('--reason <text>', 'why (shown in plans and the audit log)')
        .option('--for <duration>', 'expire after this long, e.g. 2h')
        .option('--yes', 'confirm a kill'),
    ).action(add(action));
  }

  common(
    program
      .command('release')
      .description('clear hold and kill overrides; gitpoms releases the jobs it held')
      .argument('<campaign>')
      .argument('[stage]')
      .option('--reason <text>'),
  ).action(async (campaign: string, stage: string | undefined, opts: Opts) => {
    await withStore(opts, campaign, stage, async (store) => {
      const n = await store.clearOverrides(
        { campaign, ...(stage ? { stage } : {}), actions: ['hold', 'kill'] },
        `released by ${actor(opts)}${opts.reason ? `: ${opts.reason}` : ''}`,
      );
      await store.audit({
        actor: actor(opts),
        action: 'override release',
        target: stage ? `${campaign}/${stage}` : campaign,
        ...(opts.reason ? { detail: opts.reason } : {}),
      });
      io.stdout(`cleared ${n} override(s); the next reconcile pass releases what gitpoms held\n`);
    });
  });

  common(
    program
      .command('prune')
      .description(
        'confirm killing the jobs of a campaign or stage removed from the spec (prune: confirm, or past the prune guard)',
      )
      .argument('<campaign>')
      .argument('[stage]')
      .option('--reason <text>', 'why (shown in plans and the audit log)')
      .option('--yes', 'confirm: the jobs are killed on the next pass'),
  ).action(async (campaign: string, stage: string | undefined, opts: Opts) => {
    if (!opts.yes)
      throw new InvalidInputError('prune kills running production jobs; add --yes to confirm');
    if (!opts.reason?.trim())
      throw new InvalidInputError('prune needs --reason: the plan and the audit log show it');
    await withStore(
      opts,
      campaign,
      stage,
      async (store, revision) => {
        const target = stage ? `${campaign}/${stage}` : campaign;
        const subs = (await store.submissions()).filter(
          (r) => r.campaign === campaign && (!stage || r.stage === stage),
        );
        if (subs.length === 0)
          throw new InvalidInputError(`no submissions of ${target} in the store`);
        const id = await store.addOverride({
          action: 'prune',
          campaign,
          ...(stage ? { stage } : {}),
          actor: actor(opts),
          reason: opts.reason!,
          ...(revision ? { revision } : {}),
        });
        io.stdout(
          `override ${id}: prune ${target} confirmed for revision ${revision?.slice(0, 12) ?? '(none)'}; the next pass kills its jobs if it has left the spec\n`,
        );
      },
      true,
    );
  });

  common(program.command('overrides').description('the operator overrides in force')).action(
    async (opts: Opts) => {
      await withStore(opts, undefined, undefined, async (store, revision) => {
        const list = await store.activeOverrides(io.now(), revision);
        if (!list.length) io.stdout('no overrides in force\n');
        for (const o of list) {
          io.stdout(
            `${o.id}  ${o.action}  ${o.stage ? `${o.campaign}/${o.stage}` : o.campaign}  by ${o.actor} at ${o.createdAt}${o.expiresAt ? ` until ${o.expiresAt}` : ''}: ${o.reason}\n`,
          );
        }
      });
    },
  );
}
