import type { Campaign, ResolvedStage } from '../../model/index.js';
import { stageId } from '../desired.js';
import type { Located } from '../load.js';
import { type FieldPath, type SourceDoc } from '../yaml-source.js';
import { err, type Ctx, hintFor } from './context.js';

/** Problems with the stage graph: every dependency resolves, and no cycle. */
export function checkGraph(ctx: Ctx, campaigns: Located<Campaign>[]): void {
  const byName = new Map(campaigns.map((c) => [c.value.metadata.name, c]));
  const edges = new Map<string, string[]>();
  const where = new Map<string, { doc: SourceDoc; path: FieldPath }>();
  for (const c of campaigns) {
    const cname = c.value.metadata.name;
    c.value.spec.stages.forEach((s, si) => {
      const id = stageId({ campaign: cname, stage: s.name });
      edges.set(id, []);
      where.set(id, { doc: c.doc, path: ['spec', 'stages', si, 'name'] });
    });
  }
  for (const c of campaigns) {
    const cname = c.value.metadata.name;
    c.value.spec.stages.forEach((s, si) => {
      (s.dependsOn ?? []).forEach((d, di) => {
        const target = d.campaign ?? cname;
        const tc = byName.get(target);
        const path: FieldPath = ['spec', 'stages', si, 'dependsOn', di];
        if (!tc) {
          err(
            ctx,
            c.doc,
            [...path, 'campaign'],
            'unknown-campaign',
            `depends on campaign "${target}", which is not defined`,
            hintFor(target, byName.keys()),
          );
          return;
        }
        if (tc.value.metadata.experiment !== c.value.metadata.experiment) {
          err(
            ctx,
            c.doc,
            [...path, 'campaign'],
            'cross-experiment',
            `campaign "${target}" belongs to experiment ${tc.value.metadata.experiment}, not ${c.value.metadata.experiment}`,
          );
          return;
        }
        const names = tc.value.spec.stages.map((x) => x.name);
        if (!names.includes(d.stage)) {
          err(
            ctx,
            c.doc,
            [...path, 'stage'],
            'unknown-stage',
            `depends on stage "${d.stage}", which campaign ${target} does not have (it has ${names.join(', ')})`,
            hintFor(d.stage, names),
          );
          return;
        }
        if (target === cname && d.stage === s.name) {
          err(
            ctx,
            c.doc,
            [...path, 'stage'],
            'self-dependency',
            `stage "${s.name}" depends on itself`,
          );
          return;
        }
        edges
          .get(stageId({ campaign: cname, stage: s.name }))!
          .push(stageId({ campaign: target, stage: d.stage }));
      });
    });
  }
  // Depth-first search; each cycle is reported once, at its first stage in file order.
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id) ?? []) {
      if (state.get(next) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!reported.has(key)) {
          reported.add(key);
          const w = where.get(next)!;
          err(
            ctx,
            w.doc,
            w.path,
            'dependency-cycle',
            `stages depend on each other in a cycle: ${cycle.join(' -> ')}`,
            'a stage can only consume the outputs of stages that come before it',
          );
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id);
}

export function topoOrder(stages: ResolvedStage[]): ResolvedStage[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const out: ResolvedStage[] = [];
  const seen = new Set<string>();
  const visit = (s: ResolvedStage) => {
    if (seen.has(s.name)) return;
    seen.add(s.name);
    for (const d of s.dependsOn) {
      const p = d.campaign === s.campaign ? byName.get(d.stage) : undefined;
      if (p) visit(p);
    }
    out.push(s);
  };
  stages.forEach(visit);
  return out.map((s, i) => ({ ...s, order: i }));
}
