// An example for every command's --help, by its path (`token create`); test/cli-help.test.ts
// fails for a command without one.
export const EXAMPLES: Readonly<Record<string, readonly string[]>> = {
  validate: ['gitpoms validate', 'gitpoms validate ../other-repo/campaigns --catalog'],
  reconcile: [
    'gitpoms reconcile --dry-run --format markdown --detailed-exitcode > plan.md',
    'gitpoms reconcile --watch --interval 30',
  ],
  diff: ['gitpoms diff --base origin/main --format markdown'],
  graph: ['gitpoms graph --campaign sbnd-mcc-test-1 --format dot --live | dot -Tsvg > dag.svg'],
  schema: ['gitpoms schema', 'gitpoms schema Campaign > campaign.schema.json'],
  'fife-launch': [
    'gitpoms fife-launch -c campaigns/sbnd/cfg/sbnd_launch.cfg --dry_run -Osubmit.N=3',
  ],
  run: [
    'gitpoms run --campaign sbnd-mcc-test-1',
    'gitpoms run --campaign sbnd-mcc-test-1 --batch slurm',
  ],
  status: ['gitpoms status', 'gitpoms status sbnd-mcc-test-1 g4'],
  show: ["gitpoms show 'sbnd-mcc-test-1/g4/mc-1#1'"],
  explain: ["gitpoms explain 'sbnd-mcc-test-1/g4/mc-1+r1#1'"],
  jobs: ['gitpoms jobs --failed', 'gitpoms jobs --campaign sbnd-mcc-test-1 --stage g4'],
  logs: ['gitpoms logs 12.3@local'],
  files: ['gitpoms files --dims "gitpoms.stage gen"'],
  define: ['gitpoms define sbnd_reco1_2024 "data_tier reconstructed and run_number 7001"'],
  hold: ['gitpoms hold sbnd-mcc-test-1 g4 --reason "dCache outage" --for 2h'],
  kill: ['gitpoms kill sbnd-mcc-test-1 reco --reason "wrong fcl" --yes'],
  'launch-now': ['gitpoms launch-now sbnd-reco2 reco2'],
  release: ['gitpoms release sbnd-mcc-test-1 g4 --reason "dCache back"'],
  prune: ['gitpoms prune sbnd-mcc-test-1 anatree --reason "stage retired" --yes'],
  overrides: ['gitpoms overrides'],
  launches: ['gitpoms launches status'],
  'launches hold': ['gitpoms launches hold --reason "site downtime"'],
  'launches allow': ['gitpoms launches allow --reason "downtime over"'],
  'launches status': ['gitpoms launches status'],
  serve: [
    'gitpoms serve --source https://github.com/EXP/production-campaigns.git --port 8080',
    'gitpoms serve --no-reconcile --port 8081',
    'gitpoms serve --replica-id r1 --lease-seconds 6',
  ],
  token: ['gitpoms token list'],
  'token create': [
    'gitpoms token create --name alice --role shifter --experiment sbnd --expires 30d',
  ],
  'token list': ['gitpoms token list --format json'],
  'token revoke': ['gitpoms token revoke 0123456789abcdef'],
  store: ['gitpoms store migrate'],
  'store migrate': ['GITPOMS_STORE_URL=postgresql://… gitpoms store migrate'],
  'store copy': [
    'gitpoms store copy --from sqlite:.gitpoms-data/state.sqlite --to postgres   # the URL from $GITPOMS_STORE_URL',
  ],
  'split-preview': ['gitpoms split-preview sbnd-reco2/reco2 --calls 5'],
  'split-reset': ['gitpoms split-reset sbnd-reco2/reco2 --reason "new definition" --yes'],
  clone: [
    "gitpoms clone sbnd-mcc-test-1 sbnd-mcc-test-2 --set 'gen.overrides.global.fclfile=prodgenie_nu_cryostat.fcl'",
    "gitpoms clone sbnd-mcc-test-1 sbnd-mcc-test-2 --set '*.softwareVersion=v06_49_00' --set spec.state=held",
    "gitpoms clone sbnd-reco2 sbnd-reco2-b --set 'calib.dependsOn[0].stage=reco2'",
  ],
  'import-poms': [
    'gitpoms import-poms sbnd_mcc_test_1.ini --files ~/from-sbndgpvm01/cfg --out campaigns/sbnd',
  ],
  'export-poms': ['gitpoms export-poms sbnd-mcc-test-1 --out sbnd-mcc-test-1.ini'],
  completion: [
    'eval "$(gitpoms completion bash)"          # in ~/.bashrc',
    'gitpoms completion zsh > "${fpath[1]}/_gitpoms"',
    'gitpoms completion fish > ~/.config/fish/completions/gitpoms.fish',
  ],
};

export function exampleText(lines: readonly string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
