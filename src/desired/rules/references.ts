import type { Campaign, Stage } from '../../model/index.js';
import { batchOfTemplate, reachableBatches } from '../desired.js';
import type { Located, LoadedDocs } from '../load.js';
import { err, type Ctx, hintFor, warn } from './context.js';
import { insideRepo, type RepoFiles } from '../repo.js';
import type { FieldPath } from '../yaml-source.js';

/** A stage's job type or launch template, set on the stage or inherited, must name a defined one. */
export function checkReference(
  ctx: Ctx,
  c: Located<Campaign>,
  s: Stage,
  si: number,
  field: 'jobType' | 'launchTemplate',
  label: string,
  name: string | undefined,
  known: boolean,
  defined: string[],
): boolean {
  const exp = c.value.metadata.experiment;
  if (name === undefined) {
    err(
      ctx,
      c.doc,
      ['spec', 'stages', si],
      `no-${label.replace(' ', '-')}`,
      `stage "${s.name}" has no ${label}; set spec.${field} for the campaign or ${field} on the stage`,
    );
    return false;
  }
  if (known) return true;
  const names = defined.filter((k) => k.startsWith(`${exp}/`)).map((k) => k.slice(exp.length + 1));
  err(
    ctx,
    c.doc,
    s[field] ? ['spec', 'stages', si, field] : ['spec', field],
    `unknown-${label.replace(' ', '-')}`,
    `${label} "${name}" is not defined for experiment ${exp}`,
    hintFor(name, names),
  );
  return false;
}

export function checkTemplates(ctx: Ctx, docs: LoadedDocs): void {
  for (const lt of docs.launchTemplates) {
    const batch = lt.value.spec.batch;
    const reachable = reachableBatches(docs.config?.value.spec.backends);
    // The embedded runtime runs every template here: only a real deployment must reach it.
    if (batch && batchOfTemplate(reachable, lt.value.spec) === batch && !reachable.includes(batch))
      err(
        ctx,
        lt.doc,
        ['spec', 'batch'],
        'batch-unreachable',
        `batch ${batch} is not a backend this deployment reaches: gitpoms.yaml backends.batch names ${reachable.join(', ')}`,
        `add ${batch} to backends.batch in gitpoms.yaml, or pick one of ${reachable.join(', ')}`,
      );
    if (lt.value.spec.host && !lt.value.spec.account) {
      err(
        ctx,
        lt.doc,
        ['spec', 'host'],
        'host-without-account',
        `launch host ${lt.value.spec.host} needs an account to log in as`,
      );
    }
  }
}

/** A backend named in gitpoms.yaml has the settings it needs. */
export function checkBackends(ctx: Ctx, docs: LoadedDocs): void {
  const config = docs.config;
  const b = config?.value.spec.backends;
  if (b?.catalog === 'samweb' && !b.samweb)
    err(
      ctx,
      config!.doc,
      ['spec', 'backends', 'catalog'],
      'backend-settings-missing',
      "catalog samweb needs backends.samweb: the server's baseUrl, the station and the group",
      'e.g. samweb: { baseUrl: https://samweb.fnal.gov:8483/sam/sbnd/api, station: sbnd, group: sbnd }',
    );
  if (!b) return;
  // Settings of a backend the deployment does not use would be read by nothing.
  const batches: readonly string[] = reachableBatches(b);
  const used: Record<string, [boolean, string]> = {
    slurm: [batches.includes('slurm'), 'backends.batch does not name slurm'],
    jobsub: [batches.includes('jobsub'), 'backends.batch does not name jobsub'],
    samweb: [b.catalog === 'samweb', 'backends.catalog is not samweb'],
    postgres: [b.store === 'postgres', 'backends.store is not postgres'],
  };
  for (const [name, [inUse, why]] of Object.entries(used))
    if (name in b && !inUse)
      warn(
        ctx,
        config!.doc,
        ['spec', 'backends', name],
        'backend-settings-unused',
        `backends.${name} is not used: ${why}`,
        `select the backend, or remove backends.${name}`,
      );
}

/** gitpoms.yaml's paths into the repository stay inside it (local.path, source.path), not through a link either. */
export function checkConfigPaths(ctx: Ctx, docs: LoadedDocs): void {
  const config = docs.config;
  if (!config) return;
  const spec = config.value.spec;
  const check = (field: FieldPath, p: string, what: string, repo: RepoFiles | undefined) => {
    const rel = insideRepo(p);
    const why = rel === undefined ? 'outside the repository' : repo?.problem(rel);
    if (why)
      err(
        ctx,
        config.doc,
        field,
        rel === undefined ? 'path-outside-repo' : 'path-refused',
        `${what} "${p}" is ${why}`,
        'name a directory inside the repository, relative to its root',
      );
  };
  (spec.local?.path ?? []).forEach((p, i) =>
    check(['spec', 'local', 'path', i], p, 'local.path entry', ctx.repo),
  );
  // source.path names a directory of another repository: only its shape can be checked here.
  if (spec.source?.path !== undefined)
    check(['spec', 'source', 'path'], spec.source.path, 'source.path', undefined);
}

/** A line break or NUL in a word splits the command a launch host runs, or ends it early. */
const BREAKS = /[\n\r\0]/;

/** Every word that becomes a command argument (launch commands, arguments, setup, overrides) is one line. */
export function checkCommandWords(ctx: Ctx, docs: LoadedDocs): void {
  const check = (doc: Located<unknown>['doc'], path: FieldPath, v: unknown) => {
    if (typeof v === 'string' && BREAKS.test(v))
      err(
        ctx,
        doc,
        path,
        'line-break-in-argument',
        'this becomes a command argument, and holds a line break or NUL that would split the command',
        'put multi-line text in a file of the repository and pass its path',
      );
  };
  const words = (doc: Located<unknown>['doc'], path: FieldPath, list: unknown) => {
    if (Array.isArray(list)) list.forEach((w, i) => check(doc, [...path, i], w));
  };
  const values = (doc: Located<unknown>['doc'], path: FieldPath, o: unknown) => {
    if (o && typeof o === 'object')
      for (const [k, v] of Object.entries(o)) check(doc, [...path, k], v);
  };
  for (const jt of docs.jobTypes) {
    const spec = jt.value.spec;
    words(jt.doc, ['spec', 'launch'], spec.launch);
    words(
      jt.doc,
      ['spec', 'definitionParameters', 'arguments'],
      spec.definitionParameters?.arguments,
    );
    values(
      jt.doc,
      ['spec', 'definitionParameters', 'overrides'],
      spec.definitionParameters?.overrides,
    );
    (spec.recoveries ?? []).forEach((r, i) =>
      values(jt.doc, ['spec', 'recoveries', i, 'overrides'], r.overrides),
    );
  }
  for (const c of docs.campaigns) {
    values(c.doc, ['spec', 'overrides'], c.value.spec.overrides);
    c.value.spec.stages.forEach((s, i) => {
      words(c.doc, ['spec', 'stages', i, 'arguments'], s.arguments);
      values(c.doc, ['spec', 'stages', i, 'overrides'], s.overrides);
    });
  }
  for (const lt of docs.launchTemplates)
    (lt.value.spec.setup ?? []).forEach((cmd, i) => words(lt.doc, ['spec', 'setup', i], cmd));
  for (const svc of docs.services) {
    const probe = svc.value.spec.probe;
    if ('command' in probe) words(svc.doc, ['spec', 'probe', 'command'], probe.command);
  }
}

/** A service gates launches of its own experiment's campaigns only. */
export function checkServiceExperiments(ctx: Ctx, docs: LoadedDocs): void {
  const experimentOf = new Map(
    docs.campaigns.map((c) => [c.value.metadata.name, c.value.metadata.experiment]),
  );
  for (const svc of docs.services) {
    const own = svc.value.metadata.experiment;
    (svc.value.spec.campaigns ?? []).forEach((name, i) => {
      const theirs = experimentOf.get(name);
      if (theirs !== undefined && theirs !== own)
        err(
          ctx,
          svc.doc,
          ['spec', 'campaigns', i],
          'service-other-experiment',
          `service of experiment ${own} gates campaign "${name}" of experiment ${theirs}`,
          `declare the service under ${theirs}, or gate only ${own}'s campaigns`,
        );
    });
  }
}
