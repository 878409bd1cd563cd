import type {
  DerivedStatus,
  InputSpec,
  Observed,
  RecoveryOf,
  ResolvedCampaign,
  ResolvedStage,
  SubmissionRecord,
} from '../model/index.js';
import { stageId } from '../desired/desired.js';
import { jobTypeOf, type Indexes } from './indexes.js';
import { SETTLED } from './status.js';
import type { Note } from './types.js';

/** A submission a stage should have: its slice, what it consumes and why. */
export interface Want {
  slice: string;
  input: InputSpec;
  parent?: string;
  recovery?: RecoveryOf;
  overrides?: Array<[string, string]>;
  reason: string;
}

export interface WantsContext {
  ix: Indexes;
  observed: Observed;
  /** Statuses after this pass's completion decisions. */
  status: ReadonlyMap<string, DerivedStatus>;
  notes: Note[];
}

/** A catalog definition name made from a key: SAM names allow letters, digits and '_'. */
export function definitionName(prefix: string, key: string): string {
  return `${prefix}_${key.replace(/[^A-Za-z0-9]+/g, '_')}`;
}

/** The slice name of a split position: split-N, and split-N.rG after the G-th reset. */
export function sliceName(position: number, generation: number): string {
  return `split-${position + 1}${generation ? `.r${generation}` : ''}`;
}

const settledIn = (ctx: WantsContext, key: string) => SETTLED.has(ctx.status.get(key)!);

/**
 * A split stage wants its next slice (computed by observe from the split's stored position,
 * counted in the catalog when an empty slice ends the split) while fewer than
 * `slicesInFlight` of its slices are in flight. One new slice per pass.
 */
function splitWants(
  ctx: WantsContext,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: readonly SubmissionRecord[],
): Want[] {
  const id = stageId({ campaign: campaign.name, stage: stage.name });
  const base = { campaign: campaign.name, stage: stage.name };
  const obs = ctx.observed.splits[id];
  if (!obs) {
    ctx.notes.push({ kind: 'waiting', ...base, message: `${id}: split position not observed` });
    return [];
  }
  if ('done' in obs) {
    ctx.notes.push({
      kind: 'exhausted',
      ...base,
      message: `${id}: split ${stage.split.type} has no slice to launch now: ${obs.done}`,
    });
    return [];
  }
  let inFlight = 0;
  for (const r of stageRecords)
    if (r.slice.startsWith('split-') && !r.recovery && !settledIn(ctx, r.key)) inFlight++;
  if (inFlight >= stage.slicesInFlight) return [];
  const slice = obs.next;
  const what = slice.definition ?? slice.value;
  return [
    {
      slice: sliceName(slice.position, slice.generation),
      input: { kind: 'split', slice },
      reason: `slice ${slice.position + 1} of split ${stage.split.type}: ${what}`,
    },
  ];
}

/** What a stage without parents consumes: nothing (Monte Carlo), its dataset, or a split. */
function sourceWants(
  ctx: WantsContext,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: readonly SubmissionRecord[],
): Want[] {
  const id = stageId({ campaign: campaign.name, stage: stage.name });
  if (stage.dataset.kind === 'none') {
    return Array.from({ length: stage.submissions }, (_, i) => ({
      slice: `mc-${i + 1}`,
      input: { kind: 'none' },
      reason: `Monte Carlo submission ${i + 1} of ${stage.submissions}`,
    }));
  }
  if (stage.split.type !== 'none') return splitWants(ctx, campaign, stage, stageRecords);
  const ds = stage.dataset;
  const input: InputSpec =
    ds.kind === 'definition'
      ? { kind: 'dataset', definition: ds.name }
      : {
          kind: 'dataset',
          definition: definitionName('gitpoms', `${id}/all`),
          dimensions: ds.kind === 'query' ? ds.dimensions : '',
        };
  return [
    {
      slice: 'all',
      input,
      reason: `dataset ${ds.kind === 'definition' ? ds.name : 'query'}, unsplit`,
    },
  ];
}

/**
 * A dependent stage wants one submission per located parent submission. A located recovery
 * also carries the outputs of the failed submissions before it in its chain: they never fed a
 * dependent of their own.
 */
function parentWants(ctx: WantsContext, campaign: ResolvedCampaign, stage: ResolvedStage): Want[] {
  const wants: Want[] = [];
  stage.dependsOn.forEach((dep, di) => {
    const parents = ctx.ix.byStage.get(stageId(dep)) ?? [];
    const single = stage.dependsOn.length === 1 && dep.campaign === campaign.name;
    for (const p of parents) {
      if (ctx.status.get(p.key) !== 'located') continue;
      const failedBefore = p.recovery ? failedBeforeIn(ctx, p, p.recovery) : [];
      const sources = [...failedBefore.map((r) => r.key), p.key];
      wants.push({
        slice: single ? p.slice : `${dep.campaign}.${dep.stage}.${p.slice}`,
        parent: p.key,
        input: {
          kind: 'parent',
          parent: p.key,
          sources,
          definition: definitionName('gitpoms_depends', `${p.key}_${di + 1}`),
          filePatterns: dep.filePatterns,
        },
        reason: failedBefore.length
          ? `recovery ${p.key} is located; with the outputs of ${failedBefore.map((r) => r.key).join(', ')}`
          : `parent ${p.key} is located`,
      });
    }
  });
  return wants;
}

/** The failed original and failed earlier recoveries of a recovery's chain, in record order. */
function failedBeforeIn(
  ctx: WantsContext,
  p: SubmissionRecord,
  recovery: RecoveryOf,
): SubmissionRecord[] {
  const orig = ctx.ix.records[ctx.ix.position.get(recovery.of) ?? -1];
  const chain = [
    ...(orig && orig.campaign === p.campaign && orig.stage === p.stage ? [orig] : []),
    ...(ctx.ix.recoveriesOf.get(recovery.of) ?? []).filter(
      (r) => r.campaign === p.campaign && r.stage === p.stage && r.recovery!.index < recovery.index,
    ),
  ];
  return chain
    .filter((r) => ctx.status.get(r.key) === 'failed')
    .sort((a, b) => ctx.ix.position.get(a.key)! - ctx.ix.position.get(b.key)!);
}

/**
 * Recoveries: for each located or failed original submission, the next recovery type in its
 * job type's list with files to recover, once the previous recovery has settled.
 */
function recoveryWants(
  ctx: WantsContext,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
  stageRecords: readonly SubmissionRecord[],
): Want[] {
  const recoveries = jobTypeOf(ctx.ix, stage).recoveries;
  if (recoveries.length === 0) return [];
  const wants: Want[] = [];
  for (const orig of stageRecords) {
    if (orig.recovery) continue;
    const st = ctx.status.get(orig.key);
    if (st !== 'located' && st !== 'failed') continue;
    const chain = (ctx.ix.recoveriesOf.get(orig.key) ?? []).filter(
      (r) => r.campaign === orig.campaign && r.stage === orig.stage,
    );
    const last = chain[chain.length - 1];
    if (last && !settledIn(ctx, last.key)) continue;
    const latest = last ?? orig;
    const files = ctx.observed.recoveryFiles[latest.key];
    for (let i = (last?.recovery?.index ?? 0) + 1; i <= recoveries.length; i++) {
      const r = recoveries[i - 1]!;
      const n = files?.[r.type];
      // A located submission whose jobs the batch system forgot has none known to rerun.
      if (n === undefined && r.type === 'failed_jobs' && ctx.status.get(latest.key) === 'located')
        continue;
      if (n === undefined) {
        ctx.notes.push({
          kind: 'waiting',
          campaign: campaign.name,
          stage: stage.name,
          key: latest.key,
          message:
            r.type === 'failed_jobs'
              ? `${latest.key}: recovery failed_jobs needs its jobs, which the batch system does not show`
              : `${latest.key}: waiting for the catalog to count files for recovery ${r.type}`,
        });
        break;
      }
      if (n === 0) continue;
      const processes = ctx.observed.rerun?.[latest.key];
      if (r.type === 'failed_jobs' && !processes) continue;
      wants.push({
        slice: `${orig.slice}+r${i}`,
        recovery: { of: orig.key, type: r.type, index: i },
        input:
          r.type === 'failed_jobs'
            ? { kind: 'rerun', of: latest.key, processes: processes! }
            : {
                kind: 'recovery',
                of: latest.key,
                type: r.type,
                definition: definitionName('gitpoms_recovery', `${orig.key}_r${i}`),
              },
        overrides: r.overrides,
        reason:
          r.type === 'failed_jobs'
            ? `recovery ${i} (failed_jobs) of ${orig.key}: ${n} job(s) of ${latest.key} did not succeed; running them again (process ${processes!.join(', ')})`
            : `recovery ${i} (${r.type}) of ${orig.key}: ${n} file(s) to recover`,
      });
      break;
    }
  }
  return wants;
}

/** Every submission a stage should have now, in a stable order. */
export function wantedSubmissions(
  ctx: WantsContext,
  campaign: ResolvedCampaign,
  stage: ResolvedStage,
): Want[] {
  const stageRecords = ctx.ix.byStage.get(stageId({ campaign: campaign.name, stage: stage.name }));
  const recs = stageRecords ?? [];
  return [
    ...(stage.dependsOn.length === 0 ? sourceWants(ctx, campaign, stage, recs) : []),
    ...parentWants(ctx, campaign, stage),
    ...recoveryWants(ctx, campaign, stage, recs),
  ];
}
