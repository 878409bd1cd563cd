import type { DesiredState, Observed, OperatorOverride, SubmissionRecord } from '../model/index.js';
import { completionStep } from './completion.js';
import { buildIndexes } from './indexes.js';
import { jobActionsStep } from './job-actions.js';
import { launchStep } from './launches.js';
import { countActions, orderActions } from './order.js';
import { applyOverrides, overrideNotes } from './overrides.js';
import { pruneStep } from './prune.js';
import { deriveStatuses, settle, statusNotes } from './status.js';
import { summarize } from './summary.js';
import type { Plan } from './types.js';

export { LOCATE_GRACE_MS } from './completion.js';
export { jobsBySubmission } from './indexes.js';
export { MAX_LAUNCH_ATTEMPTS, submissionKey } from './launches.js';
export { ACTION_ORDER } from './order.js';
export { applyOverrides } from './overrides.js';
export { deriveStatus } from './status.js';
export { definitionName, sliceName } from './wants.js';

/**
 * The pure diff of what the spec wants against what exists: a total, deterministic list of
 * actions with reasons, plus notes on what is waiting and why. No I/O, no clock.
 *
 * Composed of steps over indexes built once, each linear in its input. Status derivation
 * comes first and is explicit: completion decides which finished submissions are located or
 * failed, and launches and the summary see the statuses after those decisions, so a dependent
 * launches in the same pass its parent is marked located. Notes come in step order: overrides,
 * status, completion, job actions, prune, launches.
 */
export function plan(
  spec: DesiredState,
  observed: Observed,
  records: readonly SubmissionRecord[],
  now: Date,
  overrides: readonly OperatorOverride[] = [],
): Plan {
  const { desired, launchNow, launchesHeld, submissions } = applyOverrides(spec, overrides);
  const ix = buildIndexes(desired, observed, records);
  const derived = deriveStatuses(ix);
  const completion = completionStep(ix, derived, observed, now);
  const status = settle(derived, completion.settled);
  const steps = [
    overrideNotes(overrides),
    statusNotes(ix, derived),
    completion,
    jobActionsStep(ix, submissions),
    pruneStep(ix, overrides),
    launchStep({ ix, desired, observed, status, now, launchNow, launchesHeld, submissions }),
  ];
  const actions = orderActions(
    ix,
    steps.flatMap((s) => s.actions),
  );
  return {
    now: now.toISOString(),
    actions,
    notes: steps.flatMap((s) => s.notes),
    stages: summarize(ix, status, now),
    counts: countActions(actions),
  };
}
