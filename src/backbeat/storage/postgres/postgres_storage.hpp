#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "backbeat/core/status.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::postgres {

class ConnectionPool;
class PostgresTaskStore;
class PostgresRunStore;
class PostgresAccountStore;
class PostgresScheduleStore;

struct PostgresOptions {
  // A libpq connection string or URL: postgresql://user:password@host:port/database?...
  std::string conninfo;
  // Most connections open at once; callers beyond that wait up to acquire_timeout.
  size_t pool_size = 8;
  // Per statement, on every session: a statement running longer is canceled (Unavailable).
  std::chrono::milliseconds statement_timeout{5000};
  std::chrono::milliseconds acquire_timeout{5000};
  // Apply pending schema migrations at open; when false, open only a database already at this
  // binary's schema version.
  bool migrate = true;
};

// The PostgreSQL backend: every store over one database (the first schema on the session's
// search_path), through a bounded pool of libpq connections.
//
// Durability: each write commits before it returns OK (with the server's synchronous_commit).
// Several backbeat nodes may share one database: firing and claiming lock rows with SKIP LOCKED
// so nodes never decide the same slot or run the same run, and migrations at start-up take an
// advisory lock.
//
// Thread-safety: all methods of all stores may be called concurrently from any thread. They
// block; call them from a storage pool, never from an I/O thread. No call may be in flight or
// start once the destructor begins.
class PostgresStorage final : public Storage {
 public:
  // Connects, then migrates (or checks the schema version). Unavailable if the server cannot
  // be reached; FailedPrecondition if the database's schema is newer than this binary (or,
  // without `migrate`, not at its version).
  static core::Result<std::unique_ptr<PostgresStorage>> Open(const PostgresOptions& options);
  ~PostgresStorage() override;
  PostgresStorage(const PostgresStorage&) = delete;
  PostgresStorage& operator=(const PostgresStorage&) = delete;

  TaskStore& tasks() override;
  RunStore& runs() override;
  AccountStore& accounts() override;
  ScheduleStore& schedule() override;
  core::Status Ping() override;
  core::Result<std::optional<core::Millis>> DatabaseTime() override;

 private:
  explicit PostgresStorage(std::unique_ptr<ConnectionPool> pool);

  // Declaration order is construction order: the stores borrow the pool and go first.
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<PostgresTaskStore> tasks_;
  std::unique_ptr<PostgresRunStore> runs_;
  std::unique_ptr<PostgresAccountStore> accounts_;
  std::unique_ptr<PostgresScheduleStore> schedule_;
};

}  // namespace backbeat::storage::postgres
