import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogContract } from '../../../../test/contracts/catalog.js';
import { EmbeddedCatalog } from './index.js';

const fresh = () =>
  new EmbeddedCatalog(path.join(mkdtempSync(path.join(tmpdir(), 'catalog-')), 'catalog.sqlite'));

catalogContract('embedded', async () => fresh());

describe('embedded catalog across connections', () => {
  it('never delivers one file to two consumers that share the database file', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'catalog-')), 'catalog.sqlite');
    const a = new EmbeddedCatalog(file);
    const b = new EmbeddedCatalog(file);
    for (let i = 0; i < 50; i++)
      await a.declareFile({ name: `f${i}.root`, size: 1, metadata: { data_tier: 'raw' } });
    await a.createDefinition('raw', 'data_tier raw');
    await a.startProject('p', 'raw');
    const got: string[] = [];
    for (;;) {
      const x = await a.nextFile('p', 'a');
      const y = await b.nextFile('p', 'b');
      if (x) got.push(x);
      if (y) got.push(y);
      if (!x && !y) break;
    }
    expect(got.sort()).toEqual(Array.from({ length: 50 }, (_, i) => `f${i}.root`).sort());
    await a.close();
    await b.close();
  });
});

describe('embedded catalog clock', () => {
  it("stamps declared files with the reconciler's clock", async () => {
    const at = new Date('2031-02-03T04:05:06Z');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'catalog-')), 'catalog.sqlite');
    const c = new EmbeddedCatalog(file, { clock: () => at });
    await c.declareFile({ name: 'a.root', size: 1, metadata: {} });
    expect((await c.getFile('a.root'))?.createDate).toBe(at.toISOString());
    await c.close();
  });
});
