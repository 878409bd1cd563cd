import type { Catalog } from '../adapters/catalog/types.js';
import { sliceName } from '../plan/plan.js';
import type { ResolvedStage, SplitState } from '../model/index.js';
import { splitSlice } from '../plan/splits.js';
import { datasetText } from '../desired/rules/index.js';
import { nextSlice } from './observe.js';

export interface PreviewRow {
  slice: string;
  definition?: string;
  value?: string;
  dimensions?: string;
  /** Files the slice selects now; undefined when it names no catalog query (multiparam). */
  files?: number;
}

export interface Preview {
  stage: string;
  split: string;
  state: SplitState;
  slices: PreviewRow[];
  /** Why the preview stopped before `calls` slices, when it did. */
  end?: string;
}

/**
 * The next slices of a split stage, as the reconciler would launch them, without creating
 * definitions, taking snapshots or launching. Slices whose files accumulate in a snapshot
 * (drainingn, stagedfiles) are simulated by taking N files at a time from what the split
 * has not covered yet; their dimension strings name the snapshot each launch would take.
 * byexistingruns shows its next slice only: the one after depends on the run files it takes.
 */
export async function previewSplit(
  catalog: Catalog,
  stage: ResolvedStage,
  state: SplitState,
  now: Date,
  calls: number,
): Promise<Preview> {
  const id = `${stage.campaign}/${stage.name}`;
  const dataset = datasetText(stage.dataset);
  const out: Preview = { stage: id, split: stage.split.type, state, slices: [] };
  const row = (s: {
    position: number;
    generation: number;
    definition?: string;
    value?: string;
    dimensions?: string;
  }): PreviewRow => ({
    slice: sliceName(s.position, s.generation),
    ...(s.definition ? { definition: s.definition } : {}),
    ...(s.value !== undefined ? { value: s.value } : {}),
    ...(s.dimensions ? { dimensions: s.dimensions } : {}),
  });
  if (stage.split.type === 'drainingn' || stage.split.type === 'stagedfiles') {
    const n = stage.split.n;
    const first = splitSlice(stage.split, dataset, state, now);
    if ('done' in first) return { ...out, end: first.done };
    // Everything not yet covered, in the catalog's order: what the successive limits take.
    const pool = await catalog.listFiles(first.dimensions!.replace(/ with limit \d+ *$/, ''));
    for (let k = 0; k < calls; k++) {
      const files = pool.slice(k * n, (k + 1) * n).length;
      if (files === 0) return { ...out, end: `slice ${state.position + k + 1} selects no files` };
      const s =
        k === 0
          ? first
          : splitSlice(stage.split, dataset, { ...state, position: state.position + k }, now);
      if ('done' in s) return { ...out, end: s.done };
      const dims =
        k === 0
          ? s.dimensions
          : s.dimensions!.replace(
              /( with limit \d+ *)$/,
              ` minus snapshot_id <after slice ${state.position + k}>$1`,
            );
      out.slices.push({ ...row({ ...s, dimensions: dims! }), files });
    }
    return out;
  }
  let st = state;
  for (let k = 0; k < calls; k++) {
    const r = await nextSlice(catalog, stage.split, dataset, st, now);
    if ('done' in r) return { ...out, end: r.done };
    const s = r.next;
    let files: number | undefined;
    if (s.dimensions) files = await catalog.countFiles(s.dimensions);
    else if (s.definition && (await catalog.describeDefinition(s.definition)) !== undefined)
      files = await catalog.countFiles(`defname: ${s.definition}`);
    out.slices.push({ ...row(s), ...(files !== undefined ? { files } : {}) });
    if (s.accumulates) {
      if (k + 1 < calls) out.end = 'the slice after depends on the files this one takes';
      return out;
    }
    st = { ...st, ...s.next };
  }
  return out;
}
