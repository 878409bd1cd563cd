/**
 * Roles per experiment, as POMS has them (analysis < production-shifter < production <
 * superuser): each role may do what the ones below it may.
 */
export const ROLES = ['viewer', 'shifter', 'production', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Operator actions, and the least role that may take each. */
export const ACTION_ROLES = {
  hold: 'shifter',
  release: 'shifter',
  kill: 'shifter',
  'launch-now': 'shifter',
  prune: 'production',
  'split-reset': 'production',
  'hold-launches': 'admin',
  'allow-launches': 'admin',
} as const satisfies Record<string, Role>;
export type OperatorAction = keyof typeof ACTION_ROLES;

/** Who a request comes from, as its credential says. */
export interface Principal {
  /** A name for the audit log: the token's name. */
  name: string;
  role: Role;
  /** The experiments the role holds for; an admin holds it for every experiment. */
  experiments: readonly string[];
  tokenId?: string;
}

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);

export function roleAtLeast(role: Role, need: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(need);
}

/** May `p` act with role `need` on `experiment` (undefined: on nothing of one experiment)? */
export function mayAct(p: Principal, need: Role, experiment: string | undefined): boolean {
  if (!roleAtLeast(p.role, need)) return false;
  if (p.role === 'admin') return true;
  return experiment !== undefined && p.experiments.includes(experiment);
}

/** An API token as the store keeps it: its secret only as a salted scrypt hash. */
export interface StoredToken {
  id: string;
  name: string;
  role: Role;
  experiments: string[];
  salt: string;
  hash: string;
  createdAt: string;
  createdBy: string;
  expiresAt?: string;
  revokedAt?: string;
}
