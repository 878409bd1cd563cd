import { AdapterError, GitpomsError } from '../errors.js';
import type { DesiredState } from '../model/index.js';
import type { Action, JobAction, LaunchAction, MarkAction } from '../plan/types.js';
import { findJobType, findStage } from '../desired/desired.js';
import { batchForLaunch } from './batches.js';
import type { Deps } from './deps.js';
import { LaunchError, launchTemplateOf, renderSubmission, splitAdvance } from './launch.js';
import { pushTo } from '../group.js';

export interface ActionResult {
  action: Action;
  ok: boolean;
  error?: string;
  /** A launch's jobs, by id, when the batch system named them. */
  jobs?: string[];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

class UncertainSubmit extends Error {
  constructor(override readonly cause: AdapterError) {
    super(cause.message);
  }
}

/** After n transient submit failures of a key, wait 30 s × 2^(n-1), at most 30 min, before trying again. */
export function retryDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(30_000 * 2 ** (failures - 1), 30 * 60_000);
}

/**
 * Intent first, then the launch, then its outcome: a crash between leaves a pending intent
 * that the next pass resolves. A key whose submits failed transiently waits, backing off.
 * Returns the ids of the jobs launched, when known.
 */
async function launch(
  deps: Deps,
  desired: DesiredState,
  a: LaunchAction,
  since: number,
): Promise<string[] | undefined> {
  const failed = await deps.store.transientFailures(a.key);
  if (failed.last) {
    const next = new Date(failed.last.getTime() + retryDelayMs(failed.count));
    if (deps.clock() < next)
      throw new LaunchError(
        `deferred: ${failed.count} submit(s) of ${a.key} failed transiently; next try after ${next.toISOString()}`,
      );
  }
  const stage = findStage(desired, a);
  const template = launchTemplateOf(desired, a);
  const batch = batchForLaunch(deps.batch, template);
  const intent = await deps.store.beginLaunch(
    a,
    deps.revision,
    batch.name,
    stage && {
      stage,
      jobType: findJobType(desired, stage.experiment, a.jobType),
      launchTemplate: template,
    },
  );
  let project: string | undefined;
  let ids: string[] | undefined;
  try {
    const rendered = await renderSubmission(deps, desired, a);
    project = rendered.project;
    if (rendered.request) {
      // The batch system takes no fencing token: the lease is looked at again just before.
      if (deps.ownership && !deps.ownership.mayAct(a.campaign, since))
        throw new LaunchError(`the lease on ${a.campaign} ran out before the submit`);
      try {
        ids = await batch.submit(rendered.request);
      } catch (e) {
        // A transient failure (a timeout, an unreachable scheduler) may have reached the
        // batch system or not: the intent stays pending and the next pass looks for the
        // key's jobs, adopting them or launching again under the same key. Never twice.
        if (e instanceof AdapterError && e.retryable) throw new UncertainSubmit(e);
        throw e;
      }
    } else {
      ids = (await batch.observe()).filter((j) => j.submission === a.key).map((j) => j.id);
      if (!ids.length)
        throw new LaunchError(`the launch script ran but submitted no jobs labelled ${a.key}`);
    }
  } catch (e) {
    if (e instanceof UncertainSubmit) {
      await deps.store.noteIntent(intent, `transient: ${e.cause.message}`);
      throw e.cause;
    }
    await deps.store.finishLaunch(intent, { ok: false, error: message(e) });
    throw e;
  }
  const split = await splitAdvance(deps, a, project);
  await deps.store.finishLaunch(intent, {
    ok: true,
    ...(project ? { project } : {}),
    ...(split ? { split } : {}),
  });
  return ids;
}

async function jobAction(deps: Deps, a: JobAction): Promise<void> {
  const intent = await deps.store.beginAction(a.kind, a.key);
  try {
    if (a.kind === 'hold') await deps.batch.hold(a.jobs);
    else if (a.kind === 'release') await deps.batch.release(a.jobs);
    else await deps.batch.kill(a.jobs);
    if (a.kind !== 'kill') await deps.store.setHeld(a.key, a.kind === 'hold');
    await deps.store.finishAction(intent);
  } catch (e) {
    await deps.store.finishAction(intent, message(e));
    throw e;
  }
}

async function mark(deps: Deps, a: MarkAction): Promise<void> {
  await deps.store.setStatus(a.key, a.kind === 'mark-located' ? 'located' : 'failed', a.reason);
}

/** The backend a launch goes to; one its template names but the deployment lacks fails at launch. */
function batchNameOf(deps: Deps, desired: DesiredState, a: Action): string {
  try {
    return batchForLaunch(deps.batch, launchTemplateOf(desired, a as LaunchAction)).name;
  } catch {
    return deps.batch.name;
  }
}

/**
 * Interleaves actions round-robin between experiments, keeping each experiment's own order:
 * under a submit-rate limit one experiment's long list of launches cannot starve another's.
 */
export function fairOrder<A extends Action>(actions: readonly A[], desired: DesiredState): A[] {
  const experimentOf = new Map(desired.campaigns.map((c) => [c.name, c.experiment]));
  const lanes = new Map<string, A[]>();
  for (const a of actions) {
    const e = experimentOf.get(a.campaign) ?? '';
    pushTo(lanes, e, a);
  }
  const out: A[] = [];
  const queues = [...lanes.values()];
  for (let i = 0; out.length < actions.length; i++)
    for (const q of queues) if (i < q.length) out.push(q[i]!);
  return out;
}

/**
 * Carries out a plan in its order: bookkeeping and job actions first, launches last, each
 * kind with bounded concurrency. One failed action does not stop the others.
 */
export async function apply(
  deps: Deps,
  desired: DesiredState,
  actions: readonly Action[],
  since = Date.now(),
): Promise<ActionResult[]> {
  const results: ActionResult[] = [];
  const own = deps.ownership;
  const run = async (a: Action) => {
    let done: (() => void) | undefined;
    try {
      // The lease may have run short since the plan, or a replica joined that the campaign
      // now belongs to: then the next owner acts.
      if (own && !own.wants(a.campaign))
        throw new GitpomsError(
          'handed-over',
          `not acting on ${a.campaign}: it belongs to a replica that joined, which acts next`,
        );
      if (own && !own.mayAct(a.campaign, since))
        throw new GitpomsError(
          'lease-lost',
          `not acting on ${a.campaign}: this replica's lease on it ran out`,
        );
      // Its unit is not handed over while this runs.
      done = own?.begin(a.campaign);
      let jobs: string[] | undefined;
      if (a.kind === 'launch') jobs = await launch(deps, desired, a, since);
      else if ('jobs' in a) await jobAction(deps, a);
      else await mark(deps, a);
      await deps.store.audit({
        actor: 'reconciler',
        action: a.kind,
        target: a.key,
        detail: a.reason,
      });
      results.push({ action: a, ok: true, ...(jobs ? { jobs } : {}) });
    } catch (e) {
      if (e instanceof GitpomsError && e.code === 'handed-over')
        deps.log.info({ action: a.kind, key: a.key }, 'action left to the new owner');
      else deps.log.warn({ action: a.kind, key: a.key, err: message(e) }, 'action failed');
      results.push({ action: a, ok: false, error: message(e) });
    } finally {
      done?.();
    }
  };
  // Kinds run one after another (their documented order); actions of one kind run concurrently.
  const kinds = [...new Set(actions.map((a) => a.kind))];
  for (const kind of kinds) {
    const ofKind = fairOrder(
      actions.filter((a) => a.kind === kind),
      desired,
    );
    if (kind !== 'launch') await deps.queues.actions.addAll(ofKind.map((a) => () => run(a)));
    else {
      // A launch takes its experiment's and its batch backend's slot before a place in the queue.
      const experimentOf = new Map(desired.campaigns.map((c) => [c.name, c.experiment]));
      await Promise.all(
        ofKind.map((a) =>
          deps.queues.limits.run(
            {
              experiment: experimentOf.get(a.campaign) ?? '',
              batch: batchNameOf(deps, desired, a),
            },
            () => deps.queues.launches.add(() => run(a)),
          ),
        ),
      );
    }
  }
  return results;
}
