import { describe, expect, it } from 'vitest';
import { CatalogReads } from './catalog-reads.js';

const KEY = 'c/g4/mc-1#1';

describe('the catalog as file pages ask it', () => {
  it('is asked of the catalog once a minute for the same question, and again after a failure', async () => {
    let t = 0;
    let calls = 0;
    let fail = true;
    const reads = new CatalogReads(
      {
        countFiles: async () => {
          calls++;
          if (fail) throw new Error('samweb unreachable');
          return 3;
        },
        listFiles: async () => [],
        getFile: async () => undefined,
      },
      () => t,
    );
    await expect(reads.accounting(KEY, undefined)).rejects.toThrow('samweb unreachable');
    fail = false;
    const first = await reads.accounting(KEY, undefined);
    expect(first.map((r) => r.count)).toEqual([3, 3]);
    const asked = calls;
    t += 59_000;
    await reads.accounting(KEY, undefined);
    expect(calls).toBe(asked);
    t += 2_000;
    await reads.accounting(KEY, undefined);
    expect(calls).toBe(asked + 2);
  });
});
