/* Generated from schemas/*.schema.json by `npm run gen:types`. Do not edit. */

/**
 * active: launch and run; held: hold jobs, launch nothing; inactive: launch nothing, let jobs finish; killed: kill jobs.
 */
export type State = 'active' | 'held' | 'inactive' | 'killed';
/**
 * How a dataset is cut into submissions. Either POMS syntax as a string, e.g. 'nfiles(10)', or an object.
 */
export type Split =
  | string
  | {
      type:
        | 'none'
        | 'list'
        | 'multiparam'
        | 'mod'
        | 'nfiles'
        | 'limitn'
        | 'byrun'
        | 'byexistingruns'
        | 'draining'
        | 'drainingn'
        | 'stagedfiles'
        | 'new';
      n?: number;
      low?: number;
      high?: number;
      window?: string;
      round?: string;
      fts?: string;
      localtime?: boolean;
      firsttime?: string | number;
      lasttime?: string | number;
    };
/**
 * A command as an argument vector; never run through a shell.
 *
 * @minItems 1
 */
export type Argv = [string, ...string[]];
export type EnvValue =
  | {
      value: string;
    }
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };
export type Probe =
  | {
      /**
       * an http:// or https:// URL, fetched with GET
       */
      http: string;
      expectStatus?: number;
    }
  | {
      command: Argv;
    }
  | {
      /**
       * ask the deployment's own file catalog (gitpoms.yaml backends.catalog: the embedded one, or SAM web at its baseUrl) a question that costs nothing; good when it answers
       */
      catalog: true;
    };
/**
 * postgresql://user:password@host:port/database, from the reconciler's environment or a file. Default: the environment variable GITPOMS_STORE_URL.
 */
export type SecretRef =
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };
/**
 * A bearer token, by reference; a job resolves it in its own environment.
 */
export type SecretRef1 =
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };
/**
 * Shared secret of push webhooks (GitHub and Gitea HMAC, GitLab token). Without it the webhook endpoints refuse every request.
 */
export type SecretRef2 =
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };
/**
 * Under readAccess: token, the bearer Prometheus scrapes /metrics with (its authorization.credentials_file), by reference; an admin token also reads /metrics. Without it, and readAccess token, only an admin token does.
 */
export type SecretRef3 =
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };
/**
 * A secret by reference: an environment variable of the reconciler or a file on its host. Never the secret itself.
 */
export type SecretRef4 =
  | {
      fromEnv: string;
    }
  | {
      fromFile: string;
    };

export interface GitpomsSchemas {
  Campaign?: Campaign;
  JobType?: JobType;
  LaunchTemplate?: LaunchTemplate;
  Service?: Service;
  Config?: Config;
}
/**
 * A workflow: a named DAG of stages (POMS campaign and its campaign stages).
 */
export interface Campaign {
  apiVersion: 'gitpoms/v1';
  kind: 'Campaign';
  metadata: Metadata;
  spec: CampaignSpec;
}
export interface Metadata {
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  name: string;
  /**
   * Experiment (VO) this object belongs to, e.g. sbnd, dune.
   */
  experiment: string;
  /**
   * Free-form tags, as POMS campaign tags (e.g. mcc_test_1).
   */
  tags?: string[];
  description?: string;
}
export interface CampaignSpec {
  /**
   * VO role the jobs run with.
   */
  voRole?: 'production' | 'analysis';
  softwareVersion?: string;
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  launchTemplate?: string;
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  jobType?: string;
  state?: State;
  /**
   * What to do with jobs of stages removed from the spec: false keeps them, true kills them, confirm waits for an operator.
   */
  prune?: false | true | 'confirm';
  /**
   * Correct drift made outside gitpoms: release jobs held behind its back while the stage is active, hold again jobs released while it is held. Drift is reported either way. Default: false.
   */
  selfHeal?: boolean;
  overrides?: Overrides;
  /**
   * @minItems 1
   */
  stages: [Stage, ...Stage[]];
}
/**
 * fife_launch parameter overrides, `section.key: value`, applied as -Osection.key=value.
 */
export interface Overrides {
  [k: string]: string | number | boolean | undefined;
}
export interface Stage {
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  name: string;
  /**
   * POMS 'Active'. An inactive stage launches nothing.
   */
  active?: boolean;
  state?: State;
  /**
   * VO role the jobs run with.
   */
  voRole?: 'production' | 'analysis';
  softwareVersion?: string;
  /**
   * none (generation), fromParent (outputs of the stage it depends on), a catalog definition name, or a dimension query.
   */
  dataset?: string;
  /**
   * Submissions to launch for a stage with dataset none (Monte Carlo generation). Default 1.
   */
  submissions?: number;
  split?: Split;
  /**
   * Slices of a split dataset in flight at once; one new slice is launched per pass. Default 1 (POMS takes one slice per launch).
   */
  slicesInFlight?: number;
  completion?: Completion;
  overrides?: Overrides;
  /**
   * Extra arguments for a JobType whose launch command is an experiment's own script.
   */
  arguments?: string[];
  dependsOn?: Dependency[];
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  jobType?: string;
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  launchTemplate?: string;
  tags?: string[];
  /**
   * Cron expression (5 fields) limiting when launches may happen, e.g. '10 * /2 * * *'.
   */
  schedule?: string;
}
export interface Completion {
  /**
   * complete: the submission's jobs finished; located: its outputs are located in the catalog.
   */
  type: 'complete' | 'located';
  percent?: number;
}
export interface Dependency {
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  stage: string;
  /**
   * letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  campaign?: string;
  /**
   * SAM 'like' patterns (% is the wildcard) selecting which parent outputs this stage consumes.
   */
  filePatterns?: string[];
}
/**
 * How to launch one kind of job (POMS job type).
 */
export interface JobType {
  apiVersion: 'gitpoms/v1';
  kind: 'JobType';
  metadata: Metadata;
  spec: JobTypeSpec;
}
export interface JobTypeSpec {
  launch: Argv;
  definitionParameters?: DefinitionParameters;
  inputFilesPerJob?: number;
  outputFilesPerJob?: number;
  /**
   * SAM 'like' patterns of the files this job type produces, e.g. %.root.
   *
   * @minItems 1
   */
  outputFilePatterns: [string, ...string[]];
  /**
   * Ordered recovery list, tried in turn once a submission is located or failed. File recoveries (added_files, consumed_status, process_status, delivered_not_consumed, pending_files) launch over the files a submission's project left; failed_jobs, for a stage without input (Monte Carlo generation) launched through fife_launch, runs again the jobs that did not succeed, under their process numbers.
   */
  recoveries?: Recovery[];
}
export interface DefinitionParameters {
  overrides?: Overrides;
  /**
   * Arguments appended to the launch command (submission scripts such as DUNE's MCC scripts).
   */
  arguments?: string[];
}
export interface Recovery {
  type:
    | 'added_files'
    | 'consumed_status'
    | 'process_status'
    | 'delivered_not_consumed'
    | 'pending_files'
    | 'failed_jobs';
  overrides?: Overrides;
}
/**
 * Where and as whom submissions are launched (POMS launch template).
 */
export interface LaunchTemplate {
  apiVersion: 'gitpoms/v1';
  kind: 'LaunchTemplate';
  metadata: Metadata;
  spec: LaunchTemplateSpec;
}
export interface LaunchTemplateSpec {
  /**
   * Launch host reached over ssh; absent means this machine.
   */
  host?: string;
  ssh?: Ssh;
  /**
   * Account the launch runs as on the launch host.
   */
  account?: string;
  /**
   * Setup commands run before the launch, each an argument vector (e.g. [source, /cvmfs/.../setup_sbnd.sh]).
   */
  setup?: Argv[];
  /**
   * Environment of the launch. Secrets by reference only: fromEnv or fromFile.
   */
  environment?: {
    [k: string]: EnvValue | undefined;
  };
  credentials?: Credentials;
  /**
   * The batch backend this template's submissions go to: one gitpoms.yaml's backends.batch names. Default: the deployment's first. The embedded runtime (backends.batch: local) and gitpoms run --batch run every template's launches on their one backend.
   */
  batch?: 'local' | 'slurm' | 'condor' | 'jobsub';
}
/**
 * How to reach the launch host: keys only (BatchMode), never a password.
 */
export interface Ssh {
  port?: number;
  /**
   * Private key on the reconciler's host (a path: the key itself never goes in git).
   */
  identityFile?: string;
  /**
   * Known-hosts file on the reconciler's host; when given, the host key must match it.
   */
  knownHostsFile?: string;
}
export interface Credentials {
  /**
   * Path of the X.509 proxy on the launch host.
   */
  x509Proxy?: string;
  /**
   * Path of the bearer token file on the launch host.
   */
  tokenFile?: string;
}
/**
 * Something jobs depend on (SAM, dCache, the batch system) whose health can gate launches.
 */
export interface Service {
  apiVersion: 'gitpoms/v1';
  kind: 'Service';
  metadata: Metadata;
  spec: ServiceSpec;
}
export interface ServiceSpec {
  probe: Probe;
  intervalSeconds?: number;
  timeoutSeconds?: number;
  /**
   * When true, launches are held while this service is failed.
   */
  gatesLaunches?: boolean;
  /**
   * Campaigns gated by this service; all campaigns of the experiment when absent.
   *
   * Items: letters, digits, '_', '.' and '-', starting with a letter or digit
   */
  campaigns?: string[];
}
/**
 * Repository configuration (gitpoms.yaml): backends, desired-state source and defaults.
 */
export interface Config {
  apiVersion: 'gitpoms/v1';
  kind: 'Config';
  spec: ConfigSpec;
}
export interface ConfigSpec {
  /**
   * Directories holding the YAML declarations. Default: [campaigns].
   *
   * Items: A path relative to the repository root; it must stay inside the repository.
   */
  paths?: string[];
  /**
   * Where state lives. Default: .gitpoms-data
   */
  dataDir?: string;
  /**
   * IANA time zone (e.g. America/Chicago) that a new split's localtime=true means: the zone the catalog's end_time values are written in. Declared here, not taken from the machine, so a plan is the same wherever it is made; required when a split uses localtime.
   */
  timeZone?: string;
  backends?: Backends;
  source?: Source;
  server?: ServerSettings;
  defaults?: Defaults;
  replicas?: ReplicaSettings;
  local?: LocalBackend;
  /**
   * Where events are posted: generic JSON or Slack-compatible incoming webhooks.
   */
  notifications?: Notification[];
}
export interface Backends {
  /**
   * The batch backends this deployment reaches: one, or a list (the first is the default for templates that name none). Each LaunchTemplate's batch picks one of them. local alone is the embedded runtime: every template's launches run on this machine.
   */
  batch?:
    | ('local' | 'slurm' | 'condor' | 'jobsub')
    | ['local' | 'slurm' | 'condor' | 'jobsub', ...('local' | 'slurm' | 'condor' | 'jobsub')[]];
  catalog?: 'embedded' | 'samweb';
  /**
   * Where the reconciler keeps its records: sqlite (one file in the data directory; the default) or postgres (a PostgreSQL server, for several replicas).
   */
  store?: 'sqlite' | 'postgres';
  postgres?: PostgresSettings;
  slurm?: SlurmSettings;
  samweb?: SamwebSettings;
  jobsub?: JobsubSettings;
  deadlines?: Deadlines;
}
/**
 * For store: postgres. The connection by reference only: it holds the password.
 */
export interface PostgresSettings {
  url?: SecretRef;
  /**
   * The schema gitpoms's tables live in, created if absent (several sites may share a database). Default: the role's search_path.
   */
  schema?: string;
  /**
   * Connections each process keeps open. Default: 4.
   */
  poolSize?: number;
  /**
   * A statement running longer is cancelled, and the pass that made it fails. Default: 30.
   */
  statementTimeoutSeconds?: number;
}
/**
 * For batch: slurm.
 */
export interface SlurmSettings {
  /**
   * Where the end of a job slurmctld has forgotten is read: sacct (slurmdbd) or the jobcomp/filetxt log. Default: jobcomp.
   */
  finishedFrom?: 'sacct' | 'jobcomp';
  /**
   * The JobCompLoc of jobcomp/filetxt. Default: /var/log/slurm/jobcomp.log
   */
  jobcompLog?: string;
}
/**
 * For catalog: samweb. The experiment's SAM web server; the reconciler, its operator commands and the jobs' wrapper all use it. Credentials by reference only.
 */
export interface SamwebSettings {
  /**
   * The experiment's API root, e.g. https://samweb.fnal.gov:8483/sam/sbnd/api
   */
  baseUrl: string;
  /**
   * The SAM station projects run at, e.g. sbnd.
   */
  station: string;
  /**
   * The SAM group files are declared in, e.g. sbnd.
   */
  group: string;
  token?: SecretRef1;
  cert?: SamwebCert;
  /**
   * Per request. Default: 30.
   */
  timeoutSeconds?: number;
}
/**
 * An X.509 client certificate (a grid proxy holds key and certificate in one file).
 */
export interface SamwebCert {
  certFile: string;
  keyFile?: string;
  caFile?: string;
}
/**
 * For batch: jobsub. The jobsub_lite identity the reconciler submits, observes and acts as.
 */
export interface JobsubSettings {
  /**
   * jobsub -G: the experiment's group, e.g. sbnd.
   */
  group: string;
  /**
   * jobsub --role, e.g. Production.
   */
  role?: string;
}
/**
 * How long one call to a backend may take before it counts as failed: a pass whose observation misses its deadline fails and changes nothing (never read as no jobs or no files); an action that misses it is retried.
 */
export interface Deadlines {
  /**
   * Seconds for one batch-system call (observe, hold, release, kill, logs). Default: 120.
   */
  batchSeconds?: number;
  /**
   * Seconds for one catalog call (a count, a listing, a declaration). Default: 60.
   */
  catalogSeconds?: number;
  /**
   * Seconds for one launch: its launch command (fife_launch, a script, over ssh), or the batch system's submit. Default: 600.
   */
  launchSeconds?: number;
}
export interface Source {
  /**
   * Remote URL or local path of the git repository holding the declarations. Absent: the working directory the reconciler runs in.
   */
  repository?: string;
  /**
   * Branch to follow. Default: main.
   */
  branch?: string;
  /**
   * Sub-path of the repository holding gitpoms.yaml and the declarations. Default: the repository root.
   */
  path?: string;
  /**
   * Seconds between fetches when no webhook arrives. Default: 60.
   */
  pollSeconds?: number;
  webhookSecret?: SecretRef2;
  /**
   * Address of a file of the repository at a revision on its forge, with {revision}, {path} and {line} put in, e.g. https://github.com/ORG/REPO/blob/{revision}/{path}#L{line} (GitLab: https://gitlab.example/ORG/REPO/-/blob/{revision}/{path}#L{line}). The dashboard's revision history links each diagnostic there. {path} is from the repository root, source.path included.
   */
  browseUrl?: string;
}
/**
 * The HTTP API of gitpoms serve.
 */
export interface ServerSettings {
  /**
   * The server is reached over HTTPS (its own or a TLS-terminating proxy's): pages then tell the browser to use HTTPS only (Strict-Transport-Security) and to upgrade every request (upgrade-insecure-requests). Leave it off behind plain HTTP, where those break the pages. Default: false.
   */
  tls?: boolean;
  /**
   * Who may read the API: anyone who reaches it (open, the default; it listens on 127.0.0.1 unless told otherwise), or only holders of a token, each seeing the experiments its role holds for (token). Under token, an anonymous client gets /healthz, the status code of /readyz and the sign-in page only; every list is cut to the token's experiments. Every action needs a token whatever this says.
   */
  readAccess?: 'open' | 'token';
  metricsToken?: SecretRef3;
  trustedProxy?: TrustedProxy;
}
/**
 * A reverse proxy that puts single sign-on in front (as POMS reads X-Shib-Userid): the user it names in a header is taken as authenticated, only from these addresses, with the role given here. An action so authenticated must also carry X-Gitpoms-Action (the dashboard sends it), which a page of another site cannot send.
 */
export interface TrustedProxy {
  /**
   * The header naming the user (default X-Shib-Userid).
   */
  header?: string;
  /**
   * The proxy's IP addresses, as the server sees them connect; the header from any other address is refused.
   *
   * @minItems 1
   */
  addresses: [string, ...string[]];
  /**
   * Each user's role and the experiments it holds for; a user not listed is refused.
   */
  users: {
    [k: string]:
      | {
          role: 'viewer' | 'shifter' | 'production' | 'admin';
          /**
           * The experiments the role holds for; an admin holds it for every experiment.
           */
          experiments?: string[];
        }
      | undefined;
  };
}
export interface Defaults {
  /**
   * Global launch switch (POMS 'Job launches: allowed / hold').
   */
  launches?: 'allowed' | 'held';
  /**
   * What to do with jobs of stages removed from the spec: false keeps them, true kills them, confirm waits for an operator.
   */
  prune?: false | true | 'confirm';
  /**
   * Largest fraction of running jobs one pass may kill without confirmation.
   */
  pruneMaxFraction?: number;
  completionPercent?: number;
  /**
   * Most submissions one reconciler launches per minute (the batch system's submit rate limit). Default: unlimited.
   */
  maxLaunchesPerMinute?: number;
  /**
   * Actions (launches, holds, kills) carried out at once. Default: 4.
   */
  concurrency?: number;
  launchesInFlight?: LaunchesInFlight;
}
/**
 * Launches under way at once, each also within concurrency: per experiment (one experiment's long list cannot take every slot) and per batch system (a schedd or slurmctld that takes seconds per submit), e.g. { perExperiment: 4, perBatch: { jobsub: 2 } }. Each reconciler process counts its own; with replicas.ownership: experiment an experiment's launches all come from one. Default: only concurrency bounds them.
 */
export interface LaunchesInFlight {
  /**
   * Launches of one experiment under way at once.
   */
  perExperiment?: number;
  /**
   * Launches to one batch backend under way at once, by backend name.
   */
  perBatch?: {
    local?: number;
    slurm?: number;
    condor?: number;
    jobsub?: number;
  };
}
/**
 * For several replicas of the reconciler (serve --replica-id, store: postgres).
 */
export interface ReplicaSettings {
  /**
   * What one replica owns at a time, under one lease: each campaign (the default), or every campaign of an experiment together (its launches then come from one replica, so defaults.concurrency and maxLaunchesPerMinute hold for the experiment). Read at start, as backends are; the store records each campaign's unit, so replicas that read it differently while they are restarted one by one never own a campaign twice.
   */
  ownership?: 'campaign' | 'experiment';
  /**
   * Days the log of writes made under leases (replica, campaign, token, what) is kept. Default: 30.
   */
  actionLogDays?: number;
}
/**
 * The embedded local executor and catalog (the demo, tests and CI).
 */
export interface LocalBackend {
  /**
   * Jobs that run at once. Default: the number of CPUs.
   */
  slots?: number;
  /**
   * Directories put first on jobs' PATH (e.g. demo/bin for the demo's stand-in for lar).
   *
   * Items: A path relative to the repository root; it must stay inside the repository.
   */
  path?: string[];
  /**
   * Variables of the reconciler's environment passed to jobs; NAME or PREFIX*.
   */
  passEnv?: string[];
  /**
   * SAM parameter categories the catalog accepts besides art, gitpoms, Dataset, MC and the experiment's own.
   */
  categories?: string[];
}
export interface Notification {
  /**
   * The endpoint; by reference (fromEnv/fromFile) when the URL itself is a credential, as Slack's are.
   */
  url: string | SecretRef4;
  /**
   * Default: json.
   */
  format?: 'json' | 'slack';
  /**
   * Events sent. Default: all.
   *
   * @minItems 1
   */
  events?: [
    (
      | 'submission-located'
      | 'submission-failed'
      | 'stage-complete'
      | 'campaign-complete'
      | 'invalid-revision'
      | 'gate-closed'
    ),
    ...(
      | 'submission-located'
      | 'submission-failed'
      | 'stage-complete'
      | 'campaign-complete'
      | 'invalid-revision'
      | 'gate-closed'
    )[],
  ];
  timeoutSeconds?: number;
}
