#pragma once

#include "backbeat/core/status.hpp"
#include "backbeat/storage/sqlite/connection.hpp"

namespace backbeat::storage::sqlite {

// The schema version this binary writes: the number of the last migration it knows.
int LatestSchemaVersion();

// Brings the database to LatestSchemaVersion() in one IMMEDIATE transaction: either every
// missing migration is applied and recorded in `schema_migrations`, or none is. A database whose
// recorded version is newer than this binary knows is refused with FailedPrecondition, because
// an older binary cannot know what the newer schema means. Safe to run concurrently from several
// processes (the transaction takes the write lock first).
core::Status Migrate(Connection& connection);
// Migrate, stopping after `version`: for tests of a migration over data in an older schema.
core::Status MigrateTo(Connection& connection, int version);

}  // namespace backbeat::storage::sqlite
