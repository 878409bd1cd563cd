/** Read access to one revision of a repository: a working directory or a git commit. */
export interface RepoFiles {
  /** Label shown in messages, e.g. the directory or `HEAD~1`. */
  readonly label: string;
  /** Every file path (relative, '/'-separated) under `dir`, recursively. */
  list(dir: string): string[];
  /** The text of a file, or undefined when it does not exist. */
  read(path: string): string | undefined;
  exists(path: string): boolean;
  /**
   * Why a path that is there cannot be read as a declaration (a link out of the repository,
   * not a regular file, too large); undefined when it reads, or is simply not there.
   */
  problem(path: string): string | undefined;
}

/** The largest file a declaration, fife_launch config or launch script may be. */
export const MAX_REPO_FILE_BYTES = 8 * 1024 * 1024;

/** An in-memory repository, for tests and for git revisions read up front. */
export function memoryRepo(files: Record<string, string>, label = 'memory'): RepoFiles {
  const norm = (p: string) => p.replace(/^\.(\/|$)/, '').replace(/\/+$/, '');
  return {
    label,
    list(dir) {
      const d = norm(dir);
      return Object.keys(files)
        .filter((f) => d === '' || d === '.' || f === d || f.startsWith(`${d}/`))
        .sort();
    },
    read: (p) => files[norm(p)],
    problem: () => undefined,
    exists(p) {
      const n = norm(p);
      return n === '' || n in files || Object.keys(files).some((f) => f.startsWith(`${n}/`));
    },
  };
}

/** Normalises a repository-relative path; undefined when it escapes the repository. */
export function insideRepo(p: string): string | undefined {
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return undefined;
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/** The part of a repository under `prefix`, as a repository of its own. */
export function subRepo(repo: RepoFiles, prefix: string): RepoFiles {
  const at = (p: string) =>
    p === '' || p === '.' ? prefix : `${prefix}/${p.replace(/^\.\//, '')}`;
  return {
    label: `${repo.label}:${prefix}`,
    list: (dir) => repo.list(at(dir)).map((f) => f.slice(prefix.length + 1)),
    read: (p) => repo.read(at(p)),
    exists: (p) => repo.exists(at(p)),
    problem: (p) => repo.problem(at(p)),
  };
}

/** A repository with files added or replaced in memory: what it would be once they are written. */
export function overlayRepo(base: RepoFiles, files: Readonly<Record<string, string>>): RepoFiles {
  const added = memoryRepo(files);
  return {
    label: base.label,
    list: (dir) => [...new Set([...base.list(dir), ...added.list(dir)])].sort(),
    read: (p) => added.read(p) ?? base.read(p),
    problem: (p) => (added.read(p) !== undefined ? undefined : base.problem(p)),
    exists: (p) => added.exists(p) || base.exists(p),
  };
}
