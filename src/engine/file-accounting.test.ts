import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import { fileAccounting } from './file-accounting.js';

const KEY = 'c/g4/mc-1#1';

/** Four gen files in a project of KEY: one consumed and one skipped by a good process, one taken by a process that failed, one never delivered; outputs of two, one located. */
async function catalog(): Promise<EmbeddedCatalog> {
  const c = new EmbeddedCatalog(path.join(mkdtempSync(path.join(tmpdir(), 'acct-')), 'c.sqlite'));
  for (let i = 1; i <= 4; i++)
    await c.declareFile({ name: `gen_${i}.root`, size: 1, metadata: { data_tier: 'generated' } });
  await c.createDefinition('gens', 'data_tier generated');
  await c.startProject('p1', 'gens');
  for (const consumer of ['ok', 'ok', 'bad']) await c.nextFile('p1', consumer);
  await c.setFileStatus('p1', 'gen_1.root', 'consumed');
  await c.setFileStatus('p1', 'gen_2.root', 'skipped');
  await c.endProcess('p1', 'ok', 'completed');
  await c.endProcess('p1', 'bad', 'bad');
  for (const [name, parent] of [
    ['g4_1.root', 'gen_1.root'],
    ['g4_3.root', 'gen_3.root'],
  ] as const)
    await c.declareFile({
      name,
      size: 1,
      metadata: { 'gitpoms.submission': KEY, 'gitpoms.campaign': 'c' },
      parents: [parent],
    });
  await c.addLocation('g4_1.root', '/pnfs/g4/1');
  return c;
}

describe("a submission's file accounting", () => {
  it("counts POMS's categories, each by a dimension query that lists its files", async () => {
    const c = await catalog();
    const rows = await fileAccounting(c, KEY, 'p1');
    expect(Object.fromEntries(rows.map((r) => [r.category, r.count]))).toEqual({
      submitted: 4,
      delivered: 1,
      consumed: 1,
      failed: 1,
      skipped: 1,
      'with children declared': 2,
      'with children located': 1,
      pending: 1,
      'outputs declared': 2,
      'outputs located': 1,
    });
    const list = async (category: string) =>
      c.listFiles(rows.find((r) => r.category === category)!.dims);
    expect(await list('failed')).toEqual(['gen_3.root']);
    expect(await list('pending')).toEqual(['gen_4.root']);
    expect(await list('with children located')).toEqual(['gen_1.root']);
    expect(await list('outputs declared')).toEqual(['g4_1.root', 'g4_3.root']);
    // A Monte Carlo submission has no input project: outputs only.
    expect((await fileAccounting(c, KEY, undefined)).map((r) => r.category)).toEqual([
      'outputs declared',
      'outputs located',
    ]);
    await c.close();
  });
});
