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
  /** A hold or kill of one submission's jobs: its key (campaign and stage are its own). */
  submission?: string;
  actor: string;
  reason: string;
  createdAt: string;
  revision?: string;
  expiresAt?: string;
}

/** What an override is on, as plans and the audit log name it. */
export const overrideTarget = (o: Pick<OperatorOverride, 'campaign' | 'stage' | 'submission'>) =>
  o.submission ?? (o.stage ? `${o.campaign}/${o.stage}` : o.campaign);

/** The campaign a global override (the launch switch) names. */
export const EVERY_CAMPAIGN = '*';
