import { CronExpressionParser } from 'cron-parser';

const FIELDS = [
  { name: 'minute', low: 0, high: 59 },
  { name: 'hour', low: 0, high: 23 },
  { name: 'day of month', low: 1, high: 31, any: true },
  { name: 'month', low: 1, high: 12, names: 'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC' },
  { name: 'day of week', low: 0, high: 7, any: true, names: 'SUN|MON|TUE|WED|THU|FRI|SAT' },
] as const;

/**
 * What is wrong with a five-field cron expression, or undefined. Stricter than cron-parser,
 * which takes a step of any size and `?` anywhere: a step must fit its field, and `?` (no
 * specific value) only stands for a day.
 */
export function cronProblem(expr: string): string | undefined {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return 'needs 5 fields';
  for (let i = 0; i < 5; i++) {
    const f = FIELDS[i]!;
    const names = 'names' in f ? `|${f.names}` : '';
    const value = `(\\d{1,2}${names})`;
    const item = new RegExp(`^(\\*|${value}(-${value})?)(/(\\d{1,4}))?$`, 'i');
    for (const p of parts[i]!.split(',')) {
      if (p === '?' && 'any' in f) continue;
      const m = item.exec(p);
      if (!m) return `"${p}" is not a ${f.name} (${f.low}-${f.high}${names ? ' or a name' : ''})`;
      const step = m[6] === undefined ? undefined : Number(m[6]);
      if (step !== undefined && (step < 1 || step > f.high - f.low + 1))
        return `the step /${step} of the ${f.name} field is outside 1-${f.high - f.low + 1}`;
    }
  }
  try {
    CronExpressionParser.parse(expr, { tz: 'UTC' });
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}
