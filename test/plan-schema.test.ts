import { describe, expect, it } from 'vitest';
import { cli } from './helpers/capture.js';
import { planSchemaErrors } from './helpers/plan-schema.js';

const NOW = ['--now', '2026-11-25T12:00:00Z'];

/** The published schema of `reconcile --dry-run --format json` (every planner test's plan is held to it too). */
describe('schemas/plan.schema.json', () => {
  it('holds the plans the CLI prints: the examples from scratch and from an observed state', async () => {
    for (const argv of [
      ['reconcile', '--dry-run', '--format', 'json', ...NOW],
      [
        'reconcile',
        '--dry-run',
        '--format',
        'json',
        '--observed',
        'test/fixtures/sbnd-midway.json',
        ...NOW,
      ],
    ]) {
      const r = await cli(argv);
      expect(r.code, r.stderr).toBe(0);
      const plan = JSON.parse(r.stdout) as { actions: unknown[] };
      expect(plan.actions.length).toBeGreaterThan(0);
      expect(planSchemaErrors(plan)).toEqual([]);
    }
  });

  it('refuses what a plan never has', async () => {
    const r = await cli([
      'reconcile',
      '--dry-run',
      '--format',
      'json',
      '--observed',
      'test/fixtures/sbnd-midway.json',
      ...NOW,
    ]);
    const good = JSON.parse(r.stdout) as {
      actions: Array<Record<string, unknown>>;
      notes: Array<Record<string, unknown>>;
    };
    const launch = good.actions.findIndex((a) => a.kind === 'launch');
    const mark = good.actions.findIndex((a) => a.kind === 'mark-located');
    const edits: Array<[string, (p: typeof good) => void, RegExp]> = [
      [
        'a field no action has',
        (p) => (p.actions[launch]!.colour = 'red'),
        /must NOT have additional properties/,
      ],
      [
        'a launch without its command',
        (p) => delete p.actions[launch]!.command,
        /must have required property 'command'/,
      ],
      [
        'a mark with jobs',
        (p) => (p.actions[mark]!.jobs = []),
        /must NOT have additional properties/,
      ],
      [
        'an unknown note kind',
        (p) => p.notes.push({ kind: 'gossip', message: 'x' }),
        /must be equal to one of the allowed values/,
      ],
      ['another version', (p) => Object.assign(p, { version: 2 }), /must be equal to constant/],
    ];
    for (const [what, edit, message] of edits) {
      const p = structuredClone(good);
      edit(p);
      expect(planSchemaErrors(p).join('\n'), what).toMatch(message);
    }
  });
});
