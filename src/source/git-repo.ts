import { execFileSync } from 'node:child_process';
import { GitpomsError } from '../errors.js';
import { MAX_REPO_FILE_BYTES, type RepoFiles } from '../desired/repo.js';

function git(cwd: string, args: string[]): string {
  return gitBytes(cwd, args).toString('utf8');
}

function gitBytes(cwd: string, args: string[], input?: string): Buffer {
  try {
    return execFileSync('git', args, {
      cwd,
      maxBuffer: 256 * 1024 * 1024,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(input === undefined ? {} : { input }),
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
  /**
   * Reads the YAML files of a listing with one `git cat-file --batch` (one process, not one
   * per file: a repository of thousands of campaign files is read in one go).
   */
  const prefetch = (names: readonly string[]) => {
    const want = names.filter(
      (n) => /\.ya?ml$/.test(n) && !n.includes('\n') && !cache.has(n) && !problem(n),
    );
    if (want.length < 2) return;
    const out = gitBytes(
      root,
      ['cat-file', '--batch'],
      want.map((n) => `${commit}:${n}\n`).join(''),
    );
    let at = 0;
    for (const n of want) {
      const eol = out.indexOf(10, at);
      // "<sha> blob <size>", or "<name> missing"
      const header = /^\S+ (\S+) (\d+)$/.exec(out.subarray(at, eol).toString('utf8'));
      if (eol < 0 || !header) return;
      const size = Number(header[2]);
      if (header[1] === 'blob')
        cache.set(n, out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
      at = eol + 1 + size + 1;
    }
  };
  return {
    label: `${rev} (${commit.slice(0, 12)})`,
    list(dir) {
      const d = norm(dir);
      const listed = files.filter((f) => d === '' || d === '.' || f === d || f.startsWith(`${d}/`));
      prefetch(listed);
      return listed;
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
