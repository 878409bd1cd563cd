/**
 * An operator's hold, kill, launch-now or prune confirmation, in force until cleared, expired
 * or a new revision.
 */
export interface OperatorOverride {
  id: number;
  /** hold-launches: POMS's global launch switch, on EVERY_CAMPAIGN. */
  action: 'hold' | 'kill' | 'launch-now' | 'prune' | 'hold-launches';
  campaign: string;
  stage?: string;
  actor: string;
  reason: string;
  createdAt: string;
  revision?: string;
  expiresAt?: string;
}

/** The campaign a global override (the launch switch) names. */
export const EVERY_CAMPAIGN = '*';
