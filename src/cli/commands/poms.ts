import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { checkSpec, loadSpec } from '../../desired/index.js';
import { CONFIG_FILE, DEFAULT_PATHS } from '../../desired/load.js';
import { insideRepo, overlayRepo } from '../../desired/repo.js';
import { DEFAULTS } from '../../desired/desired.js';
import { parseIni } from '../../desired/poms/ini.js';
import { importPoms, importedPath, importedYaml } from '../../desired/poms/import.js';
import { exportPoms } from '../../desired/poms/export.js';
import { InvalidInputError } from '../../errors.js';
import { EXIT, campaignDoc, loadOrReport, printDiagnostics, repoContext, type Io } from '../io.js';

interface ImportFlags {
  out?: string;
  files: string[];
  force?: boolean;
  repo: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];
const rel = (root: string, p: string) => path.relative(root, p).split(path.sep).join('/');

/** The files of directories given with --files, by name: copies of what the launch host has. */
function filesByName(io: Io, dirs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const d of dirs) {
    const dir = path.resolve(io.cwd, d);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new InvalidInputError(`--files ${d}: not a directory`);
    for (const f of readdirSync(dir))
      if (!out.has(f) && statSync(path.join(dir, f)).isFile()) out.set(f, path.join(dir, f));
  }
  return out;
}

export function registerPoms(program: Command, io: Io, setCode: (n: number) => void): void {
  program
    .command('import-poms')
    .description(
      "convert a POMS campaign export (.ini, as POMS's campaign page writes it) into gitpoms YAML: the campaign, its job types and login setups; validated before anything is written",
    )
    .argument('<file>', 'the .ini export')
    .option(
      '--out <dir>',
      'where the YAML goes (default: the first of paths in gitpoms.yaml, /EXPERIMENT)',
    )
    .option(
      '--files <dir>',
      "a directory holding copies of the launch host's fife_launch configs and launch scripts the export names (by file name); they are copied into DIR/files/ (repeatable)",
      collect,
      [],
    )
    .option('--force', 'replace files that exist with other content')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (file: string, flags: ImportFlags) => {
      const ctx = repoContext(io, flags.repo);
      if (!existsSync(path.join(ctx.root, CONFIG_FILE)))
        throw new InvalidInputError(
          `no ${CONFIG_FILE} in ${ctx.root}: import into a gitpoms repository (--repo DIR)`,
        );
      const fromAbs = path.resolve(io.cwd, file);
      let text: string;
      try {
        text = readFileSync(fromAbs, 'utf8');
      } catch (e) {
        throw new InvalidInputError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const current = loadSpec(ctx.repo);
      const paths = current.docs.config?.value.spec.paths ?? DEFAULT_PATHS;
      const experiment =
        parseIni(text)
          .sections.find((s) => s.name === 'campaign')
          ?.entries.find((e) => e.key === 'experiment')
          ?.value.trim() || 'poms';
      const outAbs = path.resolve(
        io.cwd,
        flags.out ?? path.join(ctx.root, paths[0] ?? 'campaigns', experiment),
      );
      const out = insideRepo(rel(ctx.root, outAbs));
      if (out === undefined)
        throw new InvalidInputError(`--out ${flags.out}: outside the repository ${ctx.root}`);
      if (!paths.some((p) => out === p || out.startsWith(`${p}/`) || p === '.'))
        throw new InvalidInputError(
          `--out ${out}: not under gitpoms.yaml's paths (${paths.join(', ')}); the reconciler would not read it`,
        );
      const byName = filesByName(io, flags.files);
      const copies = new Map<string, string>();
      const result = importPoms(text, {
        file,
        locate(p) {
          const inRepo = insideRepo(p);
          if (inRepo !== undefined && ctx.repo.read(inRepo) !== undefined) return inRepo;
          const src = byName.get(path.posix.basename(p));
          if (!src) return undefined;
          const target = `${out}/files/${path.posix.basename(p)}`;
          copies.set(target, src);
          return target;
        },
      });
      if (result.diagnostics.some((d) => d.severity === 'error')) {
        printDiagnostics(io, result.diagnostics);
        setCode(EXIT.error);
        return;
      }
      const schemasDir = path.join(ctx.root, 'schemas');
      const planned: Record<string, string> = {};
      for (const d of result.docs) {
        const target = `${out}/${importedPath(d)}`;
        const schemas = existsSync(schemasDir)
          ? rel(path.dirname(path.join(ctx.root, target)), schemasDir)
          : undefined;
        planned[target] = importedYaml(d, path.basename(file), schemas);
      }
      for (const [target, src] of copies) planned[target] = readFileSync(src, 'utf8');
      const clashes = Object.entries(planned).filter(([p, t]) => {
        const now = ctx.repo.read(p);
        return now !== undefined && now !== t;
      });
      if (clashes.length && !flags.force) {
        printDiagnostics(io, result.diagnostics);
        for (const [p] of clashes)
          io.stderr(`${p} exists with other content; --force replaces it\n`);
        io.stderr('nothing was written\n');
        setCode(EXIT.error);
        return;
      }
      const after = await checkSpec(overlayRepo(ctx.repo, planned));
      const all = [...result.diagnostics, ...after.diagnostics];
      printDiagnostics(io, all);
      if (!after.desired) {
        io.stderr('the imported campaign does not validate; nothing was written\n');
        setCode(EXIT.error);
        return;
      }
      for (const [p, t] of Object.entries(planned)) {
        if (ctx.repo.read(p) === t) continue;
        mkdirSync(path.dirname(path.join(ctx.root, p)), { recursive: true });
        writeFileSync(path.join(ctx.root, p), t);
        io.stdout(`wrote ${p}\n`);
      }
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
      io.stdout(
        `imported campaign ${result.docs[0]!.name}: ${result.docs.length} document(s), valid${warnings ? `; ${warnings} POMS setting(s) not kept, listed above` : ''}\n`,
      );
      setCode(EXIT.ok);
    });

  program
    .command('export-poms')
    .description(
      'write a campaign as a POMS campaign export (.ini) that POMS uploads (ini_to_campaign); what POMS cannot hold is listed on stderr',
    )
    .argument('<campaign>', 'the campaign')
    .option('--out <file>', 'write here instead of standard output')
    .option('--repo <dir>', 'repository root', '.')
    .action(async (name: string, flags: { out?: string; repo: string }) => {
      const ctx = repoContext(io, flags.repo);
      const spec = await loadOrReport(io, ctx.repo);
      if (!spec) {
        setCode(EXIT.error);
        return;
      }
      const c = campaignDoc(spec, name);
      const r = exportPoms(
        c.value,
        new Map(spec.docs.jobTypes.map((j) => [j.value.metadata.name, j.value])),
        new Map(spec.docs.launchTemplates.map((t) => [t.value.metadata.name, t.value])),
        {
          completionPercent:
            spec.docs.config?.value.spec.defaults?.completionPercent ?? DEFAULTS.completionPercent,
        },
      );
      for (const w of r.warnings) io.stderr(`${w}\n`);
      if (flags.out) {
        writeFileSync(path.resolve(io.cwd, flags.out), r.text);
        io.stdout(`wrote ${flags.out}\n`);
      } else io.stdout(r.text);
      setCode(EXIT.ok);
    });
}
