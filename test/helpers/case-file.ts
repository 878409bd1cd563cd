import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A bad-input case: what it shows, files laid over the base repository, the expected errors. */
export interface CaseFile {
  what: string;
  files: Record<string, string>;
  /** `-- link PATH --` sections: symbolic links to the target the section holds. */
  links: Record<string, string>;
  /** `-- fifo PATH --` sections: named pipes (a reader of one blocks until a writer comes). */
  fifos: string[];
  /** `-- base64 PATH --` sections: files of exactly these bytes (encodings, binary, CR-only). */
  bytes: Record<string, Buffer>;
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
  const links: Record<string, string> = {};
  const fifos: string[] = [];
  const bytes: Record<string, Buffer> = {};
  for (const [name, text] of Object.entries(files)) {
    const m = /^(link|fifo|base64) (.+)$/.exec(name);
    if (!m) continue;
    delete files[name];
    if (m[1] === 'link') links[m[2]!] = text.trim();
    else if (m[1] === 'base64') bytes[m[2]!] = Buffer.from(text.replace(/\s+/g, ''), 'base64');
    else fifos.push(m[2]!);
  }
  return { what, files, links, fifos, bytes, expect };
}

/** Copies the base repository and the case's files into a fresh temporary directory. */
export function materialize(base: string, c: CaseFile): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gitpoms-case-'));
  cpSync(base, dir, { recursive: true });
  for (const [p, text] of Object.entries(c.files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  for (const [p, data] of Object.entries(c.bytes)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), data);
  }
  for (const [p, target] of Object.entries(c.links)) {
    rmSync(path.join(dir, p), { force: true });
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    symlinkSync(target, path.join(dir, p));
  }
  for (const p of c.fifos) {
    rmSync(path.join(dir, p), { force: true });
    execFileSync('mkfifo', [path.join(dir, p)]);
  }
  return dir;
}

export function readCase(file: string): CaseFile {
  return parseCase(readFileSync(file, 'utf8'));
}
