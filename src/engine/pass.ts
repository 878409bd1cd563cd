import { plan } from '../plan/plan.js';
import type { DesiredState, Observed, ObservedJob } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import { apply, type ActionResult } from './apply.js';
import type { Deps } from './deps.js';
import {
  observe,
  observeCatalog,
  observeJobs,
  observeSplits,
  type Observation,
} from './observe.js';
import type { LiveJobs } from './live-jobs.js';
import type { Store } from '../adapters/store/types.js';
import type { Catalog } from '../adapters/catalog/types.js';
import { projectName } from '../job/dimensions.js';
import { splitAdvance } from './launch.js';
import { campaignOfKey } from '../adapters/store/types.js';
import { planScope, recordsOf, scopedDesired } from './scope.js';
import { pushTo } from '../group.js';

/**
 * Resolves launches a crashed pass left half done: jobs carrying the key mean the launch
 * happened; no jobs mean it did not, and the submission is forgotten so the next plan
 * launches it again under the same key. Either way, never twice.
 */
export async function recoverIntents(deps: Deps, since = Date.now()): Promise<number> {
  // A replica resolves only the intents of campaigns it holds; the others are their owners'.
  const pending = (await deps.store.pendingIntents()).filter(
    (it) => !deps.ownership || deps.ownership.mayAct(campaignOfKey(it.key), since),
  );
  if (pending.length === 0) return 0;
  const labels = new Set((await deps.batch.observe()).map((j) => j.submission));
  for (const it of pending) {
    if (it.kind === 'launch') {
      if (!labels.has(it.key) && deps.ownership?.mayStillSubmit(it.createdAt)) {
        // Another replica's submit may still be on its way to the batch system: forgetting
        // the launch now could launch it twice. Later passes look again.
        deps.log.info({ key: it.key }, 'a launch begun by a replica is left to finish');
        continue;
      }
      if (labels.has(it.key)) {
        // The project name follows from the key; it exists when the launch had input.
        const project = projectName(it.key);
        const known = (await deps.catalog.projectInfo(project)) !== undefined;
        const sub = await deps.store.submission(it.key);
        const split = sub && (await splitAdvance(deps, sub, known ? project : undefined));
        await deps.store.finishLaunch(it.id, {
          ok: true,
          ...(known ? { project } : {}),
          ...(split ? { split } : {}),
        });
        deps.log.info({ key: it.key }, 'adopted jobs of an interrupted launch');
      } else {
        // A transient submit failure keeps its word ("transient: …"): retries back off on it.
        await deps.store.abandonLaunch(
          it.id,
          it.detail ?? 'the reconciler stopped before the jobs reached the batch system',
        );
        deps.log.info(
          { key: it.key, detail: it.detail },
          'forgot a launch whose jobs never reached the batch system',
        );
      }
    } else {
      // Hold, release and kill are idempotent: the next plan repeats any that did not take.
      await deps.store.finishAction(it.id, 'interrupted; the next pass re-plans it');
    }
  }
  return pending.length;
}

const leaseLost = (e: unknown) => (e as { code?: unknown }).code === 'lease-lost';

/**
 * Records the jobs launched as submitted. Those of a campaign handed over meanwhile (a replica
 * joined during the pass) are left to its new owner, which observes them.
 */
async function recordLaunched(deps: Deps, jobs: readonly ObservedJob[]): Promise<void> {
  if (!jobs.length) return;
  const at = deps.clock().toISOString();
  const own = deps.ownership;
  if (!own) return deps.store.recordJobs(jobs, at);
  const byCampaign = new Map<string, ObservedJob[]>();
  for (const j of jobs) pushTo(byCampaign, campaignOfKey(j.submission), j);
  const held = [...byCampaign].filter(([c]) => own.mayAct(c));
  try {
    await deps.store.recordJobs(
      held.flatMap(([, js]) => js),
      at,
    );
  } catch (e) {
    if (!leaseLost(e)) throw e;
    // One of them went while the write was under way: each of the others on its own.
    for (const [, js] of held)
      await deps.store.recordJobs(js, at).catch((e: unknown) => {
        if (!leaseLost(e)) throw e;
      });
  }
}

export interface PassResult extends Observation {
  plan: Plan;
  results: ActionResult[];
  /** The campaigns planned (undefined: all of them): a replica's, or a keyed pass's. */
  scope?: ReadonlySet<string>;
}

export interface PassOptions {
  /** The latest probe results. */
  services?: Observed['services'];
  /** Kept up to date with this pass's observation of the batch system. */
  cache?: LiveJobs;
  /**
   * Plan only these campaigns (with those they depend on), their jobs from `cache` when it
   * knows them all. Without: every campaign.
   */
  campaigns?: Iterable<string>;
}

/** One pass: observe in bulk, plan (pure), apply. */
export async function reconcileOnce(
  deps: Deps,
  desired: DesiredState,
  extra: PassOptions = {},
): Promise<PassResult> {
  // A replica acts only on campaigns it held before it looked: what it saw is after the last
  // owner's last write.
  const since = Date.now();
  await recoverIntents(deps, since);
  const own = deps.ownership;
  const { cache } = extra;
  const keyed = extra.campaigns && [...extra.campaigns];
  const owned = own ? new Set(own.acting(since)) : undefined;
  // A replica plans what it owns, with what that depends on; the rest is another's.
  const wanted = keyed && owned ? keyed.filter((c) => owned.has(c)) : (keyed ?? owned);
  const scope = wanted ? planScope(desired, wanted) : undefined;
  const view = scopedDesired(desired, scope);
  let jobs: ObservedJob[];
  // A pass over a few campaigns plans from the jobs as last observed, unless some are unknown.
  if (keyed && cache?.knows(scope!)) jobs = cache.of(scope!);
  else {
    jobs = await observeJobs(deps, since);
    cache?.replace(jobs);
  }
  const { observed, records } = await observe(deps, view, since, scope, jobs);
  observed.services = extra.services ?? {};
  const overrides = await deps.store.activeOverrides(deps.clock(), deps.revision);
  const p = plan(view, observed, records, deps.clock(), overrides);
  const results = await apply(
    deps,
    desired,
    own ? p.actions.filter((a) => own.mayAct(a.campaign, since)) : p.actions,
    since,
  );
  // The jobs launched are recorded as submitted: a server that only shows reads the store,
  // and the pass that next plans their campaign may be one that does not observe.
  await recordLaunched(deps, cache?.applied(results) ?? []);
  // A launch-now is spent once its stage has launched.
  for (const o of overrides.filter((x) => x.action === 'launch-now')) {
    const launched = results.some(
      (r) =>
        r.ok &&
        r.action.kind === 'launch' &&
        r.action.campaign === o.campaign &&
        (!o.stage || r.action.stage === o.stage),
    );
    if (launched)
      await deps.store.clearOverrides(
        { campaign: o.campaign, ...(o.stage ? { stage: o.stage } : {}), actions: ['launch-now'] },
        'used',
      );
  }
  return {
    plan: p,
    results,
    observed,
    records,
    ...(scope ? { scope } : {}),
  };
}

/**
 * The plan a pass would make now from what is recorded, reading only: the store's records and
 * the acting reconciler's last observation of the jobs, and the catalog. No batch query.
 */
export async function planFromStore(
  store: Store,
  catalog: Catalog,
  desired: DesiredState,
  now: Date,
  revision: string | undefined,
  services: Observed['services'] = {},
  /** Only these campaigns (and what they depend on), as a replica views its others'. */
  only?: Iterable<string>,
): Promise<Plan> {
  const scope = only ? planScope(desired, only) : undefined;
  const view = scopedDesired(desired, scope);
  const records = await recordsOf(store, scope);
  const jobs = await store.jobs();
  const observed = await observeCatalog(catalog, view, records, jobs, now);
  observed.splits = await observeSplits(catalog, view, await store.splitStates(), now);
  observed.services = services;
  return plan(view, observed, records, now, await store.activeOverrides(now, revision));
}
