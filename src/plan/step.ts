import type { Action, Note } from './types.js';

/** What one planning step contributes. */
export interface StepResult {
  actions: Action[];
  notes: Note[];
}

export function emptyStep(): StepResult {
  return { actions: [], notes: [] };
}
