import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A bad-input case: what it shows, files laid over the base repository, the expected errors. */
export interface CaseFile {
  what: string;
  files: Record<string, string>;
  expect: string[];
}

/** Parses the `-- path --` sections of a .case file; `-- expect --` holds the expected error lines. */
export function parseCase(text: string): CaseFile {
  const lines = text.split('\n');
  const what = (lines[0] ?? '').replace(/^#\s*/, '');
  const files: Record<string, string> = {};
  let current: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (current !== undefined) files[current] = buf.join('\n');
  };
  for (const line of lines.slice(1)) {
    const m = /^-- (.+) --$/.exec(line);
    if (m) {
      flush();
      current = m[1]!;
      buf = [];
    } else buf.push(line);
  }
  flush();
  const expect = (files.expect ?? '').split('\n').filter((l) => l.trim() !== '');
  delete files.expect;
  return { what, files, expect };
}

/** Copies the base repository and the case's files into a fresh temporary directory. */
export function materialize(base: string, c: CaseFile): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-case-'));
  cpSync(base, dir, { recursive: true });
  for (const [p, text] of Object.entries(c.files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

export function readCase(file: string): CaseFile {
  return parseCase(readFileSync(file, 'utf8'));
}
