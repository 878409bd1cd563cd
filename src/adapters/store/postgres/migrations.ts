// The PostgreSQL store's schema, by version; schema_migrations records those applied. Times
// are ISO 8601 text, as in the SQLite store, so a copy between them is exact; names and times
// sort in binary order (COLLATE "C") whatever the database's locale.

export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE store_state (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL,
     pruned_below bigint NOT NULL);
   INSERT INTO store_state VALUES (1, 0, 0);
   CREATE TABLE changes (version bigint NOT NULL, kind text NOT NULL, key text NOT NULL);
   CREATE INDEX changes_version ON changes (version);
   CREATE TABLE submissions (
     key text COLLATE "C" PRIMARY KEY, campaign text NOT NULL, stage text NOT NULL, slice text NOT NULL,
     attempt integer NOT NULL, parent text, recovery text, revision text, command text NOT NULL,
     input text NOT NULL, job_type text NOT NULL, launch_template text NOT NULL, batch text,
     project text, status text NOT NULL, held_by_gitpoms boolean NOT NULL DEFAULT false,
     launched_at text COLLATE "C" NOT NULL, definition text);
   CREATE INDEX submissions_stage ON submissions (campaign, stage);
   CREATE TABLE status_history (id bigserial PRIMARY KEY, key text NOT NULL, status text NOT NULL,
     at text NOT NULL, reason text NOT NULL);
   CREATE INDEX status_history_key ON status_history (key);
   CREATE TABLE intents (id bigserial PRIMARY KEY, kind text NOT NULL, key text NOT NULL,
     state text NOT NULL, created_at text NOT NULL, finished_at text COLLATE "C", detail text);
   CREATE INDEX intents_pending ON intents (state);
   CREATE INDEX intents_key ON intents (key);
   CREATE TABLE jobs (id text COLLATE "C" PRIMARY KEY, submission text COLLATE "C" NOT NULL,
     state text NOT NULL, exit_code integer, held_reason text, ended_at text, node text, site text,
     started_at text, cpu_seconds double precision, wall_seconds double precision, log_path text,
     updated_at text NOT NULL);
   CREATE INDEX jobs_submission ON jobs (submission, id);
   CREATE TABLE audit (id bigserial PRIMARY KEY, at text NOT NULL, actor text NOT NULL,
     action text NOT NULL, target text NOT NULL, detail text);
   CREATE TABLE overrides (id bigserial PRIMARY KEY, action text NOT NULL, campaign text NOT NULL,
     stage text, actor text NOT NULL, reason text NOT NULL, created_at text NOT NULL, revision text,
     expires_at text COLLATE "C", cleared_at text, cleared_reason text);
   CREATE SEQUENCE revision_seq;
   CREATE TABLE revisions (revision text PRIMARY KEY, first_seen_at text NOT NULL,
     last_seen_at text NOT NULL, seen_seq bigint NOT NULL, valid boolean NOT NULL, errors text NOT NULL,
     applied_at text, applied_seq bigint);
   CREATE TABLE splits (campaign text NOT NULL, stage text NOT NULL, position integer NOT NULL,
     last integer, generation integer NOT NULL, updated_at text NOT NULL, PRIMARY KEY (campaign, stage));
   CREATE TABLE tokens (seq bigserial, id text PRIMARY KEY, name text NOT NULL, role text NOT NULL,
     experiments text NOT NULL, salt text NOT NULL, hash text NOT NULL, created_at text COLLATE "C" NOT NULL,
     created_by text NOT NULL, expires_at text, revoked_at text);`,
  // Replicas, the leases they hold on campaigns, and the record of every write made under one.
  `  CREATE TABLE replicas (id text PRIMARY KEY, started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL, host text, pid integer);
  CREATE SEQUENCE lease_token_seq;
  CREATE TABLE leases (campaign text PRIMARY KEY, owner text NOT NULL, token bigint NOT NULL,
    acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
  CREATE TABLE action_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(),
    replica text NOT NULL, campaign text NOT NULL, token bigint NOT NULL, what text NOT NULL);
  CREATE INDEX action_log_campaign ON action_log (campaign, id);`,
  // Units of ownership: a lease covers a unit (a campaign, or an experiment's campaigns), and
  // each campaign's unit is recorded, so every replica agrees on it; retention by time.
  `ALTER TABLE leases RENAME COLUMN campaign TO unit;
  CREATE TABLE lease_members (campaign text COLLATE "C" PRIMARY KEY, unit text NOT NULL,
    token bigint NOT NULL);
  INSERT INTO lease_members SELECT unit, unit, token FROM leases;
  ALTER TABLE action_log ADD COLUMN unit text, ADD COLUMN unit_token bigint;
  UPDATE action_log SET unit = campaign, unit_token = token;
  ALTER TABLE action_log ALTER COLUMN unit SET NOT NULL, ALTER COLUMN unit_token SET NOT NULL;
  CREATE INDEX action_log_at ON action_log (at);`,
  // A hold or kill of one submission's jobs.
  `ALTER TABLE overrides ADD COLUMN submission text;`,
];
