import type { Command } from 'commander';
import type { Store } from '../../adapters/store/types.js';
import {
  addOverride,
  allowLaunches,
  checkOverride,
  checkPrune,
  CLI_WORDING,
  confirmPrune,
  holdLaunches,
  launchSwitch,
  releaseOverrides,
  targetName,
  type OverrideRequest,
} from '../../engine/operator.js';
import { InvalidInputError } from '../../errors.js';
import { overrideTarget, type DesiredState } from '../../model/index.js';
import type { Io } from '../io.js';
import { withWritableStore } from '../writable-store.js';

interface Opts {
  reason?: string;
  for?: string;
  yes?: boolean;
  actor?: string;
  dataDir?: string;
  repo: string;
}

/** A submission's key (campaign/stage/slice#attempt), where a campaign's name may stand. */
const isKey = (s: string) => /^[^/]+\/[^/]+\/.+#\d+$/.test(s);

/** What the arguments name: a campaign (and stage), or one submission, as its record has it. */
async function target(
  store: Store,
  campaign: string,
  stage: string | undefined,
): Promise<{ campaign: string; stage?: string | undefined; submission?: string }> {
  if (!isKey(campaign)) return { campaign, stage };
  if (stage !== undefined)
    throw new InvalidInputError(`${campaign} is a submission's key: give no stage after it`);
  const r = await store.submission(campaign);
  if (!r) throw new InvalidInputError(`no submission ${campaign} in the state store`);
  return { campaign: r.campaign, stage: r.stage, submission: r.key };
}

/**
 * Operator overrides, as Flux's suspend and Argo CD's manual sync: recorded in the store with
 * who and why, shown in every plan, in force until released, expired (--for) or a new git
 * revision is applied.
 */
export function registerOverrides(program: Command, io: Io, setCode: (n: number) => void): void {
  const withStore = (
    opts: Opts,
    fn: (s: Store, revision: string | undefined, desired: DesiredState) => Promise<void>,
  ) => withWritableStore(io, setCode, opts, fn);
  const actor = (opts: Opts) => opts.actor ?? io.env.USER ?? 'operator';
  const common = (c: Command) =>
    c
      .option('--actor <name>', 'who asks (default: $USER)')
      .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
      .option('--repo <dir>', 'repository root', '.');

  const add =
    (action: OverrideRequest['action']) =>
    async (campaign: string, stage: string | undefined, opts: Opts) => {
      // Refused before the repository is read: a flag missing is the first thing to say.
      const asked = {
        action,
        campaign,
        stage,
        actor: actor(opts),
        reason: opts.reason,
        for: opts.for,
        confirmed: opts.yes === true,
        ...(isKey(campaign) ? { submission: campaign } : {}),
      };
      checkOverride(asked, CLI_WORDING);
      await withStore(opts, async (store, revision, desired) => {
        const req = { ...asked, ...(await target(store, campaign, stage)) };
        const { id, expiresAt } = await addOverride(
          store,
          desired,
          req,
          io.now(),
          revision,
          CLI_WORDING,
        );
        io.stdout(
          `override ${id}: ${action} ${targetName(req)}${expiresAt ? ` until ${expiresAt}` : ''}; the next reconcile pass acts on it\n`,
        );
      });
    };

  for (const [action, description] of [
    [
      'hold',
      "hold the jobs of a campaign or stage and launch nothing there, or one submission's jobs (its key)",
    ],
    [
      'kill',
      "kill the jobs of a campaign or stage, or one submission's (its key: nothing is made from it after); needs --yes",
    ],
    ['launch-now', "launch a stage's wanted submissions now, whatever its schedule"],
  ] as const) {
    common(
      program
        .command(action)
        .description(description)
        .argument(
          '<campaign>',
          action === 'launch-now' ? 'campaign' : "campaign, or a submission's key",
        )
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
      .argument('<campaign>', "campaign, or a submission's key")
      .argument('[stage]')
      .option('--reason <text>'),
  ).action(async (campaign: string, stage: string | undefined, opts: Opts) => {
    await withStore(opts, async (store, _revision, desired) => {
      const n = await releaseOverrides(store, desired, {
        ...(await target(store, campaign, stage)),
        actor: actor(opts),
        reason: opts.reason,
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
    const req = { campaign, stage, actor: actor(opts), reason: opts.reason, confirmed: opts.yes };
    checkPrune(req, CLI_WORDING);
    await withStore(opts, async (store, revision) => {
      const id = await confirmPrune(store, req, revision, CLI_WORDING);
      io.stdout(
        `override ${id}: prune ${targetName(req)} confirmed for revision ${revision?.slice(0, 12) ?? '(none)'}; the next pass kills its jobs if it has left the spec\n`,
      );
    });
  });

  common(program.command('overrides').description('the operator overrides in force')).action(
    async (opts: Opts) => {
      await withStore(opts, async (store, revision) => {
        const list = await store.activeOverrides(io.now(), revision);
        if (!list.length) io.stdout('no overrides in force\n');
        for (const o of list) {
          io.stdout(
            `${o.id}  ${o.action}  ${overrideTarget(o)}  by ${o.actor} at ${o.createdAt}${o.expiresAt ? ` until ${o.expiresAt}` : ''}: ${o.reason}\n`,
          );
        }
      });
    },
  );

  const launches = program
    .command('launches')
    .description(
      "POMS's global launch switch: hold every launch (running jobs go on), or allow them",
    );
  common(
    launches
      .command('hold')
      .description('hold every launch of every campaign until allowed again')
      .option('--reason <text>', 'why (shown in plans and the audit log)'),
  ).action(async (opts: Opts) => {
    const req = { actor: actor(opts), reason: opts.reason };
    await withStore(opts, async (store) => {
      const id = await holdLaunches(store, req, io.now(), CLI_WORDING);
      io.stdout(`override ${id}: every launch held; running jobs go on\n`);
    });
  });
  common(
    launches.command('allow').description('allow launches again').option('--reason <text>'),
  ).action(async (opts: Opts) => {
    await withStore(opts, async (store) => {
      const was = await allowLaunches(store, { actor: actor(opts), reason: opts.reason });
      io.stdout(was ? 'launches allowed again\n' : 'launches were not held\n');
    });
  });
  common(launches.command('status').description('whether launches are held, by whom')).action(
    async (opts: Opts) => {
      await withStore(opts, async (store) => {
        const held = await launchSwitch(store, io.now());
        io.stdout(
          held
            ? `launches held by ${held.actor} since ${held.createdAt}: ${held.reason}\n`
            : 'launches allowed\n',
        );
      });
    },
  );
}
