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

/**
 * The campaigns whose plan a change from `base` to `head` can alter: those added, removed or
 * changed, and those with a stage using a job type or launch template that changed, or of an
 * experiment whose services changed. Undefined when the defaults changed: every campaign
 * reads them.
 */
export function campaignsChanged(base: DesiredState, head: DesiredState): Set<string> | undefined {
  if (JSON.stringify(base.defaults) !== JSON.stringify(head.defaults)) return undefined;
  const changedKeys = <T extends { experiment: string; name: string }>(
    a: readonly T[],
    b: readonly T[],
  ) => {
    const key = (t: T) => `${t.experiment}/${t.name}`;
    const before = new Map(a.map((t) => [key(t), JSON.stringify(t)]));
    const out = new Set<string>();
    for (const t of b) if (before.get(key(t)) !== JSON.stringify(t)) out.add(key(t));
    const after = new Set(b.map(key));
    for (const k of before.keys()) if (!after.has(k)) out.add(k);
    return out;
  };
  const jobTypes = changedKeys(base.jobTypes, head.jobTypes);
  const templates = changedKeys(base.launchTemplates, head.launchTemplates);
  const serviceExperiments = new Set(
    [...changedKeys(base.services, head.services)].map((k) => k.slice(0, k.indexOf('/'))),
  );
  const out = new Set<string>();
  const before = new Map(base.campaigns.map((c) => [c.name, JSON.stringify(c)]));
  for (const c of head.campaigns) {
    const uses = c.stages.some(
      (s) =>
        jobTypes.has(`${s.experiment}/${s.jobType}`) ||
        templates.has(`${s.experiment}/${s.launchTemplate}`),
    );
    if (uses || serviceExperiments.has(c.experiment) || before.get(c.name) !== JSON.stringify(c))
      out.add(c.name);
  }
  const kept = new Set(head.campaigns.map((c) => c.name));
  for (const name of before.keys()) if (!kept.has(name)) out.add(name);
  return out;
}
