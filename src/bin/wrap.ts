/**
 * The job wrapper, in the role fife_wrap plays on the grid: takes input files from the
 * submission's catalog project, runs the executable, declares the outputs with SAM-compliant
 * metadata and their parents, copies them to their destination and adds the location.
 *   node wrap.js WRAP_CONFIG.json
 * Exit code: the executable's when it fails, 0 otherwise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { openCatalogSpec } from '../adapters/catalog/index.js';
import type { Catalog } from '../adapters/catalog/types.js';
import { adler32, samCompliant } from '../job/sam-metadata.js';
import { localTransfer, type Transfer } from '../job/transfer.js';
import type { WrapConfig } from '../job/wrap-config.js';
import { uniqueOutputName } from '../job/names.js';

const log = (msg: string) =>
  process.stdout.write(`[gitpoms wrap ${new Date().toISOString()}] ${msg}\n`);

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

async function main(): Promise<number> {
  const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as WrapConfig;
  const proc = process.env.PROCESS ?? '0';
  const consumer = `${cfg.submission}:${proc}`;
  const catalog = openCatalogSpec(cfg.catalog, { env: process.env, app: cfg.application });
  const transfer = localTransfer(cfg.storageRoot);
  const endProcess = (status: 'completed' | 'bad') =>
    cfg.project ? catalog.endProcess(cfg.project, consumer, status) : Promise.resolve();
  for (const s of cfg.setup) log(`skipping grid setup "${s}" (no UPS/CVMFS on this machine)`);
  const inputs: string[] = [];
  if (cfg.project) {
    for (let i = 0; i < cfg.filesPerJob; i++) {
      const f = await catalog.nextFile(cfg.project, consumer);
      if (!f) break;
      const rec = await catalog.getFile(f);
      const loc = rec?.locations[0];
      if (!loc) {
        log(`input ${f} has no location; skipping it`);
        await catalog.setFileStatus(cfg.project, f, 'skipped');
        continue;
      }
      transfer.fetch(loc, f, f);
      log(`fetched ${f} from ${loc}`);
      inputs.push(f);
    }
    if (inputs.length === 0) {
      log(`project ${cfg.project} has no file left for this job`);
      await endProcess('completed');
      await catalog.close();
      return 0;
    }
  }
  const before = new Set(readdirSync('.'));
  const argv = [...cfg.executable, ...inputs];
  log(`running ${argv.join(' ')}`);
  const run = spawnSync(argv[0]!, argv.slice(1), { stdio: 'inherit', env: process.env });
  const code = run.error ? 127 : (run.status ?? 128);
  if (run.error) process.stderr.write(`cannot run ${argv[0]}: ${run.error.message}\n`);
  if (code !== 0) {
    log(`${argv[0]} exited ${code}${run.signal ? ` (${run.signal})` : ''}; inputs marked skipped`);
    for (const f of inputs) await catalog.setFileStatus(cfg.project!, f, 'skipped');
    await endProcess('bad');
    await catalog.close();
    return code;
  }
  // The application consumed its inputs; a failure from here on (metadata, declaring, copying
  // out) leaves them consumed by a bad process, which process_status recovers.
  for (const f of inputs) await catalog.setFileStatus(cfg.project!, f, 'consumed');
  try {
    await declareOutputs(cfg, catalog, transfer, inputs, before, proc);
  } catch (e) {
    await endProcess('bad');
    throw e;
  }
  await endProcess('completed');
  await catalog.close();
  return 0;
}

async function declareOutputs(
  cfg: WrapConfig,
  catalog: Catalog,
  transfer: Transfer,
  inputs: readonly string[],
  before: ReadonlySet<string>,
  proc: string,
): Promise<void> {
  let n = 0;
  for (const out of cfg.outputs) {
    const re = globToRegExp(out.pattern);
    for (const f of readdirSync('.').sort()) {
      if (before.has(f) || !re.test(f) || !statSync(f).isFile()) continue;
      let name = f;
      if (out.rename === 'unique') {
        name = uniqueOutputName(f, { submission: cfg.submission, process: proc, inputs }, n++);
        renameSync(f, name);
      }
      const data = readFileSync(name);
      let metadata: Record<string, unknown> = {};
      if (out.declareMetadata && out.extractor) {
        const dumped = JSON.parse(
          execFileSync(out.extractor[0]!, [...out.extractor.slice(1), name], { encoding: 'utf8' }),
        ) as Record<string, unknown>;
        metadata = (dumped[name] as Record<string, unknown> | undefined) ?? dumped;
      }
      const { kept, dropped } = samCompliant(metadata, cfg.categories);
      if (dropped.length) log(`dropped metadata keys SAM would reject: ${dropped.join(', ')}`);
      await catalog.declareFile({
        name,
        size: data.length,
        checksum: `enstore:${adler32(data)}`,
        parents: [...inputs],
        metadata: {
          ...kept,
          application: kept.application ?? cfg.application,
          'gitpoms.submission': cfg.submission,
          'gitpoms.process': proc,
          'gitpoms.campaign': cfg.campaign,
          'gitpoms.stage': cfg.stage,
        },
      });
      transfer.store(name, out.dest);
      if (out.addLocation) await catalog.addLocation(name, out.dest);
      log(
        `declared ${name} (${data.length} bytes) with parents [${inputs.join(', ')}] at ${out.dest}`,
      );
    }
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`gitpoms wrap: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
