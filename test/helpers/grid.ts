import { readFileSync } from 'node:fs';
import type { Catalog } from '../../src/adapters/catalog/types.js';
import { uniqueOutputName } from '../../src/job/names.js';
import type { WrapConfig } from '../../src/job/wrap-config.js';
import type { MemoryBatch } from '../fakes/memory-batch.js';

/**
 * A simulated grid for the memory batch in manual mode: runs each idle job (of the
 * submissions `only` picks) as the job wrapper would: its input from the project, one output
 * with its parents and process number, then the job ends well.
 */
export async function runIdleJobs(
  batch: MemoryBatch,
  catalog: Catalog,
  only: (submission: string) => boolean = () => true,
): Promise<void> {
  for (const j of await batch.observe()) {
    if (j.state !== 'idle' || !only(j.submission)) continue;
    const spec = batch.spec(j.id);
    const cfg = JSON.parse(readFileSync(spec.argv[2]!, 'utf8')) as WrapConfig;
    const proc = spec.env.PROCESS ?? '0';
    const consumer = `${cfg.submission}:${proc}`;
    const inputs: string[] = [];
    if (cfg.project) {
      for (let i = 0; i < cfg.filesPerJob; i++) {
        const f = await catalog.nextFile(cfg.project, consumer);
        if (!f) break;
        inputs.push(f);
      }
      for (const f of inputs) await catalog.setFileStatus(cfg.project, f, 'consumed');
    }
    if (!cfg.project || inputs.length > 0) {
      const name = uniqueOutputName(
        `${cfg.stage}.root`,
        { submission: cfg.submission, process: proc, inputs },
        0,
      );
      await catalog.declareFile({
        name,
        size: 1,
        parents: inputs,
        metadata: {
          'gitpoms.submission': cfg.submission,
          'gitpoms.campaign': cfg.campaign,
          'gitpoms.stage': cfg.stage,
          'gitpoms.process': proc,
        },
      });
      await catalog.addLocation(name, `/pnfs/sbnd/soak/${cfg.stage}`);
    }
    if (cfg.project) await catalog.endProcess(cfg.project, consumer, 'completed');
    batch.finish(j.id, 0);
  }
}
