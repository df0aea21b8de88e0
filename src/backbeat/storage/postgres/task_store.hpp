#pragma once

#include <string_view>
#include <vector>

#include "backbeat/storage/postgres/connection.hpp"
#include "backbeat/storage/postgres/connection_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::postgres {

// Shared with the schedule store: the `tasks` columns every SELECT lists, and one row of them
// (columns 0..16).
std::string_view TaskColumns();
core::Result<core::Task> ReadTask(const Rows& rows, int row);

// TaskStore over the `tasks` table. Every write is one statement in autocommit mode: atomic,
// and committed when it returns OK.
//
// Thread-safety: all methods may be called concurrently. Borrows the pool, which must outlive
// it.
class PostgresTaskStore final : public TaskStore {
 public:
  explicit PostgresTaskStore(ConnectionPool& pool) : pool_(pool) {}

  core::Status Create(const core::Task& task) override;
  core::Result<core::Task> Get(std::string_view id) override;
  core::Result<std::vector<core::Task>> List(const TaskQuery& query) override;
  core::Status Update(const core::Task& task) override;
  core::Status Delete(std::string_view id) override;
  core::Result<size_t> Count() override;

 private:
  ConnectionPool& pool_;
};

}  // namespace backbeat::storage::postgres
