import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedCatalog } from '../adapters/catalog/embedded/index.js';
import type { FileRecoveryType } from '../model/index.js';
import { recoveryDimensions } from './dimensions.js';

/**
 * A project over f1..f6 (f7 and f8 join the dataset after its snapshot):
 *   process A consumed f1 and f2 and completed; f1 has a located child of the stage;
 *   process B consumed f3, then its job failed (bad);
 *   process C was given f4 and skipped it (bad);
 *   process D was given f5 and never ended (its job was removed);
 *   f6 was never delivered.
 */
let dir: string;
let catalog: EmbeddedCatalog;
const P = 'proj';
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-recovery-'));
  catalog = new EmbeddedCatalog(path.join(dir, 'catalog.sqlite'));
  const declare = (name: string, metadata: Record<string, unknown> = { data_tier: 'raw' }) =>
    catalog.declareFile({ name, size: 1, metadata });
  for (let i = 1; i <= 6; i++) await declare(`f${i}`);
  await catalog.createDefinition('ds', 'data_tier raw');
  await catalog.startProject(P, 'ds');
  await declare('f7');
  await declare('f8');
  const give = async (consumer: string, n: number) => {
    const files: string[] = [];
    for (let i = 0; i < n; i++) files.push((await catalog.nextFile(P, consumer))!);
    return files;
  };
  expect(await give('A', 2)).toEqual(['f1', 'f2']);
  for (const f of ['f1', 'f2']) await catalog.setFileStatus(P, f, 'consumed');
  await catalog.endProcess(P, 'A', 'completed');
  await give('B', 1);
  await catalog.setFileStatus(P, 'f3', 'consumed');
  await catalog.endProcess(P, 'B', 'bad');
  await give('C', 1);
  await catalog.setFileStatus(P, 'f4', 'skipped');
  await catalog.endProcess(P, 'C', 'bad');
  await give('D', 1);
  await catalog.declareFile({
    name: 'f1_reco.root',
    size: 1,
    parents: ['f1'],
    metadata: { 'gitpoms.campaign': 'c', 'gitpoms.stage': 'reco' },
  });
  await catalog.addLocation('f1_reco.root', '/pnfs/x');
});
afterAll(async () => {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('recovery types: which files each selects', () => {
  it.each<[FileRecoveryType, string[]]>([
    ['consumed_status', ['f4', 'f5', 'f6']],
    ['process_status', ['f3', 'f4', 'f5', 'f6']],
    ['delivered_not_consumed', ['f4', 'f5']],
    ['added_files', ['f7', 'f8']],
    ['pending_files', ['f2', 'f3', 'f4', 'f5', 'f6']],
  ])('%s', async (type, files) => {
    const dims = recoveryDimensions(type, {
      project: P,
      definition: 'ds',
      campaign: 'c',
      stage: 'reco',
    });
    expect((await catalog.listFiles(dims)).sort()).toEqual(files);
  });
});
