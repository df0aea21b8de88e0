#include "backbeat/storage/sqlite/schema.hpp"

#include <array>
#include <string>

namespace backbeat::storage::sqlite {
namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Append-only: a released migration never changes; a schema change is a new entry. Times are
// INTEGER milliseconds since the Unix epoch (`_ms`) or seconds for cron slots (`_s`). Tables are
// STRICT so a value of the wrong type is an error rather than a silent conversion.
constexpr std::array kMigrations = {
    Migration{1, "tasks, runs, accounts, organizations, api keys", R"sql(
CREATE TABLE tasks (
  id                     TEXT    NOT NULL PRIMARY KEY,
  account_id             TEXT    NOT NULL,
  artist_account_id      TEXT    NOT NULL,
  title                  TEXT    NOT NULL,
  prompt                 TEXT    NOT NULL,
  schedule               TEXT    NOT NULL,
  timezone               TEXT    NOT NULL,
  model                  TEXT,
  enabled                INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  overlap                TEXT    NOT NULL CHECK (overlap IN ('skip', 'allow', 'queue')),
  catchup                TEXT    NOT NULL CHECK (catchup IN ('latest', 'all', 'none')),
  catchup_window_seconds INTEGER NOT NULL,
  max_attempts           INTEGER NOT NULL,
  timeout_seconds        INTEGER NOT NULL,
  created_at_ms          INTEGER NOT NULL,
  updated_at_ms          INTEGER NOT NULL,
  next_slot_s            INTEGER
) STRICT;
-- Lists are newest first by (created_at, id): these indexes serve them without sorting.
CREATE INDEX tasks_by_created ON tasks (created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_account ON tasks (account_id, created_at_ms DESC, id DESC);
CREATE INDEX tasks_by_artist ON tasks (artist_account_id, created_at_ms DESC, id DESC);

-- No foreign key to tasks: a deleted task's runs stay readable.
CREATE TABLE runs (
  id                  TEXT    NOT NULL PRIMARY KEY,
  task_id             TEXT    NOT NULL,
  account_id          TEXT    NOT NULL,
  artist_account_id   TEXT    NOT NULL,
  status              TEXT    NOT NULL CHECK (status IN ('QUEUED', 'DELAYED', 'EXECUTING',
                        'REATTEMPTING', 'COMPLETED', 'FAILED', 'CANCELED', 'CRASHED',
                        'INTERRUPTED', 'SYSTEM_FAILURE')),
  slot_s              INTEGER,
  idempotency_key     TEXT,
  is_test             INTEGER NOT NULL CHECK (is_test IN (0, 1)),
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  started_at_ms       INTEGER,
  finished_at_ms      INTEGER,
  delayed_until_ms    INTEGER,
  expired_at_ms       INTEGER,
  ttl_seconds         INTEGER,
  cost_in_cents       REAL    NOT NULL,
  base_cost_in_cents  REAL    NOT NULL,
  duration_ms         INTEGER NOT NULL,
  payload_json        TEXT    NOT NULL,
  output_json         TEXT,
  -- The error is present exactly when error_message is not null.
  error_message       TEXT,
  error_name          TEXT,
  error_stack_trace   TEXT,
  schedule_expression TEXT    NOT NULL,
  timezone            TEXT    NOT NULL
) STRICT;
-- A slot can never produce two runs, whatever the number of schedulers.
CREATE UNIQUE INDEX runs_one_per_slot ON runs (task_id, slot_s) WHERE slot_s IS NOT NULL;
CREATE INDEX runs_by_created ON runs (created_at_ms DESC, id DESC);
CREATE INDEX runs_by_account ON runs (account_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_by_task ON runs (task_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status, created_at_ms DESC, id DESC);

CREATE TABLE run_attempts (
  run_id            TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  position          INTEGER NOT NULL,
  id                TEXT    NOT NULL,
  status            TEXT    NOT NULL,
  created_at_ms     INTEGER NOT NULL,
  updated_at_ms     INTEGER NOT NULL,
  started_at_ms     INTEGER,
  completed_at_ms   INTEGER,
  error_message     TEXT,
  error_name        TEXT,
  error_stack_trace TEXT,
  PRIMARY KEY (run_id, position)
) STRICT, WITHOUT ROWID;

CREATE TABLE accounts (
  id            TEXT    NOT NULL PRIMARY KEY,
  name          TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE account_emails (
  account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,  -- 0 is the primary email
  email      TEXT    NOT NULL,
  PRIMARY KEY (account_id, position)
) STRICT, WITHOUT ROWID;
-- lower() folds ASCII only; the memory backend folds the same way.
CREATE UNIQUE INDEX account_emails_unique ON account_emails (lower(email));

CREATE TABLE organizations (
  id            TEXT    NOT NULL PRIMARY KEY,
  name          TEXT    NOT NULL UNIQUE,
  is_admin      INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE TABLE memberships (
  org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  PRIMARY KEY (org_id, account_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX memberships_by_account ON memberships (account_id, org_id);

CREATE TABLE api_keys (
  id            TEXT    NOT NULL PRIMARY KEY,
  account_id    TEXT    NOT NULL REFERENCES accounts (id),
  hash          TEXT    NOT NULL UNIQUE,
  prefix        TEXT    NOT NULL,
  created_at_ms INTEGER NOT NULL,
  expires_at_ms INTEGER,
  revoked_at_ms INTEGER
) STRICT;
CREATE INDEX api_keys_by_account ON api_keys (account_id, created_at_ms, id);
CREATE INDEX api_keys_by_created ON api_keys (created_at_ms, id);
)sql"},
    Migration{2, "scheduler: run execution state, due tasks, slot skips", R"sql(
-- Execution bookkeeping copied from the task when the run is made.
ALTER TABLE runs ADD COLUMN max_attempts INTEGER NOT NULL DEFAULT 3;
ALTER TABLE runs ADD COLUMN timeout_seconds INTEGER NOT NULL DEFAULT 3600;
ALTER TABLE runs ADD COLUMN exclusive INTEGER NOT NULL DEFAULT 0 CHECK (exclusive IN (0, 1));
ALTER TABLE runs ADD COLUMN lease_owner TEXT;
ALTER TABLE runs ADD COLUMN lease_expires_ms INTEGER;
-- When a waiting run may start: delayed_until, else created_at (kept in step by every write).
ALTER TABLE runs ADD COLUMN available_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET available_at_ms = coalesce(delayed_until_ms, created_at_ms);

-- Partial indexes stay small: only the rows the scheduler looks for.
CREATE INDEX runs_waiting ON runs (available_at_ms, created_at_ms, id)
  WHERE status IN ('QUEUED', 'DELAYED', 'REATTEMPTING');
CREATE INDEX runs_active_by_task ON runs (task_id, created_at_ms, id)
  WHERE status IN ('QUEUED', 'DELAYED', 'EXECUTING', 'REATTEMPTING');
CREATE INDEX runs_executing ON runs (lease_expires_ms) WHERE status = 'EXECUTING';
CREATE INDEX runs_manual_key ON runs (task_id, idempotency_key, created_at_ms)
  WHERE slot_s IS NULL AND idempotency_key IS NOT NULL;
CREATE INDEX runs_finished ON runs (finished_at_ms) WHERE finished_at_ms IS NOT NULL;

CREATE INDEX tasks_due ON tasks (next_slot_s, id) WHERE enabled = 1 AND next_slot_s IS NOT NULL;

-- Slots that produced no run, as ranges of consecutive slots with one reason.
CREATE TABLE slot_skips (
  task_id        TEXT    NOT NULL,
  account_id     TEXT    NOT NULL,
  first_slot_s   INTEGER NOT NULL,
  last_slot_s    INTEGER NOT NULL,
  count          INTEGER NOT NULL CHECK (count >= 1),
  reason         TEXT    NOT NULL,
  recorded_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX slot_skips_by_task ON slot_skips (task_id, recorded_at_ms);
CREATE INDEX slot_skips_by_recorded ON slot_skips (recorded_at_ms);
)sql"},
    Migration{3, "claims skip saturated accounts inside the waiting-runs index", R"sql(
-- account_id in the index lets a claim pass over the runs of accounts at their concurrency limit
-- without reading their rows, so a large backlog of one account cannot hide another's runs.
DROP INDEX runs_waiting;
CREATE INDEX runs_waiting ON runs (available_at_ms, created_at_ms, id, account_id)
  WHERE status IN ('QUEUED', 'DELAYED', 'REATTEMPTING');
)sql"},
    Migration{4, "runs keep their attempts in the row; status tests without IN lists", R"sql(
-- Rebuilds runs (SQLite cannot alter a CHECK constraint). Two costs of every lifecycle write go:
-- 1. A constant IN list of more than two values is evaluated through a temporary B-tree built
--    for each statement execution; the status CHECK and the two partial-index predicates made
--    five of them per UPDATE. Written as OR chains they are plain comparisons. Queries that
--    name these partial indexes must repeat their predicates exactly (run_store.cpp).
-- 2. Attempts were child rows deleted and re-inserted at each step; now one JSON column
--    (format: attempts_codec.hpp), written with the row.
-- 3. Fewer index entries to move per step: runs_by_status (rewritten at every status change) gives
--    way to runs_unsuccessful, which only failures enter; lists filtered by a waiting or executing
--    status read runs_active_by_task, COMPLETED lists read the created-order indexes. Pruning
--    finds old runs through runs_by_created, so runs_finished goes too.
CREATE TABLE runs_v4 (
  id                  TEXT    NOT NULL PRIMARY KEY,
  task_id             TEXT    NOT NULL,
  account_id          TEXT    NOT NULL,
  artist_account_id   TEXT    NOT NULL,
  status              TEXT    NOT NULL CHECK (status = 'QUEUED' OR status = 'DELAYED' OR
                        status = 'EXECUTING' OR status = 'REATTEMPTING' OR status = 'COMPLETED'
                        OR status = 'FAILED' OR status = 'CANCELED' OR status = 'CRASHED' OR
                        status = 'INTERRUPTED' OR status = 'SYSTEM_FAILURE'),
  slot_s              INTEGER,
  idempotency_key     TEXT,
  is_test             INTEGER NOT NULL CHECK (is_test IN (0, 1)),
  created_at_ms       INTEGER NOT NULL,
  updated_at_ms       INTEGER NOT NULL,
  started_at_ms       INTEGER,
  finished_at_ms      INTEGER,
  delayed_until_ms    INTEGER,
  expired_at_ms       INTEGER,
  ttl_seconds         INTEGER,
  cost_in_cents       REAL    NOT NULL,
  base_cost_in_cents  REAL    NOT NULL,
  duration_ms         INTEGER NOT NULL,
  payload_json        TEXT    NOT NULL,
  output_json         TEXT,
  error_message       TEXT,
  error_name          TEXT,
  error_stack_trace   TEXT,
  schedule_expression TEXT    NOT NULL,
  timezone            TEXT    NOT NULL,
  max_attempts        INTEGER NOT NULL,
  timeout_seconds     INTEGER NOT NULL,
  exclusive           INTEGER NOT NULL CHECK (exclusive IN (0, 1)),
  lease_owner         TEXT,
  lease_expires_ms    INTEGER,
  available_at_ms     INTEGER NOT NULL,
  attempts_json       TEXT    NOT NULL
) STRICT;
INSERT INTO runs_v4
SELECT r.id, r.task_id, r.account_id, r.artist_account_id, r.status, r.slot_s,
       r.idempotency_key, r.is_test, r.created_at_ms, r.updated_at_ms, r.started_at_ms,
       r.finished_at_ms, r.delayed_until_ms, r.expired_at_ms, r.ttl_seconds, r.cost_in_cents,
       r.base_cost_in_cents, r.duration_ms, r.payload_json, r.output_json, r.error_message,
       r.error_name, r.error_stack_trace, r.schedule_expression, r.timezone, r.max_attempts,
       r.timeout_seconds, r.exclusive, r.lease_owner, r.lease_expires_ms, r.available_at_ms,
       coalesce((SELECT json_group_array(json(a.doc)) FROM (
                   SELECT json_object(
                     'id', id, 'status', status, 'created_at_ms', created_at_ms,
                     'updated_at_ms', updated_at_ms, 'started_at_ms', started_at_ms,
                     'completed_at_ms', completed_at_ms,
                     'error', json(CASE WHEN error_message IS NULL THEN 'null' ELSE
                       json_object('message', error_message, 'name', coalesce(error_name, ''),
                                   'stack_trace', coalesce(error_stack_trace, '')) END)) AS doc
                   FROM run_attempts WHERE run_id = r.id ORDER BY position) AS a), '[]')
FROM runs AS r;
DROP TABLE run_attempts;
DROP TABLE runs;
ALTER TABLE runs_v4 RENAME TO runs;

CREATE UNIQUE INDEX runs_one_per_slot ON runs (task_id, slot_s) WHERE slot_s IS NOT NULL;
CREATE INDEX runs_by_created ON runs (created_at_ms DESC, id DESC);
CREATE INDEX runs_by_account ON runs (account_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_by_task ON runs (task_id, created_at_ms DESC, id DESC);
CREATE INDEX runs_unsuccessful ON runs (status, created_at_ms DESC, id DESC)
  WHERE (status = 'FAILED' OR status = 'CANCELED' OR status = 'CRASHED' OR
         status = 'INTERRUPTED' OR status = 'SYSTEM_FAILURE');
CREATE INDEX runs_waiting ON runs (available_at_ms, created_at_ms, id, account_id)
  WHERE (status = 'QUEUED' OR status = 'DELAYED' OR status = 'REATTEMPTING');
CREATE INDEX runs_active_by_task ON runs (task_id, created_at_ms, id)
  WHERE (status = 'QUEUED' OR status = 'DELAYED' OR status = 'EXECUTING' OR
         status = 'REATTEMPTING');
CREATE INDEX runs_executing ON runs (lease_expires_ms) WHERE status = 'EXECUTING';
CREATE INDEX runs_manual_key ON runs (task_id, idempotency_key, created_at_ms)
  WHERE slot_s IS NULL AND idempotency_key IS NOT NULL;
)sql"},
    Migration{5, "waiting runs by account; scheduler indexes cover their queries", R"sql(
-- 1. Under a per-account limit, a claim that has passed over many runs of accounts at their
--    limit goes on account by account, through runs_waiting_by_account: it reads only the runs
--    of accounts with room. Before, once an account was at its limit, every claim read that
--    account's whole backlog (100,000 runs in the scheduler benchmark's defaults round).
-- 2. status ends each of these partial indexes: SQLite (3.40) reads a table row to test a
--    partial index's own predicate unless the index holds the column, so without it no query
--    on them was index-only (claim keys, the active-run counts of firing and overlap).
DROP INDEX runs_waiting;
CREATE INDEX runs_waiting ON runs (available_at_ms, created_at_ms, id, account_id, status)
  WHERE (status = 'QUEUED' OR status = 'DELAYED' OR status = 'REATTEMPTING');
CREATE INDEX runs_waiting_by_account ON runs (account_id, available_at_ms, created_at_ms, id, status)
  WHERE (status = 'QUEUED' OR status = 'DELAYED' OR status = 'REATTEMPTING');
DROP INDEX runs_active_by_task;
CREATE INDEX runs_active_by_task ON runs (task_id, created_at_ms, id, status)
  WHERE (status = 'QUEUED' OR status = 'DELAYED' OR status = 'EXECUTING' OR
         status = 'REATTEMPTING');
)sql"},
};

core::Status MigrateLocked(Connection& c, int up_to) {
  if (core::Status s = c.ExecScript(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version       INTEGER NOT NULL PRIMARY KEY,
  name          TEXT    NOT NULL,
  applied_at_ms INTEGER NOT NULL
) STRICT;
)sql");
      !s.ok()) {
    return s;
  }
  int64_t current = 0;
  {
    core::Result<Statement> stmt =
        c.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations");
    if (!stmt.ok()) return stmt.status();
    core::Result<bool> row = stmt->Step();
    if (!row.ok()) return row.status();
    current = stmt->Int(0);
  }
  if (current > LatestSchemaVersion()) {
    return core::FailedPrecondition("database schema version " + std::to_string(current) +
                                    " is newer than this backbeat supports (" +
                                    std::to_string(LatestSchemaVersion()) + "); upgrade backbeat");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current || m.version > up_to) continue;
    if (core::Status s = c.ExecScript(m.sql); !s.ok()) {
      return {s.code(),
              "applying schema migration " + std::to_string(m.version) + ": " + s.message()};
    }
    core::Result<Statement> record = c.Prepare(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) "
        "VALUES (?1, ?2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))");
    if (!record.ok()) return record.status();
    record->BindInt(1, m.version);
    record->BindText(2, m.name);
    if (core::Status s = record->Run(); !s.ok()) return s;
  }
  return core::Status::Ok();
}

}  // namespace

int LatestSchemaVersion() { return kMigrations.back().version; }

core::Status Migrate(Connection& connection) {
  return MigrateTo(connection, LatestSchemaVersion());
}

core::Status MigrateTo(Connection& connection, int version) {
  if (core::Status s = connection.Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  core::Status s = MigrateLocked(connection, version);
  if (!s.ok()) {
    if (!connection.InAutocommit()) (void)connection.Exec("ROLLBACK");
    return s;
  }
  return connection.Exec("COMMIT");
}

}  // namespace backbeat::storage::sqlite
