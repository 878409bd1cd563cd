import path from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../desired/diagnostic.js';
import { checkSpec } from '../../desired/index.js';
import { CONFIG_FILE } from '../../desired/load.js';
import { insideRepo } from '../../desired/repo.js';
import { missingDatasets } from '../../desired/datasets.js';
import { EXIT, dataDirFlag, printDiagnostics, repoContext, repoRootOf, type Io } from '../io.js';

function under(file: string, dir: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

export function registerValidate(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('validate')
    .description('validate campaigns, job types, launch templates and services; one line per file')
    .argument(
      '[path]',
      'only report on this directory or file (references still resolve against the whole repository)',
    )
    .option(
      '--catalog',
      'also check that the datasets stages name exist in the catalog of the data directory',
    )
    .option('--data-dir <dir>', 'state directory (default: dataDir of gitpoms.yaml)')
    .option(
      '--repo <dir>',
      'repository root (default: the nearest directory at or above the path, or the working directory, holding gitpoms.yaml or .git)',
    )
    .action(
      async (
        p: string | undefined,
        opts: { repo?: string; catalog?: boolean; dataDir?: string },
      ) => {
        // As git does: the repository is found from the path given, wherever it is run from.
        const ctx = repoContext(io, opts.repo ?? repoRootOf(path.resolve(io.cwd, p ?? '.')) ?? '.');
        const rel =
          p === undefined
            ? undefined
            : path.relative(ctx.root, path.resolve(io.cwd, p)).split(path.sep).join('/');
        const scope = rel === undefined ? '' : (insideRepo(rel) ?? rel);
        const result = await checkSpec(
          ctx.repo,
          rel === undefined ? {} : { extraPaths: [rel === '' ? '.' : rel] },
        );
        if (opts.catalog && result.desired) {
          // The state and catalog code loads only when the catalog is asked.
          const { catalogHas, openState } = await import('../state.js');
          const state = openState(
            ctx.root,
            result.docs.config?.value,
            dataDirFlag(io, opts.dataDir),
            io.env,
          );
          try {
            result.diagnostics.push(
              ...(await missingDatasets(result.docs, result.desired, catalogHas(state.catalog))),
            );
          } finally {
            await state.close();
          }
          if (result.diagnostics.some((d) => d.severity === 'error')) result.desired = undefined;
        }
        const inScope = (d: Diagnostic) => under(d.file, scope);
        const labels = new Map<string, string[]>();
        for (const group of [
          result.docs.campaigns,
          result.docs.jobTypes,
          result.docs.launchTemplates,
          result.docs.services,
        ]) {
          for (const d of group)
            labels.set(d.doc.file, [
              ...(labels.get(d.doc.file) ?? []),
              `${d.value.kind} ${d.value.metadata.name}`,
            ]);
        }
        const files = [...(result.docs.config ? [CONFIG_FILE] : []), ...result.docs.files].filter(
          (f) => under(f, scope),
        );
        for (const f of files) {
          const errs = result.diagnostics.filter(
            (d) => d.file === f && d.severity === 'error',
          ).length;
          const warns = result.diagnostics.filter(
            (d) => d.file === f && d.severity === 'warning',
          ).length;
          const what =
            f === CONFIG_FILE ? 'Config' : (labels.get(f) ?? []).join(', ') || 'no documents';
          const status = errs ? 'FAIL' : warns ? 'warn' : 'ok  ';
          const tail = errs
            ? ` (${errs} error${errs > 1 ? 's' : ''})`
            : warns
              ? ` (${warns} warning${warns > 1 ? 's' : ''})`
              : '';
          io.stdout(`${status} ${f}: ${what}${tail}\n`);
        }
        printDiagnostics(io, result.diagnostics.filter(inScope));
        const outside = result.diagnostics.filter(
          (d) => !inScope(d) && d.severity === 'error',
        ).length;
        if (outside) {
          io.stderr(
            `${outside} error(s) in other files of the repository keep ${p} from being checked fully; run gitpoms validate\n`,
          );
        }
        setCode(result.desired ? EXIT.ok : EXIT.error);
      },
    );
}
