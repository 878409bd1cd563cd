import type { Command } from 'commander';
import { configuredStore } from '../../engine/open-deps.js';
import { previewSplit } from '../../engine/split-preview.js';
import {
  checkSplitReset,
  CLI_WORDING,
  resetStageSplit,
  splitStage,
} from '../../engine/operator.js';
import { InvalidInputError } from '../../errors.js';
import { FRESH_SPLIT } from '../../model/index.js';
import { EXIT, dataDirFlag, loadOrReport, positiveNumber, repoContext, type Io } from '../io.js';
import { openState } from '../state.js';
import { table } from '../../engine/stats.js';

interface Opts {
  repo: string;
  dataDir?: string;
  calls: string;
  format: string;
  reason?: string;
  yes?: boolean;
  actor?: string;
}

export function registerSplit(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('split-preview')
    .description(
      'the next slices of a split stage (definition, dimensions, files), from its stored position; launches nothing',
    )
    .argument('<stage>', 'CAMPAIGN/STAGE, or STAGE when the name is unique')
    .option('--calls <n>', 'how many slices', '5')
    .option('--format <format>', 'text or json', 'text')
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (name: string, opts: Opts) => {
      const calls = positiveNumber('--calls', opts.calls);
      if (!['text', 'json'].includes(opts.format))
        throw new InvalidInputError(`--format ${opts.format}: use text or json`);
      const ctx = repoContext(io, opts.repo);
      const spec = await loadOrReport(io, ctx.repo);
      if (!spec?.desired) return setCode(EXIT.error);
      const stage = splitStage(spec.desired, name);
      const state = openState(
        ctx.root,
        spec.docs.config?.value,
        dataDirFlag(io, opts.dataDir),
        io.env,
      );
      try {
        const id = `${stage.campaign}/${stage.name}`;
        const at = (await state.store.splitStates())[id] ?? FRESH_SPLIT;
        const p = await previewSplit(state.catalog, stage, at, io.now(), calls);
        if (opts.format === 'json') io.stdout(`${JSON.stringify(p, null, 2)}\n`);
        else {
          io.stdout(
            `${id}: split ${p.split}, at slice ${at.position + 1}${at.generation ? ` (generation ${at.generation})` : ''}\n\n`,
          );
          io.stdout(
            `${table(
              ['Slice', 'Definition', 'Files', 'Dimensions'],
              p.slices.map((s) => [
                s.slice,
                s.definition ?? s.value ?? '',
                s.files === undefined ? '-' : String(s.files),
                s.dimensions ?? '',
              ]),
            )}\n`,
          );
          if (p.end) io.stdout(`\nthen: ${p.end}\n`);
        }
        setCode(EXIT.ok);
      } finally {
        await state.close();
      }
    });

  program
    .command('split-reset')
    .description("start a stage's split over from its first slice (a new generation); audited")
    .argument('<stage>', 'CAMPAIGN/STAGE, or STAGE when the name is unique')
    .option('--reason <text>', 'why (shown in the audit log)')
    .option('--yes', 'confirm: every slice is launched again')
    .option('--actor <name>', 'who asks (default: $USER)')
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (name: string, opts: Opts) => {
      const req = {
        stage: name,
        actor: opts.actor ?? io.env.USER ?? 'operator',
        reason: opts.reason,
        confirmed: opts.yes,
      };
      checkSplitReset(req, CLI_WORDING);
      const ctx = repoContext(io, opts.repo);
      const spec = await loadOrReport(io, ctx.repo);
      if (!spec?.desired) return setCode(EXIT.error);
      splitStage(spec.desired, name);
      const config = spec.docs.config?.value;
      const state = openState(ctx.root, config, dataDirFlag(io, opts.dataDir), io.env);
      const dataDir = state.dataDir;
      await state.close();
      const store = configuredStore(config, dataDir, io.env);
      try {
        const { stage, generation } = await resetStageSplit(store, spec.desired, req, CLI_WORDING);
        io.stdout(
          `${stage.campaign}/${stage.name}: split starts over at slice 1 (generation ${generation}); the next pass launches it\n`,
        );
        setCode(EXIT.ok);
      } finally {
        await store.close();
      }
    });
}
