import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/adapters/store/types.js';
import type { LaunchAction } from '../../src/plan/types.js';
import { exampleDesired } from '../helpers/fixtures.js';

export function launchAction(key: string, over: Partial<LaunchAction> = {}): LaunchAction {
  const [campaign, stage, rest] = key.split('/') as [string, string, string];
  return {
    kind: 'launch',
    campaign,
    stage,
    key,
    slice: rest.replace(/#\d+$/, ''),
    attempt: Number(/#(\d+)$/.exec(key)?.[1] ?? 1),
    input: { kind: 'none' },
    command: ['fife_launch', '-c', 'cfg/x.cfg', '-Osubmit.N=2'],
    jobType: 'jt',
    launchTemplate: 'lt',
    reason: 'Monte Carlo submission 1 of 1',
    ...over,
  };
}

/** What every store backend must do; `make` returns a fresh, empty store. */
export function storeContract(name: string, make: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    describe('the launch journal (submissions, intents, status)', () => {
      it('records a launch intent, then its outcome, with the status history', async () => {
        const s = await make();
        const id = await s.beginLaunch(launchAction('c/gen/mc-1#1'), 'abc123', 'local');
        expect(await s.pendingIntents()).toMatchObject([
          { id, kind: 'launch', key: 'c/gen/mc-1#1', state: 'pending' },
        ]);
        expect((await s.submission('c/gen/mc-1#1'))?.status).toBe('launching');
        await s.finishLaunch(id, { ok: true, project: 'proj-1' });
        const sub = await s.submission('c/gen/mc-1#1');
        expect(sub).toMatchObject({
          status: 'launched',
          project: 'proj-1',
          revision: 'abc123',
          batch: 'local',
          command: ['fife_launch', '-c', 'cfg/x.cfg', '-Osubmit.N=2'],
        });
        expect(sub?.history.map((h) => h.status)).toEqual(['launching', 'launched']);
        expect(await s.pendingIntents()).toEqual([]);
        await s.close();
      });

      it('keeps the stage definition a submission was launched from', async () => {
        const s = await make();
        const stage = exampleDesired().campaigns[0]!.stages[0]!;
        const definition = { stage, jobType: undefined, launchTemplate: undefined };
        await s.beginLaunch(launchAction('c/gen/mc-1#1'), 'abc123', 'local', definition);
        await s.beginLaunch(launchAction('c/gen/mc-2#1'), 'abc123', 'local');
        expect((await s.submission('c/gen/mc-1#1'))?.definition).toEqual(
          JSON.parse(JSON.stringify(definition)),
        );
        expect((await s.submissions()).find((x) => x.key === 'c/gen/mc-2#1')?.definition).toBe(
          undefined,
        );
        await s.close();
      });

      it("reads one campaign's submissions, in the order of all of them, up to date with every write", async () => {
        const s = await make();
        for (const key of ['a/gen/mc-1#1', 'b/gen/mc-1#1', 'a/gen/mc-2#1', 'c/gen/mc-1#1'])
          await s.beginLaunch(launchAction(key), 'abc123', 'local');
        const keys = async (...c: string[]) => (await s.submissionsOf(c)).map((x) => x.key);
        expect(await keys('a')).toEqual(['a/gen/mc-1#1', 'a/gen/mc-2#1']);
        expect(await keys('c', 'a', 'none')).toEqual(
          (await s.submissions()).map((x) => x.key).filter((k) => !k.startsWith('b/')),
        );
        await s.setStatus('a/gen/mc-2#1', 'located', 'outputs located');
        expect((await s.submissionsOf(['a'])).map((x) => x.status)).toEqual([
          'launching',
          'located',
        ]);
        const [intent] = (await s.pendingIntents()).filter((i) => i.key === 'b/gen/mc-1#1');
        await s.abandonLaunch(intent!.id, 'never reached the batch system');
        expect(await keys('b')).toEqual([]);
        expect(await keys()).toEqual([]);
        await s.close();
      });

      it('refuses to record the same submission twice', async () => {
        const s = await make();
        await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
        await expect(
          s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local'),
        ).rejects.toThrow(/refusing to launch it twice/);
        await s.close();
      });

      it('forgets an abandoned launch so the same key can launch again', async () => {
        const s = await make();
        const id = await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
        await s.abandonLaunch(id, 'no jobs in the batch system');
        expect(await s.submission('c/gen/mc-1#1')).toBeUndefined();
        expect(await s.pendingIntents()).toEqual([]);
        await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
        await s.close();
      });

      it('counts launches abandoned after a transient submit failure, per key', async () => {
        const s = await make();
        const key = 'c/gen/mc-1#1';
        expect(await s.transientFailures(key)).toEqual({ count: 0, last: undefined });
        for (const reason of ['transient: timed out', 'transient: unreachable', 'crash'] as const) {
          const id = await s.beginLaunch(launchAction(key), undefined, 'local');
          if (reason.startsWith('transient')) await s.noteIntent(id, reason);
          const [pending] = await s.pendingIntents();
          expect(pending?.detail ?? null).toBe(reason.startsWith('transient') ? reason : null);
          await s.abandonLaunch(id, pending?.detail ?? reason);
        }
        const f = await s.transientFailures(key);
        expect(f.count).toBe(2);
        expect(f.last).toBeInstanceOf(Date);
        expect((await s.transientFailures('c/gen/mc-2#1')).count).toBe(0);
        await s.close();
      });

      it('keeps a failed launch with its error', async () => {
        const s = await make();
        const id = await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
        await s.finishLaunch(id, { ok: false, error: 'jobsub_submit exited 1' });
        const sub = await s.submission('c/gen/mc-1#1');
        expect(sub?.status).toBe('launch-failed');
        expect(sub?.history.at(-1)?.reason).toBe('jobsub_submit exited 1');
        await s.close();
      });

      it('tracks status, holds, recovery and parent links', async () => {
        const s = await make();
        const id = await s.beginLaunch(
          launchAction('c/g4/mc-1+r1#1', {
            parent: 'c/gen/mc-1#1',
            recovery: { of: 'c/g4/mc-1#1', type: 'consumed_status', index: 1 },
          }),
          undefined,
          'local',
        );
        await s.finishLaunch(id, { ok: true });
        await s.setHeld('c/g4/mc-1+r1#1', true);
        await s.setStatus('c/g4/mc-1+r1#1', 'located', '10/10 files located');
        const [sub] = await s.submissions();
        expect(sub).toMatchObject({
          status: 'located',
          heldByGitpoms: true,
          parent: 'c/gen/mc-1#1',
          recovery: { of: 'c/g4/mc-1#1', type: 'consumed_status', index: 1 },
        });
        await expect(s.setStatus('nope', 'located', 'x')).rejects.toThrow(/no submission nope/);
        await s.close();
      });
    });

    describe('split positions', () => {
      it('moves a split on with its launch, once, and starts it over on a reset', async () => {
        const s = await make();
        expect(await s.splitStates()).toEqual({});
        const advance = (key: string, from: number, to: number, generation = 0, last?: number) =>
          s.beginLaunch(launchAction(key), 'r', 'local').then((id) =>
            s.finishLaunch(id, {
              ok: true,
              split: {
                campaign: 'c',
                stage: 'reco',
                from: { position: from, generation },
                to: { position: to, ...(last !== undefined ? { last } : {}) },
              },
            }),
          );
        await advance('c/reco/split-1#1', 0, 1, 0, 17);
        expect(await s.splitStates()).toEqual({
          'c/reco': { position: 1, last: 17, generation: 0 },
        });
        // A second advance from the same position (a replayed launch) changes nothing.
        await advance('c/reco/split-1#2', 0, 1, 0, 99);
        expect((await s.splitStates())['c/reco']).toEqual({ position: 1, last: 17, generation: 0 });
        // A failed launch leaves the split where it was.
        const id = await s.beginLaunch(launchAction('c/reco/split-2#1'), 'r', 'local');
        await s.finishLaunch(id, { ok: false, error: 'jobsub_submit: no proxy' });
        expect((await s.splitStates())['c/reco']?.position).toBe(1);
        expect(await s.resetSplit('c', 'reco', 'alice', 'reprocess with the fixed fcl')).toEqual({
          position: 0,
          generation: 1,
        });
        // A slice cut before the reset does not move the new generation.
        await advance('c/reco/split-2#2', 1, 2, 0);
        expect((await s.splitStates())['c/reco']).toEqual({ position: 0, generation: 1 });
        await advance('c/reco/split-1.r1#1', 0, 1, 1);
        expect((await s.splitStates())['c/reco']).toEqual({ position: 1, generation: 1 });
        expect((await s.auditLog()).map((a) => a.action)).toContain('split reset');
        await s.close();
      });
    });

    describe('the job cache', () => {
      it('keeps the last observed state of each job', async () => {
        const s = await make();
        const t = '2026-11-25T12:00:00.000Z';
        await s.recordJobs(
          [{ id: '1.0@local', submission: 'k', state: 'running', node: 'n1', startedAt: t }],
          t,
        );
        const done = {
          id: '1.0@local',
          submission: 'k',
          state: 'completed' as const,
          exitCode: 0,
          node: 'n1',
          startedAt: t,
          endedAt: t,
          cpuSeconds: 1.5,
          wallSeconds: 2,
          site: 'FNAL',
        };
        await s.recordJobs([done], t);
        expect(await s.jobs()).toEqual([{ ...done, updatedAt: t }]);
        // Seen again unchanged: its record says when it last changed.
        await s.recordJobs([{ ...done }], '2026-11-25T13:00:00.000Z');
        expect(await s.jobs()).toEqual([{ ...done, updatedAt: t }]);
        // The caller's object changed after it was recorded is a change seen next time.
        done.wallSeconds = 3;
        await s.recordJobs([done], '2026-11-25T13:30:00.000Z');
        expect(await s.jobs()).toEqual([{ ...done, updatedAt: '2026-11-25T13:30:00.000Z' }]);
        const held = { ...done, state: 'held' as const, heldReason: 'x' };
        await s.recordJobs([held], '2026-11-25T14:00:00.000Z');
        expect(await s.jobs()).toEqual([{ ...held, updatedAt: '2026-11-25T14:00:00.000Z' }]);
        await s.close();
      });
    });

    describe('job pages', () => {
      it('pages through the jobs a query selects, in the order of jobs()', async () => {
        const s = await make();
        const at = '2026-11-25T12:00:00.000Z';
        await s.recordJobs(
          [
            { id: '2.0@x', submission: 'b', state: 'running' },
            { id: '1.1@x', submission: 'a', state: 'completed', exitCode: 1 },
            { id: '1.0@x', submission: 'a', state: 'completed', exitCode: 0 },
            { id: '3.0@x', submission: 'c', state: 'idle' },
          ],
          at,
        );
        const ids = (p: { items: Array<{ id: string }> }) => p.items.map((j) => j.id);
        const all = await s.jobPage({ limit: 10, offset: 0 });
        expect(ids(all)).toEqual((await s.jobs()).map((j) => j.id));
        expect(ids(all)).toEqual(['1.0@x', '1.1@x', '2.0@x', '3.0@x']);
        expect(all.total).toBe(4);
        const second = await s.jobPage({ limit: 2, offset: 2 });
        expect([ids(second), second.total]).toEqual([['2.0@x', '3.0@x'], 4]);
        const ofA = await s.jobPage({ submission: 'a', limit: 1, offset: 1 });
        expect([ids(ofA), ofA.total]).toEqual([['1.1@x'], 2]);
        expect(ofA.items[0]).toEqual({
          id: '1.1@x',
          submission: 'a',
          state: 'completed',
          exitCode: 1,
          updatedAt: at,
        });
        const done = await s.jobPage({ state: 'completed', submission: 'a', limit: 5, offset: 0 });
        expect(done.total).toBe(2);
        expect((await s.jobPage({ state: 'held', limit: 5, offset: 0 })).total).toBe(0);
        await s.close();
      });

      it("selects a campaign's jobs by its submissions", async () => {
        const s = await make();
        await s.beginLaunch(launchAction('c/gen/mc-1#1'), undefined, 'local');
        await s.beginLaunch(launchAction('c/g4/mc-1#1'), undefined, 'local');
        await s.beginLaunch(launchAction('d/gen/mc-1#1'), undefined, 'local');
        await s.recordJobs(
          [
            { id: '1.0@x', submission: 'c/gen/mc-1#1', state: 'running' },
            { id: '2.0@x', submission: 'd/gen/mc-1#1', state: 'running' },
            { id: '3.0@x', submission: 'c/g4/mc-1#1', state: 'completed', exitCode: 0 },
            { id: '4.0@x', submission: 'unknown-label', state: 'idle' },
          ],
          '2026-11-25T12:00:00.000Z',
        );
        const c = await s.jobPage({ campaign: 'c', limit: 10, offset: 0 });
        expect([c.items.map((j) => j.id), c.total]).toEqual([['3.0@x', '1.0@x'], 2]);
        const running = await s.jobPage({ campaign: 'c', state: 'running', limit: 10, offset: 0 });
        expect(running.items.map((j) => j.id)).toEqual(['1.0@x']);
        expect((await s.jobPage({ campaign: 'e', limit: 10, offset: 0 })).total).toBe(0);
        await s.close();
      });
    });

    describe('API tokens', () => {
      it('keeps tokens newest first, with their hash and never anything else secret, and revokes once', async () => {
        const s = await make();
        const base = { role: 'shifter' as const, salt: 'aa', hash: 'bb', createdBy: 'admin' };
        await s.addToken({ ...base, id: '0000000000000001', name: 'alice', experiments: ['sbnd'] });
        await s.addToken({
          ...base,
          id: '0000000000000002',
          name: 'bob',
          experiments: ['dune', 'sbnd'],
          expiresAt: '2027-01-01T00:00:00.000Z',
        });
        expect((await s.tokens()).map((t) => t.name)).toEqual(['bob', 'alice']);
        const bob = await s.token('0000000000000002');
        expect(bob).toMatchObject({
          ...base,
          name: 'bob',
          experiments: ['dune', 'sbnd'],
          expiresAt: '2027-01-01T00:00:00.000Z',
        });
        expect(bob?.revokedAt).toBeUndefined();
        expect(await s.token('0000000000000009')).toBeUndefined();
        expect(await s.revokeToken('0000000000000002')).toBe(true);
        expect(await s.revokeToken('0000000000000002')).toBe(false);
        expect(await s.revokeToken('0000000000000009')).toBe(false);
        expect((await s.token('0000000000000002'))?.revokedAt).toMatch(/^\d{4}-/);
        expect((await s.token('0000000000000001'))?.revokedAt).toBeUndefined();
        await expect(
          s.addToken({ ...base, id: '0000000000000001', name: 'again', experiments: [] }),
        ).rejects.toThrow();
        await s.close();
      });
    });

    describe('operator overrides', () => {
      it('keeps operator overrides until cleared, expired or a new revision', async () => {
        const s = await make();
        const now = new Date('2026-11-25T12:00:00Z');
        await s.addOverride({
          action: 'hold',
          campaign: 'c',
          actor: 'alice',
          reason: 'dCache outage',
          revision: 'r1',
        });
        await s.addOverride({
          action: 'kill',
          campaign: 'c',
          stage: 'g4',
          actor: 'bob',
          reason: 'bad fcl',
          expiresAt: '2026-11-25T13:00:00Z',
        });
        await s.addOverride({
          action: 'launch-now',
          campaign: 'd',
          stage: 'gen',
          actor: 'carol',
          reason: 'launch now',
        });
        expect(
          (await s.activeOverrides(now, 'r1')).map(
            (o) => `${o.action} ${o.campaign}/${o.stage ?? ''} ${o.actor}`,
          ),
        ).toEqual(['hold c/ alice', 'kill c/g4 bob', 'launch-now d/gen carol']);
        expect(
          (await s.activeOverrides(new Date('2026-11-25T13:00:01Z'), 'r1')).map((o) => o.action),
        ).toEqual(['hold', 'launch-now']);
        expect((await s.activeOverrides(now, 'r2')).map((o) => o.action)).toEqual(['launch-now']);
        expect(await s.clearOverrides({ campaign: 'd', actions: ['launch-now'] }, 'used')).toBe(1);
        expect(await s.activeOverrides(now, 'r2')).toEqual([]);
        expect((await s.auditLog()).map((a) => a.action)).toContain('override hold');
        await s.close();
      });

      it("keeps a hold of one submission, cleared by its own release or its stage's", async () => {
        const s = await make();
        const now = new Date('2026-11-25T12:00:00Z');
        const one = (submission: string) =>
          s.addOverride({
            action: 'hold',
            campaign: 'c',
            stage: 'gen',
            submission,
            actor: 'alice',
            reason: 'bad node',
          });
        await one('c/gen/mc-1#1');
        await one('c/gen/mc-2#1');
        expect((await s.activeOverrides(now, undefined)).map((o) => o.submission)).toEqual([
          'c/gen/mc-1#1',
          'c/gen/mc-2#1',
        ]);
        expect((await s.auditLog()).map((a) => a.target)).toContain('c/gen/mc-1#1');
        expect(await s.clearOverrides({ campaign: 'c', submission: 'c/gen/mc-1#1' }, 'ok')).toBe(1);
        expect((await s.activeOverrides(now, undefined)).map((o) => o.submission)).toEqual([
          'c/gen/mc-2#1',
        ]);
        expect(await s.clearOverrides({ campaign: 'c', stage: 'gen' }, 'stage released')).toBe(1);
        expect(await s.activeOverrides(now, undefined)).toEqual([]);
        await s.close();
      });
    });

    describe('the revision log', () => {
      it('remembers each revision seen, whether it validated, and the one applied', async () => {
        const s = await make();
        expect(await s.appliedRevision()).toBeUndefined();
        await s.recordRevision({ revision: 'aaa', valid: true, errors: [] });
        await s.markApplied('aaa');
        await s.recordRevision({
          revision: 'bbb',
          valid: false,
          errors: ['campaigns/x.yaml:3:1: error spec: broken'],
        });
        const seen = await s.revisions();
        expect(seen.map((r) => [r.revision, r.valid])).toEqual([
          ['bbb', false],
          ['aaa', true],
        ]);
        expect(seen[0]!.errors).toEqual(['campaigns/x.yaml:3:1: error spec: broken']);
        expect(seen[0]!.appliedAt).toBeUndefined();
        expect((await s.appliedRevision())?.revision).toBe('aaa');
        // Seen again later: it moves to the front, keeps its first sighting.
        await s.recordRevision({ revision: 'aaa', valid: true, errors: [] });
        const again = await s.revisions(1);
        expect(again.map((r) => r.revision)).toEqual(['aaa']);
        expect(again[0]!.firstSeenAt <= again[0]!.lastSeenAt).toBe(true);
        await s.close();
      });
    });

    describe('the audit log', () => {
      it('keeps an audit log, newest first', async () => {
        const s = await make();
        await s.audit({ actor: 'reconciler', action: 'launch', target: 'c/gen/mc-1#1' });
        await s.audit({ actor: 'alice', action: 'hold', target: 'c', detail: 'dCache outage' });
        expect(
          (await s.auditLog()).map((a) => `${a.actor} ${a.action} ${a.target} ${a.detail ?? ''}`),
        ).toEqual(['alice hold c dCache outage', 'reconciler launch c/gen/mc-1#1 ']);
        await s.close();
      });
    });
  });
}
