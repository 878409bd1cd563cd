import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { RepoFiles } from '../desired/repo.js';

const SKIP = new Set(['.git', 'node_modules']);

/** A working directory as a RepoFiles; symbolic links are not followed out of it. */
export function fsRepo(root: string): RepoFiles {
  const abs = (p: string) => path.join(root, p);
  return {
    label: root,
    list(dir) {
      const start = dir === '.' ? '' : dir.replace(/\/+$/, '');
      if (start && statSync(abs(start), { throwIfNoEntry: false })?.isFile()) return [start];
      const out: string[] = [];
      const walk = (rel: string) => {
        for (const e of readdirSync(abs(rel), { withFileTypes: true })) {
          if (SKIP.has(e.name)) continue;
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else if (e.isFile()) out.push(r);
        }
      };
      walk(start);
      return out.sort();
    },
    read(p) {
      try {
        return readFileSync(abs(p), 'utf8');
      } catch {
        return undefined;
      }
    },
    exists: (p) => existsSync(abs(p)),
  };
}
