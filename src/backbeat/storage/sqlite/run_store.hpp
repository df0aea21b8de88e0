#pragma once

#include <span>

#include "backbeat/storage/sqlite/group_committer.hpp"
#include "backbeat/storage/sqlite/read_pool.hpp"
#include "backbeat/storage/storage.hpp"

namespace backbeat::storage::sqlite {

// RunStore over the `runs` table; a run's attempts are a JSON column of its row
// (attempts_codec.hpp), so a run is written in one row write (durable when Insert returns OK).
//
// Thread-safety: all methods may be called concurrently. Borrows the writer and the pool, which
// must outlive it.
// Shared with the schedule store, inside a writer unit: inserts the run unless
// its id or (task, slot) is taken (answers false then).
core::Result<bool> InsertRunIfAbsent(Connection& c, const core::Run& run);
// The same for many runs, several per statement; answers how many were inserted.
core::Result<size_t> InsertRunsIfAbsent(Connection& c, std::span<const core::Run* const> runs);
// The predicate of the partial index runs_active_by_task, for queries that use it.
std::string_view ActiveRunPredicate();
// Runs of the task that are not final.
core::Result<int> CountActiveRuns(Connection& c, std::string_view task_id);

class SqliteRunStore final : public RunStore {
 public:
  SqliteRunStore(GroupCommitter& writer, ReadPool& readers) : writer_(writer), readers_(readers) {}

  core::Status Insert(const core::Run& run) override;
  core::Result<core::Run> Get(std::string_view id) override;
  core::Result<std::vector<core::Run>> List(const RunQuery& query) override;
  core::Result<std::vector<core::Run>> Claim(
      const ClaimRequest& request, const std::function<core::Run(core::Run)>& start) override;
  core::Result<std::vector<std::string>> Renew(std::string_view owner,
                                               const std::vector<std::string>& run_ids,
                                               core::Millis until) override;
  core::Result<std::vector<core::Status>> ReplaceIf(
      const std::vector<GuardedRun>& updates) override;
  core::Result<std::vector<core::Run>> ListStale(core::Millis now, size_t limit) override;
  core::Result<ManualRunResult> InsertManual(const ManualRunRequest& request) override;
  core::Result<size_t> Prune(core::Millis before, size_t limit) override;
  core::Result<std::vector<std::pair<core::RunStatus, int64_t>>> CountByStatus() override;

 private:
  GroupCommitter& writer_;
  ReadPool& readers_;
};

}  // namespace backbeat::storage::sqlite
