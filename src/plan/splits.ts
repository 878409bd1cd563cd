import type { SliceDef, SplitSpec, SplitState } from '../model/index.js';
import { epochOf } from '../desired/split.js';

export type SliceResult = SliceDef | { done: string };

/** POMS's byexistingruns looks at one unprocessed file for its run: this is that query. */
export function unprocessedFileQuery(dataset: string, state: SplitState): string {
  return `defname: ${dataset}${minusLast(state)} with limit 1`;
}

const minusLast = (s: SplitState) => (s.last ? ` minus snapshot_id ${s.last}` : '');
/** POMS names these slices by the snapshot of what was taken before them (0 at first), not by position. */
const taken = (s: SplitState) => s.last ?? 0;
const gen = (s: SplitState) => (s.generation ? `_r${s.generation}` : '');

/** Formats epoch seconds as SAM's end_time strings: UTC, or the wall time of the zone given. */
export function samTime(epoch: number, timeZone: string | undefined): string {
  const d = new Date(epoch * 1000);
  if (timeZone === undefined) return d.toISOString().slice(0, 19);
  const two = '2-digit' as const;
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: two,
    day: two,
    hour: two,
    minute: two,
    second: two,
    hourCycle: 'h23',
  });
  const part = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return `${part.year}-${part.month}-${part.day}T${part.hour}:${part.minute}:${part.second}`;
}

/**
 * The next slice of a split, as POMS's split_types compute it, with its definition names and
 * dimension strings (so a real SAM sees the same queries). Pure: counting the files of a
 * slice, and finding byexistingruns' run, are the caller's (`run` is `RUN.SUBRUN`).
 *
 * Departures from POMS: names carry the position instead of a random uuid (limitn, byrun,
 * new), so a plan is reproducible; list entries are trimmed; a generation suffix after a
 * reset keeps definitions immutable.
 */
export function splitSlice(
  split: SplitSpec,
  dataset: string,
  state: SplitState,
  now: Date,
  run?: string,
): SliceResult {
  const k = state.position;
  const base = { type: split.type, position: k, generation: state.generation };
  const step = { position: k + 1, ...(state.last !== undefined ? { last: state.last } : {}) };
  switch (split.type) {
    case 'none':
      return { done: 'the stage is not split' };
    case 'list': {
      const entries = dataset
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean);
      if (k >= entries.length) return { done: `all ${entries.length} list entries launched` };
      return {
        ...base,
        definition: entries[k]!,
        countToEnd: false,
        accumulates: false,
        next: step,
      };
    }
    case 'multiparam': {
      const lists = JSON.parse(dataset) as string[][];
      const total = lists.reduce((n, l) => n * l.length, 1);
      if (k >= total) return { done: `all ${total} parameter combinations launched` };
      let n = k;
      const parts = lists.map((l) => {
        const v = l[n % l.length]!;
        n = Math.floor(n / l.length);
        return v;
      });
      return { ...base, value: parts.join('_'), countToEnd: false, accumulates: false, next: step };
    }
    case 'mod':
      if (k >= split.n) return { done: `all ${split.n} slices launched` };
      return {
        ...base,
        definition: `${dataset}_slice${k}_of_${split.n}${gen(state)}`,
        dimensions: `defname: ${dataset} with stride ${split.n} offset ${k}`,
        countToEnd: false,
        accumulates: false,
        next: step,
      };
    case 'nfiles':
      return {
        ...base,
        definition: `${dataset}_slice${k}_files${split.n}${gen(state)}`,
        dimensions: `defname: ${dataset} with limit ${split.n} offset ${k * split.n}`,
        countToEnd: true,
        accumulates: false,
        next: step,
      };
    case 'limitn':
      return {
        ...base,
        definition: `${dataset}_${k}_limit${split.n}${gen(state)}`,
        dimensions: `defname: ${dataset} with limit ${split.n}`,
        countToEnd: true,
        accumulates: false,
        next: step,
      };
    case 'byrun': {
      const r = split.low + k;
      if (r >= split.high) return { done: `runs ${split.low} to ${split.high - 1} launched` };
      return {
        ...base,
        definition: `${dataset}_run_${r}${gen(state)}`,
        dimensions: `defname: ${dataset} and run_number ${r}`,
        countToEnd: false,
        accumulates: false,
        next: step,
      };
    }
    case 'byexistingruns':
      if (run === undefined) return { done: 'no unprocessed file with run metadata is left' };
      return {
        ...base,
        definition: `${dataset}_slice_${taken(state)}_run_${run}${gen(state)}`,
        // Parenthesized: with 'and' binding tighter than 'minus', POMS's unparenthesized
        // form would subtract only the taken files of this run.
        dimensions: state.last
          ? `(defname: ${dataset}${minusLast(state)}) and run_number ${run}`
          : `defname: ${dataset} and run_number ${run}`,
        countToEnd: false,
        accumulates: true,
        next: step,
      };
    case 'draining':
      return { ...base, definition: dataset, countToEnd: false, accumulates: false, next: step };
    case 'drainingn':
      return {
        ...base,
        definition: `${dataset}_slice_${taken(state)}_stage_${split.n}${gen(state)}`,
        dimensions: `defname: ${dataset}${minusLast(state)} with limit ${split.n}`,
        countToEnd: true,
        accumulates: true,
        next: step,
      };
    case 'stagedfiles':
      return {
        ...base,
        definition: `${dataset}_slice_${taken(state)}_stage_${split.n}${gen(state)}`,
        dimensions: `project_name ${dataset} and consumed_status 'consumed'${minusLast(state)} with limit ${split.n}`,
        countToEnd: true,
        accumulates: true,
        next: step,
      };
    case 'new': {
      const nowS = Math.floor(now.getTime() / 1000);
      const round = Math.max(1, Math.floor(split.roundSeconds ?? 1));
      const window = Math.floor(split.windowSeconds) - (Math.floor(split.windowSeconds) % round);
      const lasttime = split.lasttime !== undefined ? epochOf(split.lasttime)! : nowS;
      let bound = lasttime - split.ftsSeconds - window;
      bound -= bound % round;
      let start: number;
      if (state.last === undefined) {
        start = split.firsttime !== undefined ? epochOf(split.firsttime)! : bound;
      } else {
        if (state.last > bound)
          return {
            done: `the next window starts at ${samTime(state.last, undefined)}Z and is not complete yet (window ${window} s, fts ${split.ftsSeconds} s)`,
          };
        start = state.last;
      }
      const end = start + window;
      const zone = split.localtime ? split.timeZone : undefined;
      return {
        ...base,
        definition: `${dataset}_time_${start}__${end}${gen(state)}`,
        dimensions: `defname: ${dataset} and end_time > '${samTime(start, zone)}' and end_time <= '${samTime(end, zone)}'`,
        countToEnd: false,
        accumulates: false,
        next: { position: k + 1, last: end },
      };
    }
  }
}
