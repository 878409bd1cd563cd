import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@x',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@x',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();
}

/**
 * A real git setup on disk: a bare "remote" repository and a working clone that commits and
 * pushes to it, as an operator's laptop and the experiment's GitHub would.
 */
export class GitFixture {
  readonly root: string;
  readonly remote: string;
  readonly work: string;

  /** `files` are copied into the first commit: repository-relative destination → source path. */
  constructor(files: Record<string, string>, prefix = 'gitpoms-git-') {
    this.root = mkdtempSync(path.join(tmpdir(), prefix));
    this.remote = path.join(this.root, 'remote.git');
    this.work = path.join(this.root, 'work');
    git(this.root, 'init', '-q', '--bare', '-b', 'main', this.remote);
    mkdirSync(this.work);
    for (const [to, from] of Object.entries(files))
      cpSync(from, path.join(this.work, to), { recursive: true });
    git(this.work, 'init', '-q', '-b', 'main');
    git(this.work, 'remote', 'add', 'origin', this.remote);
    this.commitAndPush('first');
  }

  read(file: string): string {
    return readFileSync(path.join(this.work, file), 'utf8');
  }

  write(file: string, text: string): void {
    mkdirSync(path.dirname(path.join(this.work, file)), { recursive: true });
    writeFileSync(path.join(this.work, file), text);
  }

  /** Commits everything and returns the new HEAD. */
  commit(message: string): string {
    git(this.work, 'add', '-A');
    git(this.work, 'commit', '-q', '--allow-empty', '-m', message);
    return git(this.work, 'rev-parse', 'HEAD');
  }

  commitAndPush(message: string, opts: { force?: boolean } = {}): string {
    const head = this.commit(message);
    git(this.work, 'push', '-q', ...(opts.force ? ['--force'] : []), 'origin', 'main');
    return head;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
