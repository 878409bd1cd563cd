import { describe, expect, it } from 'vitest';
import { cronProblem } from './schedule.js';

describe('cron schedules', () => {
  it.each(['10 */2 * * *', '0 0 * * MON-FRI', '*/15 8-18 * JAN,JUL 1-5', '0 0 ? * 0', '0 0 1 * ?'])(
    '"%s" is one',
    (e) => expect(cronProblem(e)).toBeUndefined(),
  );
  it.each([
    ['*/99999999999999999999 * * * *', /"\*\/99999999999999999999" is not a minute/],
    ['*/61 * * * *', /step \/61 of the minute field is outside 1-60/],
    ['? * * * *', /"\?" is not a minute/],
    ['60 * * * *', /expected range 0-59/],
    ['* * * *', /needs 5 fields/],
    ['0 0 31 2 *', /Invalid explicit day of month/],
    ['L * * * *', /"L" is not a minute/],
    ['*/0 * * * *', /step \/0 of the minute field/],
  ])('"%s" is not: %s', (e, why) => expect(cronProblem(e)).toMatch(why));
});
