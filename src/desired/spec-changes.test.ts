import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../model/index.js';
import { campaignsChanged } from './spec-changes.js';

/** A desired state of campaigns named by their stages' job type and template. */
function desired(
  campaigns: Record<string, { jobType?: string; template?: string; extra?: string }>,
  more: Partial<DesiredState> = {},
): DesiredState {
  return {
    campaigns: Object.entries(campaigns).map(([name, c]) => ({
      name,
      experiment: name.startsWith('dune') ? 'dune' : 'sbnd',
      stages: [
        {
          name: 'gen',
          experiment: name.startsWith('dune') ? 'dune' : 'sbnd',
          jobType: c.jobType ?? 'jt',
          launchTemplate: c.template ?? 'lt',
          tags: c.extra ? [c.extra] : [],
        },
      ],
    })),
    jobTypes: [{ name: 'jt', experiment: 'sbnd', outputFilesPerJob: 1 }],
    launchTemplates: [{ name: 'lt', experiment: 'sbnd', host: 'a' }],
    services: [],
    defaults: { x: 1 },
    ...more,
  } as unknown as DesiredState;
}

describe('the campaigns a change touches', () => {
  const base = desired({ a: {}, b: { jobType: 'other' }, dune1: {} });
  it.each([
    ['nothing changed', desired({ a: {}, b: { jobType: 'other' }, dune1: {} }), []],
    [
      'one campaign edited',
      desired({ a: { extra: 't' }, b: { jobType: 'other' }, dune1: {} }),
      ['a'],
    ],
    ['one added, one removed', desired({ a: {}, c: { jobType: 'other' }, dune1: {} }), ['b', 'c']],
    [
      'a job type its stages use',
      desired(
        { a: {}, b: { jobType: 'other' }, dune1: {} },
        { jobTypes: [{ name: 'jt', experiment: 'sbnd', outputFilesPerJob: 2 }] as never },
      ),
      ['a'],
    ],
    [
      'a launch template its stages use',
      desired(
        { a: {}, b: { jobType: 'other' }, dune1: {} },
        { launchTemplates: [{ name: 'lt', experiment: 'sbnd', host: 'b' }] as never },
      ),
      ['a', 'b'],
    ],
    [
      "a service of the campaign's experiment",
      desired(
        { a: {}, b: { jobType: 'other' }, dune1: {} },
        { services: [{ name: 'sam', experiment: 'dune' }] as never },
      ),
      ['dune1'],
    ],
  ])('%s', (_, head, touched) => {
    expect([...campaignsChanged(base, head)!].sort()).toEqual(touched);
  });

  it('every campaign when the defaults change', () => {
    expect(campaignsChanged(base, { ...base, defaults: { x: 2 } as never })).toBeUndefined();
  });
});
