import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { GitpomsError } from '../errors.js';
import { redactUrl } from '../secrets.js';
import type { RepoFiles } from '../desired/repo.js';
import { gitRepo, resolveRevision } from './git-repo.js';

export interface GitSourceOptions {
  /** Remote URL or local path of the repository holding the declarations. */
  repository: string;
  branch: string;
  /** Where the clone lives (under the data directory). */
  dir: string;
  /** Seconds a git command may take. */
  timeoutSeconds?: number;
}

export interface SourceRevision {
  revision: string;
  repo: RepoFiles;
}

/**
 * The desired state's git source: cloned once, then fetched. The branch is read from the
 * fetched remote-tracking ref, so a force-push is followed like any other push; a failure
 * (unreachable remote, deleted branch, not a repository) is a retryable error that changes
 * nothing, and the caller keeps acting on the last good revision.
 */
export class GitSource {
  private readonly git: SimpleGit;

  constructor(private readonly opts: GitSourceOptions) {
    mkdirSync(opts.dir, { recursive: true });
    this.git = simpleGit({
      baseDir: opts.dir,
      timeout: { block: (opts.timeoutSeconds ?? 120) * 1000 },
    });
  }

  private fail(what: string, e: unknown): never {
    const detail =
      e instanceof Error ? e.message.trim().split('\n').slice(-2).join(' ') : String(e);
    throw new GitpomsError(
      'git-source',
      redactUrl(`${what} ${this.opts.repository} (branch ${this.opts.branch}): ${detail}`),
      { cause: e },
    );
  }

  /** Fetches and returns the branch's newest commit as a readable revision. */
  async sync(): Promise<SourceRevision> {
    const { repository, branch, dir } = this.opts;
    if (!existsSync(path.join(dir, 'HEAD'))) {
      try {
        await this.git.init(['--bare']);
        await this.git.addRemote('origin', repository);
      } catch (e) {
        this.fail('cannot prepare a clone of', e);
      }
    }
    try {
      await this.git.fetch([
        '--prune',
        '--no-tags',
        'origin',
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ]);
    } catch (e) {
      this.fail('cannot fetch', e);
    }
    let revision: string;
    try {
      revision = (await this.git.revparse([`refs/remotes/origin/${branch}^{commit}`])).trim();
    } catch (e) {
      this.fail('no branch in', e);
    }
    return { revision, repo: gitRepo(dir, revision) };
  }

  /** A commit already fetched, by SHA; undefined when the clone does not have it. */
  async at(sha: string): Promise<SourceRevision | undefined> {
    if (!existsSync(path.join(this.opts.dir, 'HEAD'))) return undefined;
    const revision = resolveRevision(this.opts.dir, sha);
    return revision === undefined
      ? undefined
      : { revision, repo: gitRepo(this.opts.dir, revision) };
  }
}
