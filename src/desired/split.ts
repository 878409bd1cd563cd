import type { Split, SplitSpec, SplitType } from '../model/index.js';

const COUNTED = ['mod', 'nfiles', 'limitn', 'drainingn', 'stagedfiles'] as const;
const BARE = ['none', 'list', 'multiparam', 'byexistingruns', 'draining'] as const;
export const SPLIT_TYPES: readonly SplitType[] = [
  'none',
  'list',
  'multiparam',
  'mod',
  'nfiles',
  'limitn',
  'byrun',
  'byexistingruns',
  'draining',
  'drainingn',
  'stagedfiles',
  'new',
];

/** Seconds in a POMS duration such as 1w, 2d, 6h, 30m, 90s or a bare number of seconds. */
/** The longest hold or token lifetime an operator may give: a year. */
export const MAX_OPERATOR_SECONDS = 366 * 86400;

/**
 * A duration an operator gives (a hold's "for", a token's expiry), in seconds: positive and
 * at most MAX_OPERATOR_SECONDS, else undefined (a date past year 275760 is no date at all).
 */
export function operatorDuration(s: string): number | undefined {
  const n = parseDuration(s);
  return n !== undefined && n > 0 && n <= MAX_OPERATOR_SECONDS ? n : undefined;
}

export function parseDuration(s: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([wdhms]?)\s*$/.exec(s);
  if (!m) return undefined;
  const unit = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, '': 1 }[m[2] as 'w'];
  return Number(m[1]) * unit;
}

/** Epoch seconds of a firsttime/lasttime value: a number of seconds, or an ISO date. */
export function epochOf(v: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.floor(Number(v));
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000);
}

type Params = Record<string, string | number | boolean | undefined>;

function parseString(text: string): { type: string; params: Params; positional?: string } | string {
  const m = /^\s*([A-Za-z_]+)\s*(?:\((.*)\))?\s*$/.exec(text);
  if (!m)
    return `"${text}" is not a split type; write it as POMS does, e.g. nfiles(10) or byrun(low=1,high=100)`;
  const type = m[1]!;
  const inner = m[2];
  if (inner === undefined || inner.trim() === '') return { type, params: {} };
  const parts = inner.split(',').map((p) => p.trim());
  if (parts.length === 1 && !parts[0]!.includes('='))
    return { type, params: {}, positional: parts[0]! };
  const params: Params = {};
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) return `"${p}" in ${text} must be name=value`;
    params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
  }
  return { type, params };
}

/** The largest count or run number a split takes: what SAM and SQL integers hold. */
export const MAX_SPLIT_NUMBER = 2_147_483_647;

function positiveInt(v: unknown): number | undefined {
  const n =
    typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SPLIT_NUMBER ? n : undefined;
}

/** Checks a split written as POMS text or as an object; returns the spec or a sentence saying what is wrong. */
export function parseSplit(split: Split): SplitSpec | string {
  let type: string;
  let params: Params;
  let positional: string | undefined;
  // What POMS writes for a stage it does not split (Python's None, as its campaign .ini has it).
  if (typeof split === 'string' && split.trim() === 'None') return { type: 'none' };
  if (typeof split === 'string') {
    const r = parseString(split);
    if (typeof r === 'string') return r;
    ({ type, params, positional } = r);
  } else {
    const { type: t, ...rest } = split;
    type = t;
    params = rest as Params;
    if (params.n !== undefined) positional = String(params.n);
  }
  const known = SPLIT_TYPES as readonly string[];
  if (!known.includes(type)) {
    return `unknown split type "${type}"; use one of ${SPLIT_TYPES.join(', ')}`;
  }
  const keys = Object.keys(params).filter((k) => k !== 'n');
  const allowKeys = (allowed: string[]): string | undefined => {
    const bad = keys.find((k) => !allowed.includes(k));
    return bad
      ? `split type ${type} takes no parameter "${bad}"${allowed.length ? ` (it takes ${allowed.join(', ')})` : ''}`
      : undefined;
  };
  if ((BARE as readonly string[]).includes(type)) {
    if (positional !== undefined || keys.length > 0)
      return `split type ${type} takes no parameters`;
    return { type } as SplitSpec;
  }
  if ((COUNTED as readonly string[]).includes(type)) {
    const bad = allowKeys([]);
    if (bad) return bad;
    const n = positiveInt(positional);
    if (n === undefined) {
      return positional === undefined
        ? `split type ${type} needs a count, e.g. ${type}(10)`
        : /^\s*\d+\s*$/.test(positional) && Number(positional) > MAX_SPLIT_NUMBER
          ? `${type}(${positional}): the count must be at most ${MAX_SPLIT_NUMBER}`
          : `${type}(${positional}): the count must be a whole number of at least 1`;
    }
    return { type: type as (typeof COUNTED)[number], n };
  }
  if (positional !== undefined)
    return `split type ${type} takes name=value parameters, not "${positional}"`;
  if (type === 'byrun') {
    const bad = allowKeys(['low', 'high']);
    if (bad) return bad;
    const low =
      params.low === undefined
        ? 1
        : (positiveInt(params.low) ?? (String(params.low).trim() === '0' ? 0 : undefined));
    const high = params.high === undefined ? 999999 : positiveInt(params.high);
    if (low === undefined)
      return `byrun low=${String(params.low)}: must be a run number from 0 to ${MAX_SPLIT_NUMBER}`;
    if (high === undefined)
      return `byrun high=${String(params.high)}: must be a run number from 1 to ${MAX_SPLIT_NUMBER}`;
    if (high <= low)
      return `byrun(low=${low},high=${high}): high is exclusive and must be above low`;
    return { type: 'byrun', low, high };
  }
  const bad = allowKeys(['window', 'round', 'fts', 'localtime', 'firsttime', 'lasttime']);
  if (bad) return bad;
  const dur = (name: string, dflt?: number, zero = false): number | undefined | string => {
    const v = params[name];
    if (v === undefined) return dflt;
    const s = parseDuration(String(v));
    return s === undefined || s < 0 || (s === 0 && !zero)
      ? `new(${name}=${String(v)}): a duration is a number with w, d, h, m or s${zero ? '' : ', above 0'}`
      : s;
  };
  const windowSeconds = dur('window', 604800);
  const roundSeconds = dur('round');
  // No delay for the catalog to register new files: POMS takes fts=0 as it is.
  const ftsSeconds = dur('fts', 1800, true);
  for (const v of [windowSeconds, roundSeconds, ftsSeconds]) if (typeof v === 'string') return v;
  const localtime =
    params.localtime === undefined
      ? false
      : ['true', '1', 'True'].includes(String(params.localtime));
  const times: Record<string, number> = {};
  for (const name of ['firsttime', 'lasttime'] as const) {
    const v = params[name];
    if (v === undefined) continue;
    const t = epochOf(String(v));
    if (t === undefined)
      return `new(${name}=${String(v)}): a time is epoch seconds or an ISO date such as 2026-11-01T00:00:00Z`;
    times[name] = t;
  }
  if (
    times.firsttime !== undefined &&
    times.lasttime !== undefined &&
    times.lasttime <= times.firsttime
  )
    return `new(firsttime=${String(params.firsttime)},lasttime=${String(params.lasttime)}): the last time must be after the first`;
  return {
    type: 'new',
    windowSeconds: windowSeconds as number,
    ...(roundSeconds !== undefined ? { roundSeconds: roundSeconds as number } : {}),
    ftsSeconds: ftsSeconds as number,
    localtime,
    ...(params.firsttime !== undefined ? { firsttime: String(params.firsttime) } : {}),
    ...(params.lasttime !== undefined ? { lasttime: String(params.lasttime) } : {}),
  };
}
