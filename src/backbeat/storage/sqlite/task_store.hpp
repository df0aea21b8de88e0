#pragma once

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

// TaskStore over the `tasks` table. Writes go through the group committer (each is one unit,
// so atomic on its own and durable when it returns OK); reads use the read pool.
//
// Thread-safety: all methods may be called concurrently. Borrows the writer and the pool, which
// must outlive it.
// Shared with the schedule store: the `tasks` columns every SELECT lists, and one row of them.
std::string_view TaskColumns();
// How many columns TaskColumns() names (a query's own columns follow them).
inline constexpr int kTaskColumnCount = 17;
core::Result<core::Task> ReadTask(const Statement& s);

class SqliteTaskStore final : public TaskStore {
 public:
  SqliteTaskStore(GroupCommitter& writer, ReadPool& readers) : writer_(writer), readers_(readers) {}

  core::Status Create(const core::Task& task) override;
  core::Result<core::Task> Get(std::string_view id) override;
  core::Result<std::vector<core::Task>> List(const TaskQuery& query) override;
  core::Status Update(const core::Task& task) override;
  core::Status Delete(std::string_view id) override;
  core::Result<size_t> Count() override;

 private:
  GroupCommitter& writer_;
  ReadPool& readers_;
};

}  // namespace backbeat::storage::sqlite
