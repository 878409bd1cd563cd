import path from 'node:path';
import type { Command } from 'commander';
import { loadSpec } from '../../spec/index.js';
import { CONFIG_FILE } from '../../spec/load.js';
import { EXIT, printDiagnostics, repoContext, type Io } from '../io.js';

export function registerValidate(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('validate')
    .description('validate campaigns, job types, launch templates and services; one line per file')
    .argument('[path]', 'directory or file to validate (default: the paths in gitpoms.yaml)')
    .option('--repo <dir>', 'repository root', '.')
    .action((p: string | undefined, opts: { repo: string }) => {
      const ctx = repoContext(io, opts.repo);
      const paths = p === undefined ? undefined : [path.relative(ctx.root, path.resolve(io.cwd, p)) || '.'];
      const result = loadSpec(ctx.repo, paths ? { paths } : {});
      const byFile = new Map<string, string[]>();
      for (const group of [result.docs.campaigns, result.docs.jobTypes, result.docs.launchTemplates, result.docs.services]) {
        for (const d of group) {
          const label = `${d.value.kind} ${d.value.metadata.name}`;
          byFile.set(d.doc.file, [...(byFile.get(d.doc.file) ?? []), label]);
        }
      }
      const files = [...(result.docs.config ? [CONFIG_FILE] : []), ...result.docs.files];
      for (const f of files) {
        const errs = result.diagnostics.filter((d) => d.file === f && d.severity === 'error').length;
        const warns = result.diagnostics.filter((d) => d.file === f && d.severity === 'warning').length;
        const what = f === CONFIG_FILE ? 'Config' : (byFile.get(f) ?? []).join(', ') || 'no documents';
        const status = errs ? 'FAIL' : warns ? 'warn' : 'ok  ';
        const tail = errs ? ` (${errs} error${errs > 1 ? 's' : ''})` : warns ? ` (${warns} warning${warns > 1 ? 's' : ''})` : '';
        io.stdout(`${status} ${f}: ${what}${tail}\n`);
      }
      printDiagnostics(io, result.diagnostics);
      setCode(result.desired ? EXIT.ok : EXIT.error);
    });
}
