import { describe, expect, it } from 'vitest';
import { uniqueOutputName } from './names.js';

describe('unique output names', () => {
  const gen = { submission: 'sbnd-mcc-test-1/gen/mc-1#1', process: '3', inputs: [] };
  const g4 = { submission: 'sbnd-mcc-test-1/g4/mc-1#1', process: '0', inputs: ['gen_a.root'] };

  it('are the same for the same work, every time, whichever job did it', () => {
    expect(uniqueOutputName('gen.root', gen, 0)).toBe(uniqueOutputName('gen.root', gen, 0));
    expect(uniqueOutputName('gen.root', gen, 0)).toMatch(/^gen_[0-9a-f]{12}_0\.root$/);
    expect(uniqueOutputName('g4.root', g4, 0)).toBe(
      uniqueOutputName('g4.root', { ...g4, process: '7' }, 0),
    );
  });

  it('differ between submissions, inputs, processes without input and outputs of one job', () => {
    const names = [
      uniqueOutputName('gen.root', gen, 0),
      uniqueOutputName('gen.root', gen, 1),
      uniqueOutputName('gen.root', { ...gen, process: '4' }, 0),
      uniqueOutputName('gen.root', { ...gen, submission: 'sbnd-mcc-test-1/gen/mc-1+r1#1' }, 0),
      uniqueOutputName('gen.root', { ...g4, inputs: ['gen_b.root'] }, 0),
      uniqueOutputName('gen.root', g4, 0),
    ];
    expect(new Set(names).size).toBe(names.length);
  });

  it('keep the extension, or add none', () => {
    expect(uniqueOutputName('hist.tar.gz', gen, 0)).toMatch(/^hist\.tar_[0-9a-f]{12}_0\.gz$/);
    expect(uniqueOutputName('log', gen, 0)).toMatch(/^log_[0-9a-f]{12}_0$/);
  });
});
