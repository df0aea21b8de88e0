#pragma once

#include <memory>
#include <string>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::app {

// Where a database URL points: "sqlite:PATH" (PATH relative to the working directory) or
// "sqlite://PATH".
struct DatabaseLocation {
  enum class Kind { kSqlite };
  Kind kind = Kind::kSqlite;
  std::string path;       // the file
  std::string directory;  // where the secret and first admin key live beside it
};

core::Result<DatabaseLocation> ParseDatabaseUrl(const std::string& url);

// Opens the database, creating its directory and applying migrations.
core::Result<std::unique_ptr<storage::Storage>> OpenStorage(const DatabaseLocation& location);

}  // namespace backbeat::app
