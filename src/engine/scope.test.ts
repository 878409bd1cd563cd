import { describe, expect, it } from 'vitest';
import { launchAction } from '../../test/contracts/store.js';
import { campaign, desired } from '../../test/helpers/build.js';
import { memoryDeps } from '../../test/helpers/memory-deps.js';
import type { Ownership } from './ownership.js';
import { reconcileOnce } from './pass.js';
import { planScope, withDependents, withOthers } from './scope.js';
import type { Plan } from '../plan/types.js';

/** a ← b (b's reco reads a's gen), and c on its own. */
const threeCampaigns = () => {
  const d = desired([
    campaign('a', [{ name: 'gen' }]),
    campaign('b', [{ name: 'gen' }, { name: 'reco', after: ['gen'] }]),
    campaign('c', [{ name: 'gen' }]),
  ]);
  d.campaigns[1]!.stages[1]!.dependsOn.push({ campaign: 'a', stage: 'gen', filePatterns: [] });
  return d;
};

/** Ownership of `mine` only, as the pass sees it. */
const owning = (...mine: string[]) =>
  ({
    mayAct: (c: string) => mine.includes(c),
    acting: () => mine,
    mayStillSubmit: () => false,
  }) as unknown as Ownership;

describe('what a replica plans', () => {
  it('is what it owns and, transitively, what that depends on', () => {
    const d = threeCampaigns();
    expect([...planScope(d, ['b'])].sort()).toEqual(['a', 'b']);
    expect([...planScope(d, ['a'])]).toEqual(['a']);
    expect([...planScope(d, ['c', 'gone'])].sort()).toEqual(['c', 'gone']);
    expect([...planScope(d, [])]).toEqual([]);
  });

  it('a change to a campaign is planned with every campaign that depends on it, transitively', () => {
    const d = threeCampaigns();
    d.campaigns.push(campaign('d', [{ name: 'gen' }]));
    d.campaigns[3]!.stages[0]!.dependsOn.push({ campaign: 'b', stage: 'reco', filePatterns: [] });
    expect([...withDependents(d, ['a'])].sort()).toEqual(['a', 'b', 'd']);
    expect([...withDependents(d, ['b'])].sort()).toEqual(['b', 'd']);
    expect([...withDependents(d, ['c', 'gone'])].sort()).toEqual(['c', 'gone']);
  });

  it("observes and plans only those: another's campaigns are neither read in the catalog nor planned", async () => {
    const deps = memoryDeps();
    const d = threeCampaigns();
    // c has a record a pass would look at (its launched submission), were c its to plan.
    await deps.store.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'memory');
    const asked: string[] = [];
    const catalog = new Proxy(deps.catalog, {
      get(t, k, r) {
        const v = Reflect.get(t, k, r) as unknown;
        return typeof v === 'function'
          ? (...args: unknown[]) => {
              asked.push(JSON.stringify(args));
              return (v as (...a: unknown[]) => unknown).apply(t, args);
            }
          : v;
      },
    });
    const r = await reconcileOnce({ ...deps, catalog, ownership: owning('b') }, d);
    expect([...r.scope!].sort()).toEqual(['a', 'b']);
    expect(new Set(r.plan.stages.map((s) => s.campaign))).toEqual(new Set(['a', 'b']));
    expect(r.records.map((x) => x.campaign)).not.toContain('c');
    expect(asked.filter((a) => /\bc\/gen|campaign c\b/.test(a))).toEqual([]);
    // a's launch is planned (context), but only b's (its own) is tried; nothing of c.
    expect(r.plan.actions.map((x) => x.campaign)).toEqual(['a', 'b']);
    expect(r.results.map((x) => x.action.campaign)).toEqual(['b']);
    await deps.dispose();
  });

  it("shows the others' stages and notes beside its own, in desired order", () => {
    const d = threeCampaigns();
    const summary = (c: string, stage: string) =>
      ({ campaign: c, stage, state: 'active', submissions: {} }) as Plan['stages'][number];
    const acting: Plan = {
      now: 'now',
      actions: [],
      counts: {} as Plan['counts'],
      stages: [summary('a', 'gen'), summary('b', 'gen'), summary('b', 'reco')],
      notes: [
        { kind: 'waiting', campaign: 'b', message: 'b waits' },
        { kind: 'gated', message: 'global' },
      ] as Plan['notes'],
    };
    const others: Plan = {
      ...acting,
      stages: [summary('a', 'gen'), summary('b', 'gen'), summary('c', 'gen')],
      notes: [
        { kind: 'waiting', campaign: 'c', message: 'c waits' },
        { kind: 'waiting', campaign: 'b', message: 'stale b' },
        { kind: 'gated', message: 'global, again' },
      ] as Plan['notes'],
    };
    const shown = withOthers(d, acting, new Set(['a', 'b']), others);
    expect(shown.stages.map((s) => `${s.campaign}/${s.stage}`)).toEqual([
      'a/gen',
      'b/gen',
      'b/reco',
      'c/gen',
    ]);
    expect(shown.notes.map((n) => n.message)).toEqual(['b waits', 'global', 'c waits']);
    expect(withOthers(d, acting, new Set(['a', 'b']), undefined)).toBe(acting);
  });
});
