import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/adapters/catalog/types.js';

/**
 * What every catalog backend must do. `make` returns a fresh, empty catalog; `seed`
 * (optional) lets a backend that cannot declare files (a recorded-response server)
 * start from the fixture this suite declares.
 */
export function catalogContract(name: string, make: () => Promise<Catalog>): void {
  async function fixture(): Promise<Catalog> {
    const c = await make();
    // gen → g4 → reco, three runs; gen_2 has no children.
    for (let i = 1; i <= 3; i++) {
      await c.declareFile({
        name: `gen_${i}.root`,
        size: 100 * i,
        metadata: {
          data_tier: 'generated',
          runs: [[i, 0, 'mc']],
          event_count: 10 * i,
          'sbnd.stage': 'gen',
        },
      });
      await c.addLocation(`gen_${i}.root`, `/pnfs/sbnd/gen/${i}`);
    }
    await c.declareFile({
      name: 'g4_1.root',
      size: 10,
      metadata: { data_tier: 'simulated', runs: [[1, 0, 'mc']] },
      parents: ['gen_1.root'],
    });
    await c.declareFile({
      name: 'g4_3.root',
      size: 30,
      metadata: { data_tier: 'simulated', runs: [[3, 0, 'mc']] },
      parents: ['gen_3.root'],
    });
    await c.declareFile({
      name: 'hist_g4_3.root',
      size: 1,
      metadata: { data_tier: 'histogram' },
      parents: ['gen_3.root'],
    });
    await c.declareFile({
      name: 'reco_1.root',
      size: 5,
      metadata: { data_tier: 'reconstructed' },
      parents: ['g4_1.root'],
    });
    return c;
  }

  describe(`catalog contract: ${name}`, () => {
    it('declares files with metadata, parents, children and locations', async () => {
      const c = await fixture();
      const f = await c.getFile('gen_1.root');
      expect(f).toMatchObject({
        name: 'gen_1.root',
        size: 100,
        metadata: { data_tier: 'generated', event_count: 10 },
        parents: [],
        children: ['g4_1.root'],
        locations: ['/pnfs/sbnd/gen/1'],
      });
      expect((await c.getFile('reco_1.root'))?.parents).toEqual(['g4_1.root']);
      expect(await c.getFile('nope.root')).toBeUndefined();
      await c.close();
    });

    it('refuses a second declaration of a name, and an unknown parent', async () => {
      const c = await fixture();
      await expect(c.declareFile({ name: 'gen_1.root', size: 1, metadata: {} })).rejects.toThrow(
        /already declared/,
      );
      await expect(
        c.declareFile({ name: 'x.root', size: 1, metadata: {}, parents: ['missing.root'] }),
      ).rejects.toThrow(/no file named missing.root/);
      expect(await c.getFile('x.root')).toBeUndefined();
      await c.close();
    });

    it.each([
      ["file_name like 'gen%'", ['gen_1.root', 'gen_2.root', 'gen_3.root']],
      ['file_name like %_3.root', ['gen_3.root', 'g4_3.root', 'hist_g4_3.root']],
      ['file_name gen_2.root,g4_1.root', ['gen_2.root', 'g4_1.root']],
      ['data_tier generated', ['gen_1.root', 'gen_2.root', 'gen_3.root']],
      [
        'data_tier = simulated or data_tier reconstructed',
        ['g4_1.root', 'g4_3.root', 'reco_1.root'],
      ],
      ['event_count >= 20', ['gen_2.root', 'gen_3.root']],
      ['event_count < 20 and data_tier generated', ['gen_1.root']],
      ['run_number 3', ['gen_3.root', 'g4_3.root']],
      ['sbnd.stage gen minus file_name gen_1.root', ['gen_2.root', 'gen_3.root']],
      ['ischildof: (data_tier generated)', ['g4_1.root', 'g4_3.root', 'hist_g4_3.root']],
      ['isparentof: (file_name like g4%)', ['gen_1.root', 'gen_3.root']],
      ['data_tier generated minus isparentof: (data_tier simulated)', ['gen_2.root']],
      [
        '(data_tier generated or data_tier simulated) and run_number 1',
        ['gen_1.root', 'g4_1.root'],
      ],
      ['data_tier generated with limit 2', ['gen_1.root', 'gen_2.root']],
      ['data_tier generated with limit 1 offset 1', ['gen_2.root']],
      ['file_name like %.root with stride 3 offset 1', ['gen_2.root', 'g4_3.root']],
      ['data_tier nothing', []],
      ['availability physical', ['gen_1.root', 'gen_2.root', 'gen_3.root']],
      ['data_tier simulated and availability virtual', ['g4_1.root', 'g4_3.root']],
    ])('selects %s', async (dims, expected) => {
      const c = await fixture();
      expect(await c.listFiles(dims)).toEqual(expected);
      expect(await c.countFiles(dims)).toBe(expected.length);
      await c.close();
    });

    it('reports a malformed query clearly', async () => {
      const c = await fixture();
      await expect(c.listFiles('data_tier generated and')).rejects.toThrow(
        /expected a dimension at the end/,
      );
      await expect(c.listFiles('isparentof: data_tier x')).rejects.toThrow(
        /expected "\(" after isparentof/,
      );
      await expect(c.listFiles('defname: missing')).rejects.toThrow(/no definition named missing/);
      await c.close();
    });

    it('keeps definitions, refusing to redefine a name with other dimensions', async () => {
      const c = await fixture();
      await c.createDefinition('sbnd_gen', 'data_tier generated');
      await c.createDefinition('sbnd_gen', 'data_tier generated');
      await expect(c.createDefinition('sbnd_gen', 'data_tier simulated')).rejects.toThrow(
        /already exists/,
      );
      expect(await c.describeDefinition('sbnd_gen')).toBe('data_tier generated');
      expect(await c.listFiles('defname: sbnd_gen minus run_number 2')).toEqual([
        'gen_1.root',
        'gen_3.root',
      ]);
      await c.close();
    });

    it('freezes a snapshot: files declared later do not join it', async () => {
      const c = await fixture();
      await c.createDefinition('gens', 'data_tier generated');
      const id = await c.takeSnapshot('gens');
      await c.declareFile({ name: 'gen_4.root', size: 1, metadata: { data_tier: 'generated' } });
      expect(await c.listFiles(`snapshot_id ${id}`)).toEqual([
        'gen_1.root',
        'gen_2.root',
        'gen_3.root',
      ]);
      expect(await c.countFiles('defname: gens')).toBe(4);
      await c.close();
    });

    it('delivers each file of a project once and records consumed and skipped status', async () => {
      const c = await fixture();
      await c.createDefinition('gens', 'data_tier generated');
      const p = await c.startProject('proj1', 'gens');
      expect(p.counts).toEqual({ delivered: 0, consumed: 0, skipped: 0, unknown: 3 });
      expect(await c.startProject('proj1', 'gens')).toEqual(p);
      const got = [
        await c.nextFile('proj1', 'job1'),
        await c.nextFile('proj1', 'job2'),
        await c.nextFile('proj1', 'job1'),
      ];
      expect(got).toEqual(['gen_1.root', 'gen_2.root', 'gen_3.root']);
      expect(await c.nextFile('proj1', 'job3')).toBeUndefined();
      await c.setFileStatus('proj1', 'gen_1.root', 'consumed');
      await c.setFileStatus('proj1', 'gen_2.root', 'skipped');
      expect((await c.projectInfo('proj1'))?.counts).toEqual({
        delivered: 1,
        consumed: 1,
        skipped: 1,
        unknown: 0,
      });
      expect(await c.listFiles('project_name proj1 and consumed_status consumed')).toEqual([
        'gen_1.root',
      ]);
      expect(await c.listFiles('project_name proj1 and consumed_status co%,skipped')).toEqual([
        'gen_1.root',
        'gen_2.root',
      ]);
      expect(
        await c.listFiles(
          'snapshot_for_project_name proj1 minus (project_name proj1 and consumed_status co%)',
        ),
      ).toEqual(['gen_2.root', 'gen_3.root']);
      await expect(c.setFileStatus('proj1', 'g4_1.root', 'consumed')).rejects.toThrow(
        /was not delivered/,
      );
      await c.close();
    });

    it("tracks each consumer process's end: files consumed by a bad process are not done", async () => {
      const c = await fixture();
      await c.createDefinition('gens', 'data_tier generated');
      await c.startProject('proj2', 'gens');
      await c.nextFile('proj2', 'ok');
      await c.nextFile('proj2', 'crashed');
      await c.setFileStatus('proj2', 'gen_1.root', 'consumed');
      await c.setFileStatus('proj2', 'gen_2.root', 'consumed');
      await c.endProcess('proj2', 'ok', 'completed');
      await c.endProcess('proj2', 'crashed', 'bad');
      expect(
        await c.listFiles(
          'project_name proj2 and consumed_status co% and process_status completed',
        ),
      ).toEqual(['gen_1.root']);
      expect(await c.listFiles('project_name proj2 and process_status bad')).toEqual([
        'gen_2.root',
      ]);
      await c.close();
    });
  });
}
