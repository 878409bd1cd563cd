import {
  closeSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';
import { insideRepo, MAX_REPO_FILE_BYTES, type RepoFiles } from '../desired/repo.js';

const SKIP = new Set(['.git', 'node_modules']);

type Located = { real: string; stat: Stats } | { missing: true } | { refused: string };

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a fifo';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A working directory as a RepoFiles. Every path is resolved to its real path first:
 * nothing outside the repository is read, through `..` or a symbolic link; only regular
 * files are read (a fifo would block, a device never end), and none larger than
 * MAX_REPO_FILE_BYTES.
 */
export function fsRepo(root: string): RepoFiles {
  let top: string;
  try {
    top = realpathSync(root);
  } catch {
    top = path.resolve(root);
  }
  const locate = (p: string): Located => {
    const rel = insideRepo(p.replace(/\/+$/, ''));
    if (rel === undefined) return { refused: 'outside the repository' };
    let real: string;
    try {
      real = realpathSync(path.join(top, rel));
    } catch {
      return { missing: true };
    }
    if (real !== top && !real.startsWith(`${top}${path.sep}`))
      return { refused: `a link to ${real}, outside the repository` };
    return { real, stat: statSync(real) };
  };
  const readable = (p: string): { real: string; size: number } | { problem?: string } => {
    const at = locate(p);
    if ('missing' in at) return {};
    if ('refused' in at) return { problem: at.refused };
    if (at.stat.isDirectory()) return {};
    if (!at.stat.isFile()) return { problem: kindOf(at.stat) };
    if (at.stat.size > MAX_REPO_FILE_BYTES)
      return {
        problem: `${at.stat.size} bytes, more than the ${MAX_REPO_FILE_BYTES} a file here may have`,
      };
    return { real: at.real, size: at.stat.size };
  };
  return {
    label: root,
    list(dir) {
      const start = dir === '.' ? '' : dir.replace(/\/+$/, '');
      const at = locate(start === '' ? '.' : start);
      if (!('real' in at)) return [];
      if (!at.stat.isDirectory()) return [start];
      const out: string[] = [];
      const seen = new Set<string>();
      const walk = (rel: string, real: string) => {
        if (seen.has(real)) return; // a link back up the tree
        seen.add(real);
        for (const e of readdirSync(real, { withFileTypes: true })) {
          if (SKIP.has(e.name)) continue;
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r, path.join(real, e.name));
          else if (e.isSymbolicLink()) {
            const to = locate(r);
            if ('real' in to && to.stat.isDirectory()) walk(r, to.real);
            // A link to a file, or refused: listed, so reading it says which.
            else if (!('missing' in to)) out.push(r);
          } else out.push(r);
        }
      };
      walk(start, at.real);
      return out.sort();
    },
    read(p) {
      const f = readable(p);
      if (!('real' in f)) return undefined;
      const fd = openSync(f.real, 'r');
      try {
        const buf = Buffer.alloc(f.size + 1);
        let n = 0;
        for (let got = 1; got > 0 && n < buf.length; n += got)
          got = readSync(fd, buf, n, buf.length - n, n);
        // More than its stat said: it is changing (or beyond the cap); not read half-written.
        return n === buf.length ? undefined : buf.subarray(0, n).toString('utf8');
      } finally {
        closeSync(fd);
      }
    },
    exists: (p) => 'real' in locate(p),
    problem: (p) => {
      const f = readable(p);
      return 'problem' in f ? f.problem : undefined;
    },
  };
}
