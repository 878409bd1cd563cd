import type { Campaign, ResolvedStage } from '../../model/index.js';
import { stageId } from '../desired.js';
import type { Located } from '../load.js';
import { type FieldPath, type SourceDoc } from '../yaml-source.js';
import { err, type Ctx, hintFor } from './context.js';

/** Problems with the stage graph: every dependency resolves, and no cycle. */
export function checkGraph(ctx: Ctx, campaigns: Located<Campaign>[]): void {
  const byName = new Map(campaigns.map((c) => [c.value.metadata.name, c]));
  const stagesOf = new Map(
    campaigns.map((c) => [c.value.metadata.name, new Set(c.value.spec.stages.map((s) => s.name))]),
  );
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
        if (!stagesOf.get(target)!.has(d.stage)) {
          const names = tc.value.spec.stages.map((x) => x.name);
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
  // Depth-first search with an explicit stack (a chain of 20,000 stages is no deeper for it);
  // each cycle is reported once, at its first stage in file order.
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const onPath = new Map<string, number>();
  const reported = new Set<string>();
  for (const root of edges.keys()) {
    if (state.has(root)) continue;
    const frames: Array<{ id: string; next: number }> = [{ id: root, next: 0 }];
    state.set(root, 'visiting');
    onPath.set(root, path.push(root) - 1);
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      const out = edges.get(top.id) ?? [];
      if (top.next >= out.length) {
        frames.pop();
        path.pop();
        onPath.delete(top.id);
        state.set(top.id, 'done');
        continue;
      }
      const next = out[top.next++]!;
      if (state.get(next) === 'visiting') {
        const cycle = [...path.slice(onPath.get(next)!), next];
        const key = [...cycle.slice(0, -1)].sort().join(' ');
        if (!reported.has(key)) {
          reported.add(key);
          const w = where.get(next)!;
          err(
            ctx,
            w.doc,
            w.path,
            'dependency-cycle',
            `stages depend on each other in a cycle: ${shortCycle(cycle)}`,
            'a stage can only consume the outputs of stages that come before it',
          );
        }
      } else if (!state.has(next)) {
        state.set(next, 'visiting');
        onPath.set(next, path.push(next) - 1);
        frames.push({ id: next, next: 0 });
      }
    }
  }
}

/** A cycle as a -> b -> a; a long one with its middle elided, so the message stays readable. */
function shortCycle(cycle: readonly string[]): string {
  if (cycle.length <= 12) return cycle.join(' -> ');
  return [...cycle.slice(0, 5), `… ${cycle.length - 10} more …`, ...cycle.slice(-5)].join(' -> ');
}

export function topoOrder(stages: ResolvedStage[]): ResolvedStage[] {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const out: ResolvedStage[] = [];
  const seen = new Set<string>();
  // Parents first, in file order; an explicit stack, so a long chain is no deeper for it.
  for (const first of stages) {
    if (seen.has(first.name)) continue;
    seen.add(first.name);
    const frames: Array<{ s: ResolvedStage; next: number }> = [{ s: first, next: 0 }];
    while (frames.length > 0) {
      const top = frames[frames.length - 1]!;
      if (top.next >= top.s.dependsOn.length) {
        out.push(top.s);
        frames.pop();
        continue;
      }
      const d = top.s.dependsOn[top.next++]!;
      const p = d.campaign === top.s.campaign ? byName.get(d.stage) : undefined;
      if (p && !seen.has(p.name)) {
        seen.add(p.name);
        frames.push({ s: p, next: 0 });
      }
    }
  }
  return out.map((s, i) => ({ ...s, order: i }));
}
