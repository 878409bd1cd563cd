import { execFile } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { watch, type FSWatcher } from 'chokidar';
import { GitpomsError } from '../errors.js';
import { redactUrl } from '../secrets.js';
import { insideRepo, subRepo, type RepoFiles } from '../desired/repo.js';
import { fsRepo } from './fs-repo.js';
import { resolveRevision } from './git-repo.js';
import { GitSource } from './git-source.js';

const run = promisify(execFile);

/** One revision of the desired state, readable, and (once checked out) on disk for launches. */
export interface Revision {
  /** Commit SHA; undefined for a working tree outside git. */
  revision: string | undefined;
  /** What the store records it under: the SHA, or "working-tree". */
  id: string;
  /** The declarations (rooted at the source's sub-path). */
  repo: RepoFiles;
  /** True when the same id can show different content (a working directory being edited). */
  mutable?: boolean;
}

/** Where the reconciler's desired state comes from: a working directory or a git branch. */
export interface SpecSource {
  readonly description: string;
  /** The newest revision (fetching first when the source is remote). */
  latest(): Promise<Revision>;
  /** A directory holding exactly this revision: fife_launch configs and scripts are read there. */
  checkout(rev: Revision): Promise<string>;
  /** A revision by id, for falling back to the last applied one after a restart; undefined when gone. */
  byId(id: string): Promise<Revision | undefined>;
  /** Calls back (debounced) when the source may have changed; returns a stop function. */
  watch(onChange: (why: string) => void): Promise<() => Promise<void>>;
  /** Removes on-disk checkouts of revisions not in `keep`. */
  prune(keep: ReadonlySet<string>): Promise<void>;
}

/** Calls `fn` once, `ms` after the last of a burst of calls. */
function debounce(fn: (why: string) => void, ms: number): (why: string) => void {
  let timer: NodeJS.Timeout | undefined;
  return (why) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(why), ms);
  };
}

async function watchPaths(
  paths: string[],
  ignored: (p: string) => boolean,
  onChange: (why: string) => void,
  debounceMs: number,
  relevant: (p: string) => boolean = () => true,
): Promise<() => Promise<void>> {
  const fire = debounce(onChange, debounceMs);
  const w: FSWatcher = watch(paths, { ignoreInitial: true, ignored });
  w.on('all', (event, p) => {
    if (relevant(p)) fire(`${event} ${p}`);
  });
  await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return () => w.close();
}

/**
 * A working directory, read as it is (uncommitted edits included): for development and the
 * demo. The revision is its HEAD commit when it is a git repository.
 */
export class WorkingTreeSource implements SpecSource {
  readonly description: string;
  /** What the newest revision's load read and listed (absolute paths): what a change must touch. */
  private read = new Set<string>();
  private listed = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly opts: { ignore: string[]; debounceMs?: number },
  ) {
    this.description = `working directory ${root}`;
  }

  async latest(): Promise<Revision> {
    const revision = resolveRevision(this.root);
    const repo = fsRepo(this.root);
    const read = new Set<string>();
    const listed = new Set<string>();
    this.read = read;
    this.listed = listed;
    const abs = (p: string) => path.resolve(this.root, p);
    return {
      revision,
      id: revision ?? 'working-tree',
      repo: {
        ...repo,
        read: (p) => (read.add(abs(p)), repo.read(p)),
        list: (dir) => (listed.add(abs(dir)), repo.list(dir)),
      },
      mutable: true,
    };
  }

  /**
   * Whether a changed path can change the desired state: a file the last load read, a YAML
   * file under a directory it listed (a new declaration), or gitpoms.yaml. A log or an editor's
   * file elsewhere in the working directory starts no pass.
   */
  private relevant(p: string): boolean {
    const f = path.resolve(p);
    if (f === path.join(path.resolve(this.root), 'gitpoms.yaml') || this.read.has(f)) return true;
    if (!/\.ya?ml$/i.test(f)) return false;
    for (const d of this.listed) if (f.startsWith(`${d}${path.sep}`)) return true;
    return false;
  }

  async checkout(): Promise<string> {
    return this.root;
  }

  async byId(): Promise<Revision | undefined> {
    // A working directory keeps no history to fall back on.
    return undefined;
  }

  watch(onChange: (why: string) => void): Promise<() => Promise<void>> {
    const skip = this.opts.ignore.map((p) => path.resolve(p));
    const ignored = (p: string) =>
      /(^|[/\\])(\.git|node_modules)([/\\]|$)/.test(p) ||
      skip.some((d) => p === d || p.startsWith(`${d}${path.sep}`));
    return watchPaths([this.root], ignored, onChange, this.opts.debounceMs ?? 200, (p) =>
      this.relevant(p),
    );
  }

  async prune(): Promise<void> {}
}

export interface GitSpecSourceOptions {
  repository: string;
  branch: string;
  /** Sub-path of the repository holding gitpoms.yaml and the declarations. */
  path?: string;
  /** Directory for the clone and the checkouts (under the data directory). */
  dir: string;
  debounceMs?: number;
}

/**
 * A git branch: a bare clone fetched on demand, the declarations read straight from the
 * commit (a broken commit is never checked out), and one detached worktree per revision that
 * is acted on, kept while submissions launched from it may still read it.
 */
export class GitSpecSource implements SpecSource {
  readonly description: string;
  private readonly git: GitSource;
  private readonly bare: string;
  private readonly checkouts: string;
  private readonly sub: string;

  constructor(private readonly opts: GitSpecSourceOptions) {
    const sub = insideRepo(opts.path ?? '');
    if (sub === undefined)
      throw new GitpomsError(
        'git-source',
        `source path ${opts.path} leaves the repository; give a path inside it`,
      );
    this.sub = sub;
    this.bare = path.join(opts.dir, 'repo.git');
    this.checkouts = path.join(opts.dir, 'checkouts');
    this.git = new GitSource({ repository: opts.repository, branch: opts.branch, dir: this.bare });
    this.description = `${redactUrl(opts.repository)} branch ${opts.branch}${sub ? ` path ${sub}` : ''}`;
  }

  private revision(sha: string, repo: RepoFiles): Revision {
    return { revision: sha, id: sha, repo: this.sub ? subRepo(repo, this.sub) : repo };
  }

  async latest(): Promise<Revision> {
    const { revision, repo } = await this.git.sync();
    return this.revision(revision, repo);
  }

  async byId(id: string): Promise<Revision | undefined> {
    const r = await this.git.at(id);
    return r && this.revision(r.revision, r.repo);
  }

  /** The branch's newest commits as fetched, newest first, along first parents. */
  async history(limit: number): Promise<string[]> {
    const out = await this.gitIn([
      'rev-list',
      '--first-parent',
      `--max-count=${limit}`,
      `refs/remotes/origin/${this.opts.branch}`,
    ]);
    return out.split('\n').filter(Boolean);
  }

  private async gitIn(args: string[]): Promise<string> {
    try {
      return (await run('git', ['--git-dir', this.bare, ...args], { maxBuffer: 16 << 20 })).stdout;
    } catch (e) {
      throw new GitpomsError(
        'git-source',
        `git ${args.join(' ')} failed: ${(e as { stderr?: string }).stderr?.trim() || (e as Error).message}`,
        { cause: e },
      );
    }
  }

  async checkout(rev: Revision): Promise<string> {
    const sha = rev.revision!;
    const dir = path.join(this.checkouts, sha);
    if (existsSync(dir)) {
      // A checkout cut short by a crash is redone.
      if (resolveRevision(dir) === sha) return path.join(dir, this.sub);
      rmSync(dir, { recursive: true, force: true });
      await this.gitIn(['worktree', 'prune']);
    }
    await this.gitIn(['worktree', 'add', '--detach', '--force', dir, sha]);
    return path.join(dir, this.sub);
  }

  async watch(onChange: (why: string) => void): Promise<() => Promise<void>> {
    // A repository on this machine: its refs change the moment a commit or push lands.
    const local = path.resolve(this.opts.repository);
    if (!existsSync(local) || !statSync(local).isDirectory()) return async () => {};
    const gitDir = existsSync(path.join(local, '.git')) ? path.join(local, '.git') : local;
    return watchPaths(
      [path.join(gitDir, 'refs', 'heads'), path.join(gitDir, 'packed-refs')],
      () => false,
      onChange,
      this.opts.debounceMs ?? 50,
    );
  }

  async prune(keep: ReadonlySet<string>): Promise<void> {
    if (!existsSync(this.checkouts)) return;
    for (const sha of readdirSync(this.checkouts)) {
      if (keep.has(sha)) continue;
      const dir = path.join(this.checkouts, sha);
      try {
        await this.gitIn(['worktree', 'remove', '--force', dir]);
      } catch {
        // Not a registered worktree (a checkout cut short): remove it by hand.
        rmSync(dir, { recursive: true, force: true });
        await this.gitIn(['worktree', 'prune']);
      }
    }
  }
}
