import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/capture.js';
import { materialize, readCase } from './helpers/case-file.js';

const root = path.join(import.meta.dirname, 'bad-inputs');
const files = readdirSync(path.join(root, 'cases'))
  .filter((f) => f.endsWith('.case'))
  .sort();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('bad-input corpus', () => {
  it('has at least 50 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });

  it.each(files)('%s', async (file) => {
    const c = readCase(path.join(root, 'cases', file));
    expect(c.expect.length, `${file} lists no expected error`).toBeGreaterThan(0);
    const dir = materialize(path.join(root, 'base'), c);
    dirs.push(dir);
    const v = await cli(['validate'], { cwd: dir });
    expect(v.code).toBe(1);
    const errors = v.stderr.split('\n').filter((l) => /^\S+:\d+:\d+: error /.test(l));
    expect(errors).toEqual(c.expect);
    // Nothing read through a link shows: no line of /etc/passwd or /etc/hosts.
    expect(v.stdout + v.stderr).not.toMatch(/root:.*:0:0:|^127\.0\.0\.1\s/m);
    // Nor any literal credential a case plants.
    expect(v.stdout + v.stderr).not.toMatch(/hunter2|ghp_[A-Za-z0-9]{20}|eyJhbGciOi/);
    const r = await cli(['reconcile', '--dry-run', '--detailed-exitcode'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('the base repository of the corpus', () => {
  it('is valid, so each case fails for its own reason', async () => {
    const v = await cli(['validate'], { cwd: path.join(root, 'base') });
    expect(v.stderr).toBe('');
    expect(v.code).toBe(0);
  });
});
