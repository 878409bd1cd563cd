import { describe, expect, it } from 'vitest';
import { exampleDesired } from '../../test/helpers/fixtures.js';
import type { MarkAction } from '../plan/types.js';
import { fairOrder } from './apply.js';

describe('fair order between experiments', () => {
  it('interleaves experiments round-robin and keeps each one’s own order', () => {
    const d = exampleDesired();
    const sbnd = d.campaigns.find((c) => c.experiment === 'sbnd')!.name;
    const dune = d.campaigns.filter((c) => c.experiment === 'dune').map((c) => c.name);
    const a = (campaign: string, key: string): MarkAction => ({
      kind: 'mark-located',
      campaign,
      stage: 's',
      key,
      reason: '',
    });
    const actions = [
      a(sbnd, 's1'),
      a(sbnd, 's2'),
      a(sbnd, 's3'),
      a(sbnd, 's4'),
      a(dune[0]!, 'd1'),
      a(dune[1]!, 'd2'),
    ];
    expect(fairOrder(actions, d).map((x) => x.key)).toEqual(['s1', 'd1', 's2', 'd2', 's3', 's4']);
    expect(fairOrder([], d)).toEqual([]);
  });
});
