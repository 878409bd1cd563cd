/**
 * An operator's hold, kill, launch-now or prune confirmation, in force until cleared, expired
 * or a new revision.
 */
export interface OperatorOverride {
  id: number;
  action: 'hold' | 'kill' | 'launch-now' | 'prune';
  campaign: string;
  stage?: string;
  actor: string;
  reason: string;
  createdAt: string;
  revision?: string;
  expiresAt?: string;
}
