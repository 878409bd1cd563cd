// What changed between two resolved specs (gitpoms diff, and the dashboard's plan page).
import type { DesiredState } from '../model/index.js';

export interface SpecChange {
  kind: 'added' | 'removed' | 'changed';
  what: string;
  fields?: string[];
}

function indexBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T> {
  return new Map(items.map((t) => [key(t), t]));
}

function changedFields(a: object, b: object): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter(
      (k) =>
        k !== 'order' &&
        JSON.stringify((a as Record<string, unknown>)[k]) !==
          JSON.stringify((b as Record<string, unknown>)[k]),
    )
    .sort();
}

function compare<T extends object>(
  label: string,
  base: Map<string, T>,
  head: Map<string, T>,
  out: SpecChange[],
  strip?: (t: T) => object,
): void {
  const view = strip ?? ((t: T) => t);
  for (const [k, h] of head) {
    const b = base.get(k);
    if (!b) out.push({ kind: 'added', what: `${label} ${k}` });
    else {
      const fields = changedFields(view(b), view(h));
      if (fields.length) out.push({ kind: 'changed', what: `${label} ${k}`, fields });
    }
  }
  for (const k of base.keys())
    if (!head.has(k)) out.push({ kind: 'removed', what: `${label} ${k}` });
}

/** What changed between two resolved specs, campaign by campaign and stage by stage. */
export function specChanges(base: DesiredState | undefined, head: DesiredState): SpecChange[] {
  const out: SpecChange[] = [];
  const b = base ?? { campaigns: [], jobTypes: [], launchTemplates: [], services: [] };
  compare(
    'campaign',
    indexBy(b.campaigns, (c) => c.name),
    indexBy(head.campaigns, (c) => c.name),
    out,
    ({ stages: _s, ...rest }) => rest,
  );
  const stages = (d: Pick<DesiredState, 'campaigns'>) =>
    indexBy(
      d.campaigns.flatMap((c) => c.stages),
      (s) => `${s.campaign}/${s.name}`,
    );
  compare('stage', stages(b), stages(head), out);
  compare(
    'job type',
    indexBy(b.jobTypes, (j) => `${j.experiment}/${j.name}`),
    indexBy(head.jobTypes, (j) => `${j.experiment}/${j.name}`),
    out,
  );
  compare(
    'launch template',
    indexBy(b.launchTemplates, (j) => `${j.experiment}/${j.name}`),
    indexBy(head.launchTemplates, (j) => `${j.experiment}/${j.name}`),
    out,
  );
  compare(
    'service',
    indexBy(b.services, (j) => `${j.experiment}/${j.name}`),
    indexBy(head.services, (j) => `${j.experiment}/${j.name}`),
    out,
  );
  return out;
}
