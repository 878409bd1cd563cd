import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localTransfer } from './transfer.js';

const root = mkdtempSync(path.join(tmpdir(), 'gitpoms-transfer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('local transfer', () => {
  it('fetches from a logical location under its root and stores to a new destination', () => {
    const t = localTransfer(path.join(root, 'storage'));
    mkdirSync(path.join(root, 'storage/pnfs/sbnd/gen'), { recursive: true });
    writeFileSync(path.join(root, 'storage/pnfs/sbnd/gen/a.root'), 'events');
    const work = path.join(root, 'work');
    mkdirSync(work);
    t.fetch('/pnfs/sbnd/gen/', 'a.root', path.join(work, 'a.root'));
    expect(readFileSync(path.join(work, 'a.root'), 'utf8')).toBe('events');
    t.store(path.join(work, 'a.root'), '/pnfs/sbnd/g4/');
    expect(readFileSync(path.join(root, 'storage/pnfs/sbnd/g4/a.root'), 'utf8')).toBe('events');
    expect(() => t.fetch('/pnfs/sbnd/none/', 'b.root', path.join(work, 'b.root'))).toThrow(
      /ENOENT/,
    );
  });
});
