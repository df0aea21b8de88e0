#pragma once

#include "backbeat/core/status.hpp"
#include "backbeat/storage/postgres/connection.hpp"

namespace backbeat::storage::postgres {

// The schema version this binary writes (the last migration's).
int LatestSchemaVersion();

// Brings the database (the schema first on the session's search_path) to the latest version
// in one transaction, holding a transaction-level advisory lock so that nodes starting together
// apply each migration once. FailedPrecondition if the database is newer than this binary.
core::Status Migrate(Connection& connection);

// Checks, without changing anything, that the database is at exactly the latest version.
// FailedPrecondition (saying what to do) otherwise.
core::Status CheckSchemaVersion(Connection& connection);

}  // namespace backbeat::storage::postgres
