import { GitFixture } from './git-fixture.js';

/**
 * A small SBND repository for the git-driven tests and the latency benchmark: the SBND job
 * types and launch template, and one campaign of independent generation stages (4 jobs each).
 */
export function gitopsFixture(first: string[] = ['gen']): GitFixture {
  const fx = new GitFixture(
    {
      'campaigns/sbnd/jobtypes.yaml': 'campaigns/sbnd/jobtypes.yaml',
      'campaigns/sbnd/launch.yaml': 'campaigns/sbnd/launch.yaml',
      'campaigns/sbnd/cfg': 'campaigns/sbnd/cfg',
      demo: 'demo',
    },
    'gitpoms-gitops-',
  );
  writeGitopsRepo(fx, first);
  fx.commitAndPush(`stages ${first.join(' ')}`);
  return fx;
}

export interface GitopsOptions {
  prune?: 'true' | 'false' | 'confirm';
  fraction?: number;
  /** Extra lines under the Config's spec (e.g. a source section). */
  configExtra?: string;
}

/** Writes the campaign with these stages, and gitpoms.yaml, into the working clone. */
export function writeGitopsRepo(fx: GitFixture, stages: string[], opts: GitopsOptions = {}): void {
  fx.write(
    'campaigns/gitops.yaml',
    `apiVersion: gitpoms/v1
kind: Campaign
metadata: { name: gitops, experiment: sbnd }
spec:
  launchTemplate: sbnd-launch
  jobType: sbnd-gen-fife-launch
  prune: ${opts.prune ?? 'false'}
  stages:
${stages
  .map(
    (s) => `    - name: ${s}
      dataset: none
      completion: { type: complete, percent: 100 }
      overrides:
        global.fclfile: ${s}.fcl
        global.basename: ${s}
        submit.N: 4
        executable.arg_5: -n15
`,
  )
  .join('')}`,
  );
  fx.write(
    'gitpoms.yaml',
    `apiVersion: gitpoms/v1
kind: Config
spec:
  paths: [campaigns]
  defaults: { prune: false, pruneMaxFraction: ${opts.fraction ?? 0.1} }
  local: { slots: 8, path: [demo/bin], passEnv: ['DEMO_*'] }
${opts.configExtra ?? ''}`,
  );
}
