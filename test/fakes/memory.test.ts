import { describe, expect, it } from 'vitest';
import { batchContract } from '../contracts/batch.js';
import { catalogContract } from '../contracts/catalog.js';
import { leaseContract } from '../contracts/leases.js';
import { storeContract } from '../contracts/store.js';
import { MemoryLeases } from './memory-leases.js';
import { MemoryBatch } from './memory-batch.js';
import { MemoryCatalog } from './memory-catalog.js';
import { MemoryStore } from './memory-store.js';

// The engine tests' fakes are held to the contracts every real backend passes.
batchContract('memory (the engine tests’ fake)', async () => new MemoryBatch());
catalogContract('memory (the engine tests’ fake)', async () => new MemoryCatalog());
storeContract('memory (the engine tests’ fake)', async () => new MemoryStore());

describe('the memory batch fake', () => {
  it('in manual mode runs nothing: jobs end when the test says', async () => {
    const b = new MemoryBatch({ mode: 'manual' });
    const [a, c] = await b.submit({
      label: 'c/gen/mc-1#1',
      jobs: [
        { argv: ['/no/such'], env: {} },
        { argv: ['/no/such'], env: {} },
      ],
    });
    await b.hold([c!]);
    b.finish(a!, 3);
    expect((await b.observe()).map((j) => [j.state, j.exitCode])).toEqual([
      ['completed', 3],
      ['held', undefined],
    ]);
    expect(b.submitted.map((r) => r.label)).toEqual(['c/gen/mc-1#1']);
    await b.settled();
  });

  it('settled() resolves when the last running job ends, without polling', async () => {
    const b = new MemoryBatch();
    await b.submit({
      label: 'c/gen/mc-1#1',
      jobs: [{ argv: ['/bin/sh', '-c', 'sleep 0.2; exit 4'], env: {} }],
    });
    expect((await b.observe())[0]!.state).toBe('running');
    await b.settled();
    expect((await b.observe())[0]).toMatchObject({ state: 'completed', exitCode: 4 });
  });
});

leaseContract('memory', async () => {
  let t = 1_000_000;
  const store = new MemoryLeases(() => t);
  return {
    store,
    pass: async (ms) => void (t += ms),
    write: async (campaign) => store.write(campaign, 'a write'),
    close: async () => undefined,
  };
});
