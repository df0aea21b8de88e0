#include "backbeat/storage/postgres/postgres_storage.hpp"

#include <utility>

#include "backbeat/storage/postgres/account_store.hpp"
#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/postgres/run_store.hpp"
#include "backbeat/storage/postgres/schedule_store.hpp"
#include "backbeat/storage/postgres/schema.hpp"
#include "backbeat/storage/postgres/task_store.hpp"

namespace backbeat::storage::postgres {

core::Result<std::unique_ptr<PostgresStorage>> PostgresStorage::Open(
    const PostgresOptions& options) {
  PoolOptions pool_options;
  pool_options.conninfo = options.conninfo;
  pool_options.size = options.pool_size;
  pool_options.statement_timeout = options.statement_timeout;
  pool_options.acquire_timeout = options.acquire_timeout;
  core::Result<std::unique_ptr<ConnectionPool>> pool = ConnectionPool::Open(pool_options);
  if (!pool.ok()) return pool.status();
  core::Status schema = (*pool)->Run(
      [&](Connection& c) { return options.migrate ? Migrate(c) : CheckSchemaVersion(c); });
  if (!schema.ok()) return schema;
  return std::unique_ptr<PostgresStorage>(new PostgresStorage(std::move(pool).value()));
}

PostgresStorage::PostgresStorage(std::unique_ptr<ConnectionPool> pool)
    : pool_(std::move(pool)),
      tasks_(std::make_unique<PostgresTaskStore>(*pool_)),
      runs_(std::make_unique<PostgresRunStore>(*pool_)),
      accounts_(std::make_unique<PostgresAccountStore>(*pool_)),
      schedule_(std::make_unique<PostgresScheduleStore>(*pool_)) {}

PostgresStorage::~PostgresStorage() {
  schedule_.reset();
  accounts_.reset();
  runs_.reset();
  tasks_.reset();
  pool_.reset();
}

TaskStore& PostgresStorage::tasks() { return *tasks_; }
RunStore& PostgresStorage::runs() { return *runs_; }
AccountStore& PostgresStorage::accounts() { return *accounts_; }
ScheduleStore& PostgresStorage::schedule() { return *schedule_; }

core::Status PostgresStorage::Ping() {
  return pool_->Run([](Connection& c) { return c.Exec("SELECT 1").status(); });
}

core::Result<std::optional<core::Millis>> PostgresStorage::DatabaseTime() {
  return pool_->Run([](Connection& c) -> core::Result<std::optional<core::Millis>> {
    // clock_timestamp(), not now(): now() is the start of the transaction.
    core::Result<Rows> rows =
        c.Exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return core::Internal("the database returned no time");
    return std::optional<core::Millis>{core::Millis{std::chrono::milliseconds{rows->Int(0, 0)}}};
  });
}

}  // namespace backbeat::storage::postgres
