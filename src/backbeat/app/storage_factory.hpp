#pragma once

#include <chrono>
#include <cstddef>
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

// How to open a database. The pool, the statement timeout and `migrate = false` apply to
// PostgreSQL only: SQLite always migrates at open (one process owns the file, so there is no
// rolling upgrade to protect) and needs neither.
struct StorageOptions {
  bool migrate = true;  // false: open only a database already at this binary's schema version
  size_t pool_size = 8;
  std::chrono::milliseconds statement_timeout{5000};  // 0: none
};

// Opens the database, creating its directory and applying migrations (unless told not to).
core::Result<std::unique_ptr<storage::Storage>> OpenStorage(const DatabaseLocation& location,
                                                            const StorageOptions& options = {});

}  // namespace backbeat::app
