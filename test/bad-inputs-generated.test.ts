// The generated half of the bad-input gauntlet (test/helpers/bad-inputs.ts): each case is
// refused with exit 1, an error that names its file, its line and its field, within bounded
// time, and nothing is written or run.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/capture.js';
import {
  baseTexts,
  generatedFamilyCases,
  generatedSchemaCases,
  linesOf,
  materializeGenerated,
  type GeneratedCase,
} from './helpers/bad-inputs.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function materialize(files: GeneratedCase['files']): string {
  const dir = materializeGenerated(files);
  dirs.push(dir);
  return dir;
}

/** The lines of field `f` (or of its deepest ancestor there) in the case's document, or in any when it does not say which. */
function linesOfField(c: GeneratedCase, f: Array<string | number>): number[] {
  const text = c.files[c.file] ?? baseTexts()[c.file];
  if (typeof text !== 'string') return [];
  const docs = c.doc !== undefined ? [c.doc] : text.split(/^---$/m).map((_, i) => i);
  return docs.flatMap((d) => linesOf(text, d, f));
}

const listing = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();

/** file:line:col: error [field: ]message [rule] */
const ERROR = /^(\S+):(\d+):(\d+): error (?:([A-Za-z_][^\s:]*?): )?(.+)$/;

/** `spec.stages[0].overrides["global.x"]` as path segments. */
function segments(field: string): Array<string | number> {
  return [...field.matchAll(/\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|([^.[\]]+)/g)].map((m) =>
    m[1] !== undefined ? (JSON.parse(`"${m[1]}"`) as string) : m[2] ? Number(m[2]) : m[3]!,
  );
}

const startsWith = (p: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>) =>
  prefix.length <= p.length && prefix.every((s, i) => s === p[i]);

const schemaCases = generatedSchemaCases();
const familyCases = generatedFamilyCases();

describe('generated bad inputs', () => {
  it('with the hand-written corpus, make at least 500 cases', () => {
    const handWritten = readdirSync(path.join(import.meta.dirname, 'bad-inputs', 'cases')).filter(
      (f) => f.endsWith('.case'),
    ).length;
    expect(schemaCases.length + familyCases.length + handWritten).toBeGreaterThanOrEqual(500);
  });

  it('start from a valid base, so each case fails for its own reason', async () => {
    const dir = materialize({});
    const v = await cli(['validate'], { cwd: dir });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });

  it.each([...schemaCases, ...familyCases].map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const dir = materialize(c.files);
      const before = listing(dir);
      const started = Date.now();
      const v = await cli(['validate'], { cwd: dir });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(v.code).toBe(1);
      const errors = v.stderr
        .split('\n')
        .map((l) => ERROR.exec(l))
        .filter((m) => m !== null);
      const named = errors.filter((m) => {
        if (m[1] !== c.file) return false;
        if (c.message && !c.message.test(m[5]!)) return false;
        if (!c.field) return true;
        if (!m[4]) return false;
        const f = segments(m[4]);
        // The field, a field inside it, or an ancestor below the document's top (never just "spec").
        const near =
          startsWith(f, c.field) ||
          (f.length >= Math.min(2, c.field.length) && startsWith(c.field, f));
        // At that field's line in its document.
        return near && linesOfField(c, f).includes(Number(m[2]));
      });
      expect(named, v.stderr).not.toEqual([]);
      // Each error is a sentence a person can act on, with its rule's name.
      for (const m of errors) expect(m[5]).toMatch(/\w.{8,}\[[a-z-]+\]$/);
      const r = await cli(['reconcile', '--dry-run', '--detailed-exitcode'], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      if (c.secret) expect(v.stdout + v.stderr + r.stdout + r.stderr).not.toContain(c.secret);
      expect(listing(dir)).toEqual(before);
    },
  );
});
