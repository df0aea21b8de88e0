#include "backbeat/storage/postgres/schema.hpp"

#include <array>
#include <string>

#include "backbeat/storage/postgres/row_codec.hpp"

namespace backbeat::storage::postgres {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append-only: a released migration never changes; a schema change is a new entry. The tables
// mirror the SQLite backend's (its migrations 1-3) with PostgreSQL types: times are bigint
// milliseconds since the Unix epoch (`_ms`) or seconds for cron slots (`_s`). Ids and other
// keys that lists sort by are COLLATE "C" so that order is byte order, as in every backend,
// whatever the database's locale. JSON documents are text, returned byte for byte as written.
constexpr std::array kMigrations = {
    Migration{1, "tasks, runs, accounts, organizations, api keys, slot skips", R"sql(
CREATE TABLE tasks (
  id                     text COLLATE "C" NOT NULL PRIMARY KEY,
  account_id             text COLLATE "C" NOT NULL,
  artist_account_id      text COLLATE "C" NOT NULL,
  title                  text    NOT NULL,
  prompt                 text    NOT NULL,
  schedule               text    NOT NULL,
  timezone               text    NOT NULL,
  model                  text,
  enabled                boolean NOT NULL,
  overlap                text    NOT NULL CHECK (overlap IN ('skip', 'allow', 'queue')),
  catchup                text    NOT NULL CHECK (catchup IN ('latest', 'all', 'none')),
  catchup_window_seconds bigint  NOT NULL,
  max_attempts           integer NOT NULL,
  timeout_seconds        integer NOT NULL,
  created_at_ms          bigint  NOT NULL,
  updated_at_ms          bigint  NOT NULL,
  next_slot_s            bigint
);
-- Lists are newest first by (created_at, id): these indexes serve them without sorting.
CREATE INDEX tasks_by_created ON tasks (created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_account ON tasks (account_id, created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_artist ON tasks (artist_account_id, created_at_ms DESC, id DESC);
CREATE INDEX tasks_due ON tasks (next_slot_s, id) WHERE enabled AND next_slot_s IS NOT NULL;

-- No foreign key to tasks: a deleted task's runs stay readable.
CREATE TABLE runs (
  id                  text COLLATE "C" NOT NULL PRIMARY KEY,
  task_id             text COLLATE "C" NOT NULL,
  account_id          text COLLATE "C" NOT NULL,
  artist_account_id   text COLLATE "C" NOT NULL,
  status              text    NOT NULL CHECK (status IN ('QUEUED', 'DELAYED', 'EXECUTING',
                        'REATTEMPTING', 'COMPLETED', 'FAILED', 'CANCELED', 'CRASHED',
                        'INTERRUPTED', 'SYSTEM_FAILURE')),
  slot_s              bigint,
  idempotency_key     text,
  is_test             boolean NOT NULL,
  created_at_ms       bigint  NOT NULL,
  updated_at_ms       bigint  NOT NULL,
  started_at_ms       bigint,
  finished_at_ms      bigint,
  delayed_until_ms    bigint,
  expired_at_ms       bigint,
  ttl_seconds         bigint,
  cost_in_cents       double precision NOT NULL,
  base_cost_in_cents  double precision NOT NULL,
  duration_ms         bigint  NOT NULL,
  payload_json        text    NOT NULL,
  output_json         text,
  -- The error is present exactly when error_message is not null.
  error_message       text,
  error_name          text,
  error_stack_trace   text,
  schedule_expression text    NOT NULL,
  timezone            text    NOT NULL,
  -- Execution bookkeeping copied from the task when the run is made.
  max_attempts        integer NOT NULL,
  timeout_seconds     integer NOT NULL,
  exclusive           boolean NOT NULL,
  lease_owner         text,
  lease_expires_ms    bigint,
  -- When a waiting run may start: delayed_until, else created_at (kept in step by every write).
  available_at_ms     bigint  NOT NULL
);
-- A slot can never produce two runs, whatever the number of schedulers.
CREATE UNIQUE INDEX runs_one_per_slot ON runs (task_id, slot_s) WHERE slot_s IS NOT NULL;
CREATE INDEX runs_by_created ON runs (created_at_ms DESC, id DESC);
CREATE INDEX runs_by_account ON runs (account_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_by_task ON runs (task_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at_ms DESC, id DESC);
-- Partial indexes stay small: only the rows the scheduler looks for. account_id in
-- runs_waiting lets a claim pass over the runs of accounts at their concurrency limit without
-- reading their rows.
CREATE INDEX runs_waiting ON runs (available_at_ms, created_at_ms, id, account_id)
  WHERE status IN ('QUEUED', 'DELAYED', 'REATTEMPTING');
CREATE INDEX runs_active_by_task ON runs (task_id, created_at_ms, id)
  WHERE status IN ('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING');
CREATE INDEX runs_executing ON runs (lease_expires_ms) WHERE status = 'EXECUTING';
CREATE INDEX runs_executing_by_account ON runs (account_id) WHERE status = 'EXECUTING';
CREATE INDEX runs_manual_key ON runs (task_id, idempotency_key, created_at_ms)
  WHERE slot_s IS NULL AND idempotency_key IS NOT NULL;
CREATE INDEX runs_finished ON runs (finished_at_ms) WHERE finished_at_ms IS NOT NULL;

CREATE TABLE run_attempts (
  run_id            text COLLATE "C" NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  position          integer NOT NULL,
  id                text    NOT NULL,
  status            text    NOT NULL,
  created_at_ms     bigint  NOT NULL,
  updated_at_ms     bigint  NOT NULL,
  started_at_ms     bigint,
  completed_at_ms   bigint,
  error_message     text,
  error_name        text,
  error_stack_trace text,
  PRIMARY KEY (run_id, position)
);

CREATE TABLE accounts (
  id            text COLLATE "C" NOT NULL PRIMARY KEY,
  name          text   NOT NULL,
  created_at_ms bigint NOT NULL
);
CREATE TABLE account_emails (
  account_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  position   integer NOT NULL,  -- 0 is the primary email
  email      text COLLATE "C" NOT NULL,
  PRIMARY KEY (account_id, position)
);
-- Under the "C" collation lower() folds ASCII only, as the other backends do.
CREATE UNIQUE INDEX account_emails_unique ON account_emails (lower(email));

CREATE TABLE organizations (
  id            text COLLATE "C" NOT NULL PRIMARY KEY,
  name          text    NOT NULL CONSTRAINT organizations_name_unique UNIQUE,
  is_admin      boolean NOT NULL,
  created_at_ms bigint  NOT NULL
);
CREATE TABLE memberships (
  org_id     text COLLATE "C" NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  account_id text COLLATE "C" NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, account_id)
);
CREATE INDEX memberships_by_account ON memberships (account_id, org_id);

CREATE TABLE api_keys (
  id            text COLLATE "C" NOT NULL PRIMARY KEY,
  account_id    text COLLATE "C" NOT NULL REFERENCES accounts (id),
  hash          text   NOT NULL CONSTRAINT api_keys_hash_unique UNIQUE,
  prefix        text   NOT NULL,
  created_at_ms bigint NOT NULL,
  expires_at_ms bigint,
  revoked_at_ms bigint
);
CREATE INDEX api_keys_by_account ON api_keys (account_id, created_at_ms, id);
CREATE INDEX api_keys_by_created ON api_keys (created_at_ms, id);

-- Slots that produced no run, as ranges of consecutive slots with one reason. seq orders the
-- records made at the same millisecond (SQLite's rowid).
CREATE TABLE slot_skips (
  seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id        text COLLATE "C" NOT NULL,
  account_id     text COLLATE "C" NOT NULL,
  first_slot_s   bigint NOT NULL,
  last_slot_s    bigint NOT NULL,
  count          bigint NOT NULL CHECK (count >= 1),
  reason         text   NOT NULL,
  recorded_at_ms bigint NOT NULL
);
CREATE INDEX slot_skips_by_task ON slot_skips (task_id, recorded_at_ms);
CREATE INDEX slot_skips_by_recorded ON slot_skips (recorded_at_ms);
)sql"},
    Migration{2, "waiting runs by account", R"sql(
-- Under a per-account limit, a claim that has passed over many runs of accounts at their limit
-- goes on account by account through this index, reading only the runs of accounts with room.
CREATE INDEX runs_waiting_by_account ON runs (account_id, available_at_ms, created_at_ms, id)
  WHERE status IN ('QUEUED', 'DELAYED', 'REATTEMPTING');
)sql"},
};

core::Result<int64_t> CurrentVersion(Connection& c) {
  core::Result<Rows> rows = c.Exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!rows.ok()) return rows.status();
  return rows->Int(0, 0);
}

core::Status RefuseNewer(int64_t current) {
  return core::FailedPrecondition("database schema version " + std::to_string(current) +
                                  " is newer than this backbeat supports (" +
                                  std::to_string(LatestSchemaVersion()) + "); upgrade backbeat");
}

core::Status MigrateLocked(Connection& c) {
  // Migrations may wait for the lock and build indexes on large tables: no statement timeout.
  if (core::Status s = c.ExecScript("SET LOCAL statement_timeout = 0"); !s.ok()) return s;
  // Per schema, so that databases holding several backbeat schemas migrate independently.
  core::Result<Rows> locked =
      c.Exec("SELECT pg_advisory_xact_lock($1::integer, hashtext(current_schema()))",
             Params().Int(kMigrationLockKey));
  if (!locked.ok()) return locked.status();
  if (core::Status s = c.ExecScript(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       integer NOT NULL PRIMARY KEY,
  name          text    NOT NULL,
  applied_at_ms bigint  NOT NULL
))sql");
      !s.ok()) {
    return s;
  }
  core::Result<int64_t> current = CurrentVersion(c);
  if (!current.ok()) return current.status();
  if (*current > LatestSchemaVersion()) return RefuseNewer(*current);
  for (const Migration& m : kMigrations) {
    if (m.version <= *current) continue;
    if (core::Status s = c.ExecScript(m.sql); !s.ok()) {
      return {s.code(),
              "applying schema migration " + std::to_string(m.version) + ": " + s.message()};
    }
    core::Result<Rows> recorded = c.Exec(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, "
        "(extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
        Params().Int(m.version).Text(m.name));
    if (!recorded.ok()) return recorded.status();
  }
  return core::Status::Ok();
}

}  // namespace

int LatestSchemaVersion() { return kMigrations.back().version; }

core::Status Migrate(Connection& connection) {
  if (core::Status s = connection.ExecScript("BEGIN"); !s.ok()) return s;
  core::Status s = MigrateLocked(connection);
  if (!s.ok()) {
    if (!connection.Broken()) (void)connection.ExecScript("ROLLBACK");
    return s;
  }
  return connection.ExecScript("COMMIT");
}

core::Status CheckSchemaVersion(Connection& connection) {
  core::Result<Rows> exists =
      connection.Exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists.ok()) return exists.status();
  int64_t current = 0;
  if (exists->Bool(0, 0)) {
    core::Result<int64_t> version = CurrentVersion(connection);
    if (!version.ok()) return version.status();
    current = *version;
  }
  if (current > LatestSchemaVersion()) return RefuseNewer(current);
  if (current < LatestSchemaVersion()) {
    return core::FailedPrecondition("database schema version " + std::to_string(current) +
                                    " is older than this backbeat needs (" +
                                    std::to_string(LatestSchemaVersion()) +
                                    "); start with migrations enabled");
  }
  return core::Status::Ok();
}

}  // namespace backbeat::storage::postgres
