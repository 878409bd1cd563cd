import { execFileSync } from 'node:child_process';
import { GitpomsError } from '../errors.js';
import { MAX_REPO_FILE_BYTES, type RepoFiles } from '../desired/repo.js';

function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr?.trim();
    throw new GitpomsError(
      'git-failed',
      `git ${args.join(' ')} failed in ${cwd}${stderr ? `: ${stderr}` : ''}`,
      { cause: e },
    );
  }
}

/** The commit a revision name points at, or undefined outside a git repository. */
export function resolveRevision(root: string, rev = 'HEAD'): string | undefined {
  try {
    return git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** One git revision as a RepoFiles: file names from ls-tree, contents from cat-file. */
export function gitRepo(root: string, rev: string): RepoFiles {
  const commit = resolveRevision(root, rev);
  if (!commit)
    throw new GitpomsError(
      'git-revision',
      `"${rev}" is not a commit of the git repository at ${root}`,
    );
  // "MODE TYPE SHA SIZE\tPATH": links (120000) are kept as they are, never followed.
  const entries = new Map<string, { link: boolean; size: number }>();
  for (const line of git(root, ['ls-tree', '-r', '-l', '-z', commit]).split('\0')) {
    const m = /^(\d+) \w+ \w+ +(\d+|-)\t(.+)$/s.exec(line);
    if (m) entries.set(m[3]!, { link: m[1] === '120000', size: Number(m[2]) || 0 });
  }
  const files = [...entries.keys()].sort();
  const problem = (n: string): string | undefined => {
    const e = entries.get(n);
    if (e?.link)
      return 'a symbolic link; declarations are read from git as they are, never through a link';
    if (e && e.size > MAX_REPO_FILE_BYTES)
      return `${e.size} bytes, more than the ${MAX_REPO_FILE_BYTES} a file here may have`;
    return undefined;
  };
  const cache = new Map<string, string>();
  const norm = (p: string) => p.replace(/^\.(\/|$)/, '').replace(/\/+$/, '');
  return {
    label: `${rev} (${commit.slice(0, 12)})`,
    list(dir) {
      const d = norm(dir);
      return files.filter((f) => d === '' || d === '.' || f === d || f.startsWith(`${d}/`));
    },
    read(p) {
      const n = norm(p);
      if (!entries.has(n) || problem(n)) return undefined;
      if (!cache.has(n)) cache.set(n, git(root, ['cat-file', 'blob', `${commit}:${n}`]));
      return cache.get(n);
    },
    exists(p) {
      const n = norm(p);
      return n === '' || entries.has(n) || files.some((f) => f.startsWith(`${n}/`));
    },
    problem: (p) => problem(norm(p)),
  };
}
