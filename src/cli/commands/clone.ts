import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { cloneCampaign, parseEdit } from '../../desired/clone.js';
import { checkSpec } from '../../desired/index.js';
import { overlayRepo } from '../../desired/repo.js';
import { InvalidInputError } from '../../errors.js';
import { EXIT, campaignDoc, loadOrReport, printDiagnostics, repoContext, type Io } from '../io.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerClone(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('clone')
    .description(
      "copy a campaign under a new name into a file next to the old one, comments kept, with edits; validated before it is written (POMS's campaign clone)",
    )
    .argument('<campaign>', 'the campaign to copy')
    .argument('<new-name>', 'the name of the copy')
    .option(
      '--set <stage.field=value>',
      'change a field of a stage (STAGE * for every stage, spec for the campaign); after overrides. the rest is the -O key; the value is YAML (repeatable)',
      collect,
      [],
    )
    .option('--force', 'replace the new file if it exists')
    .option('--repo <dir>', 'repository root', '.')
    .action(
      async (
        name: string,
        newName: string,
        flags: { set: string[]; force?: boolean; repo: string },
      ) => {
        const ctx = repoContext(io, flags.repo);
        const edits = flags.set.map(parseEdit);
        const spec = await loadOrReport(io, ctx.repo);
        if (!spec) {
          setCode(EXIT.error);
          return;
        }
        const from = campaignDoc(spec, name);
        if (spec.docs.campaigns.some((c) => c.value.metadata.name === newName))
          throw new InvalidInputError(`a campaign ${newName} exists already`);
        const target = path.posix.join(path.posix.dirname(from.doc.file), `${newName}.yaml`);
        if (ctx.repo.read(target) !== undefined && !flags.force)
          throw new InvalidInputError(`${target} exists; --force replaces it`);
        const text = cloneCampaign(ctx.repo.read(from.doc.file)!, name, newName, edits);
        const after = await checkSpec(overlayRepo(ctx.repo, { [target]: text }));
        printDiagnostics(io, after.diagnostics);
        if (!after.desired) {
          io.stderr(`the clone does not validate; ${target} was not written\n`);
          setCode(EXIT.error);
          return;
        }
        mkdirSync(path.dirname(path.join(ctx.root, target)), { recursive: true });
        writeFileSync(path.join(ctx.root, target), text);
        io.stdout(`wrote ${target}: campaign ${newName}, a copy of ${name}\n`);
        setCode(EXIT.ok);
      },
    );
}
