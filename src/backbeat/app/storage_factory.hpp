#pragma once

#include <memory>
#include <string>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::app {

// Where a database URL points: "sqlite:PATH" (PATH relative to the working directory),
// "sqlite://PATH", or a PostgreSQL server, "postgresql://..." or "postgres://..." (a libpq
// connection URL).
struct DatabaseLocation {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string path;       // the file; for PostgreSQL the URL without its password (for logs)
  std::string directory;  // where the secret and first admin key live beside it (./var for
                          // PostgreSQL)
  std::string conninfo;   // PostgreSQL: the URL as given
};

core::Result<DatabaseLocation> ParseDatabaseUrl(const std::string& url);

// Opens the database, creating its directory and applying migrations.
core::Result<std::unique_ptr<storage::Storage>> OpenStorage(const DatabaseLocation& location);

}  // namespace backbeat::app
