// The gauntlet's bound on memory: every bad-input case, hand-written and generated, run by
// the built CLI in a process of its own, is refused (exit 1) with a peak resident set of at
// most 1 GiB, under a V8 heap limit of 1 GiB (a case that needs more fails rather than
// swapping). Time is bounded in the in-process runs of the same cases.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  generatedFamilyCases,
  generatedSchemaCases,
  materializeGenerated,
} from './helpers/bad-inputs.js';
import { materialize, readCase } from './helpers/case-file.js';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..');
const CASES = path.join(import.meta.dirname, 'bad-inputs');
const GIB = 2 ** 30;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `gitpoms validate` in `dir`; its exit code and its peak RSS in bytes. */
async function validate(dir: string): Promise<{ code: number; rss: number; stderr: string }> {
  const out = mkdtempSync(path.join(tmpdir(), 'gitpoms-rss-'));
  dirs.push(out);
  const file = path.join(out, 'rss');
  const args = [
    '--max-old-space-size=1024',
    '--import',
    pathToFileURL(path.join(import.meta.dirname, 'helpers', 'report-rss.mjs')).href,
    path.join(ROOT, 'bin', 'gitpoms.js'),
    'validate',
  ];
  const env = { PATH: process.env.PATH, HOME: out, GITPOMS_TEST_RSS_FILE: file };
  let code = 0;
  let stderr = '';
  try {
    await run(process.execPath, args, { cwd: dir, env, timeout: 60_000 });
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    code = typeof err.code === 'number' ? err.code : -1;
    stderr = err.stderr ?? '';
  }
  return { code, rss: Number(readFileSync(file, 'utf8')), stderr };
}

const handWritten = readdirSync(path.join(CASES, 'cases'))
  .filter((f) => f.endsWith('.case'))
  .sort()
  .map(
    (f) =>
      [
        `hand-written: ${f}`,
        () => materialize(path.join(CASES, 'base'), readCase(path.join(CASES, 'cases', f))),
      ] as const,
  );
const generated = [...generatedSchemaCases(), ...generatedFamilyCases()].map(
  (c) => [c.name, () => materializeGenerated(c.files)] as const,
);

describe.concurrent('every bad input in at most 1 GiB', () => {
  it.each([...handWritten, ...generated])('%s', async (_name, make) => {
    const dir = make();
    dirs.push(dir);
    const v = await validate(dir);
    expect(v.code, v.stderr).toBe(1);
    expect(v.rss).toBeGreaterThan(0);
    expect(v.rss).toBeLessThanOrEqual(GIB);
  });
});
