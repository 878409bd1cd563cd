import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { EmbeddedCatalog } from '../../src/adapters/catalog/embedded/index.js';

export const STAGES = ['gen', 'g4', 'detsim', 'reco', 'anatree'];

/** Job 3 of each first g4 submission fails, so the demo must recover it to finish; no per-event work. */
export const DEMO_ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(),
  DEMO_EVENT_MS: '0',
  DEMO_FAIL: 'g4:3',
};

/** `gitpoms run` of an SBND campaign into a data directory. */
export function demoRunArgs(
  dataDir: string,
  intervalMs: number,
  campaign = 'sbnd-mcc-test-1',
): string[] {
  return [
    'run',
    '--campaign',
    campaign,
    '--data-dir',
    dataDir,
    '--interval',
    String(intervalMs),
    '--timeout',
    '240',
  ];
}

/**
 * The SBND demo's outcome: 20 located files at every stage, and every gen file leading
 * through each stage to exactly one file of the next (none lost, none processed twice).
 */
export async function expectDemoComplete(dataDir: string, context = ''): Promise<void> {
  const catalog = new EmbeddedCatalog(path.join(dataDir, 'catalog.sqlite'));
  try {
    for (const stage of STAGES) {
      expect(
        await catalog.countFiles(`gitpoms.stage ${stage} and availability physical`),
        `${stage} ${context}`,
      ).toBe(20);
    }
    for (const gen of await catalog.listFiles('gitpoms.stage gen')) {
      let frontier = [gen];
      for (const stage of STAGES.slice(1)) {
        const next = [];
        for (const f of frontier) next.push(...((await catalog.getFile(f))?.children ?? []));
        expect(next, `${gen} → ${stage} ${context}`).toHaveLength(1);
        expect((await catalog.getFile(next[0]!))?.metadata['gitpoms.stage']).toBe(stage);
        frontier = next;
      }
    }
  } finally {
    await catalog.close();
  }
}

/** Copies what the SBND demo runs from (gitpoms.yaml, schemas, demo/, campaigns/sbnd) into `repo`. */
export function copyDemoRepo(repo: string): string {
  for (const p of ['gitpoms.yaml', 'schemas', 'demo', 'campaigns/sbnd'])
    cpSync(p, path.join(repo, p), { recursive: true });
  return repo;
}

/** Replaces text in a file of such a copy; the edit must change something. */
export function editFile(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  expect(next, `${file}: ${String(from)}`).not.toBe(text);
  writeFileSync(file, next);
}
