#pragma once

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

// RunStore over the `runs` table and its `run_attempts` children. A run and its attempts are
// written in one unit (atomic, durable when Insert returns OK) and read in one snapshot.
//
// Thread-safety: all methods may be called concurrently. Borrows the writer and the pool, which
// must outlive it.
class SqliteRunStore final : public RunStore {
 public:
  SqliteRunStore(GroupCommitter& writer, ReadPool& readers) : writer_(writer), readers_(readers) {}

  core::Status Insert(const core::Run& run) override;
  core::Result<core::Run> Get(std::string_view id) override;
  core::Result<std::vector<core::Run>> List(const RunQuery& query) override;

 private:
  GroupCommitter& writer_;
  ReadPool& readers_;
};

}  // namespace backbeat::storage::sqlite
