import { describe, expect, it } from 'vitest';
import type { SplitSpec } from '../model/index.js';
import { parseDuration, parseSplit } from './split.js';

describe('parseSplit: POMS syntax and objects', () => {
  it.each<[string | Parameters<typeof parseSplit>[0], SplitSpec]>([
    ['none', { type: 'none' }],
    ['None', { type: 'none' }],
    ['list', { type: 'list' }],
    ['multiparam', { type: 'multiparam' }],
    ['mod(4)', { type: 'mod', n: 4 }],
    ['nfiles(10)', { type: 'nfiles', n: 10 }],
    [' nfiles( 10 ) ', { type: 'nfiles', n: 10 }],
    ['limitn(100)', { type: 'limitn', n: 100 }],
    ['drainingn(25)', { type: 'drainingn', n: 25 }],
    ['stagedfiles(5)', { type: 'stagedfiles', n: 5 }],
    ['byrun(low=10,high=20)', { type: 'byrun', low: 10, high: 20 }],
    ['byrun(low=10, high=20)', { type: 'byrun', low: 10, high: 20 }],
    ['byrun', { type: 'byrun', low: 1, high: 999999 }],
    ['byexistingruns', { type: 'byexistingruns' }],
    ['draining', { type: 'draining' }],
    ['new', { type: 'new', windowSeconds: 604800, ftsSeconds: 1800, localtime: false }],
    [
      'new(window=1d,round=1h,fts=10m,lasttime=1700000000)',
      {
        type: 'new',
        windowSeconds: 86400,
        roundSeconds: 3600,
        ftsSeconds: 600,
        localtime: false,
        lasttime: '1700000000',
      },
    ],
    ['new(window=1h,fts=0)', { type: 'new', windowSeconds: 3600, ftsSeconds: 0, localtime: false }],
    [
      { type: 'nfiles', n: 3 },
      { type: 'nfiles', n: 3 },
    ],
    [
      { type: 'byrun', low: 5 },
      { type: 'byrun', low: 5, high: 999999 },
    ],
  ])('%j', (input, expected) => {
    expect(parseSplit(input)).toEqual(expected);
  });

  it.each([
    ['nfiles(x)', 'nfiles(x): the count must be a whole number of at least 1'],
    ['nfiles(0)', 'nfiles(0): the count must be a whole number of at least 1'],
    ['nfiles', 'split type nfiles needs a count, e.g. nfiles(10)'],
    ['mod_3', '"mod_3" is not a split type; write it as POMS does'],
    ['chunks(3)', 'unknown split type "chunks"'],
    ['list(3)', 'split type list takes no parameters'],
    ['byrun(low=5,high=5)', 'byrun(low=5,high=5): high is exclusive and must be above low'],
    ['byrun(lo=5)', 'split type byrun takes no parameter "lo" (it takes low, high)'],
    ['new(window=soon)', 'new(window=soon): a duration is a number with w, d, h, m or s'],
    ['new(window=0)', 'new(window=0): a duration is a number with w, d, h, m or s, above 0'],
    ['new(fts=-1m)', 'new(fts=-1m): a duration is a number with w, d, h, m or s'],
    ['new(3)', 'split type new takes name=value parameters, not "3"'],
    ['nfiles(10', '"nfiles(10" is not a split type'],
  ])('%s is refused', (input, message) => {
    expect(parseSplit(input)).toContain(message);
  });

  it('reads POMS durations', () => {
    expect([
      parseDuration('1w'),
      parseDuration('2d'),
      parseDuration('90'),
      parseDuration('1.5h'),
      parseDuration('x'),
    ]).toEqual([604800, 172800, 90, 5400, undefined]);
  });
});

describe('split values that are garbage', () => {
  it.each([
    ['nfiles(99999999999999999999)', /count must be at most 2147483647/],
    ['nfiles(2147483648)', /count must be at most 2147483647/],
    ['byrun(low=1,high=99999999999999999999)', /byrun high=.*: must be a run number/],
    [
      'new(firsttime=yesterday)',
      /new\(firsttime=yesterday\): a time is epoch seconds or an ISO date/,
    ],
    ['new(lasttime=2026-13-45)', /new\(lasttime=2026-13-45\): a time is/],
    [
      'new(firsttime=2026-11-02T00:00:00Z,lasttime=2026-11-01T00:00:00Z)',
      /the last time must be after the first/,
    ],
  ])('%s', (text, why) => {
    expect(parseSplit(text)).toMatch(why);
  });

  it('takes the largest count, and times in both forms', () => {
    expect(parseSplit('nfiles(2147483647)')).toEqual({ type: 'nfiles', n: 2147483647 });
    expect(parseSplit('new(firsttime=1767225600,lasttime=2026-02-01T00:00:00Z)')).toMatchObject({
      type: 'new',
      firsttime: '1767225600',
    });
  });
});
