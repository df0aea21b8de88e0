#include "backbeat/app/storage_factory.hpp"

#include <filesystem>

#include "backbeat/app/files.hpp"
#include "backbeat/storage/postgres/connection.hpp"
#include "backbeat/storage/postgres/postgres_storage.hpp"
#include "backbeat/storage/sqlite/sqlite_storage.hpp"

namespace backbeat::app {

core::Result<DatabaseLocation> ParseDatabaseUrl(const std::string& url) {
  DatabaseLocation loc;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    loc.kind = DatabaseLocation::Kind::kPostgres;
    loc.conninfo = url;
    loc.path = storage::postgres::RedactConninfo(url);
    // No file to live beside: the secret and the first admin key default to ./var, as with
    // the default SQLite database.
    loc.directory = "./var";
    return loc;
  }
  std::string_view rest;
  if (url.starts_with("sqlite://")) {
    rest = std::string_view(url).substr(9);
  } else if (url.starts_with("sqlite:")) {
    rest = std::string_view(url).substr(7);
  } else {
    return core::InvalidArgument("unsupported database URL \"" +
                                 storage::postgres::RedactConninfo(url) +
                                 "\" (expected sqlite:PATH or postgresql://...)");
  }
  if (rest.empty()) return core::InvalidArgument("database URL \"" + url + "\" has no path");
  loc.path = std::string(rest);
  std::filesystem::path parent = std::filesystem::path(loc.path).parent_path();
  loc.directory = parent.empty() ? "." : parent.string();
  return loc;
}

core::Result<std::unique_ptr<storage::Storage>> OpenStorage(const DatabaseLocation& location,
                                                            const StorageOptions& options) {
  if (core::Status s = EnsureDirectory(location.directory); !s.ok()) return s;
  if (location.kind == DatabaseLocation::Kind::kPostgres) {
    storage::postgres::PostgresOptions pg;
    pg.conninfo = location.conninfo;
    pg.migrate = options.migrate;
    pg.pool_size = options.pool_size;
    pg.statement_timeout = options.statement_timeout;
    auto opened = storage::postgres::PostgresStorage::Open(pg);
    if (!opened.ok()) return opened.status();
    return std::unique_ptr<storage::Storage>(std::move(opened).value());
  }
  auto opened = storage::sqlite::SqliteStorage::Open(location.path);
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<storage::Storage>(std::move(opened).value());
}

}  // namespace backbeat::app
